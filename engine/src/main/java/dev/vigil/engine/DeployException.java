package dev.vigil.engine;

import java.util.List;

/**
 * A rule set that passed the language checks but that Esper refused (a raw EPL statement that
 * does not compile, say). Nothing was changed in the running engine.
 */
public final class DeployException extends Exception {
    private static final long serialVersionUID = 1L;

    /** One refused rule: where it is and Esper's reason. */
    public record Problem(String file, int line, int column, String rule, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ":" + column + ": rule " + rule + ": " + message;
        }
    }

    private final transient List<Problem> problems;

    public DeployException(List<Problem> problems) {
        super(String.join("\n", problems.stream().map(Problem::toString).toList()));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
