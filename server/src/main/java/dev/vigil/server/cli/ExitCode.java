package dev.vigil.server.cli;

/** The exit codes every {@code vigil} command uses. */
final class ExitCode {
    /** Everything went as asked: the files are valid, the tests passed. */
    static final int OK = 0;
    /** The input is wrong or something failed: a rule file has errors, a test failed. */
    static final int FAILURE = 1;
    /** The command was called wrongly: an unknown option, a missing file. */
    static final int USAGE = 2;

    private ExitCode() {
    }
}
