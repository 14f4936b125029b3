package dev.vigil.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code vigil test}: runs rule test files and says which pass. */
@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        description = {
                "Run rule tests: replay each test's events through its rules and compare the alerts with "
                        + "the expected ones, exactly.",
                "Prints PASS or FAIL per test (with the missing and unexpected alerts), then a last line "
                        + "`N passed, N failed`.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:every test passed",
                "1:some test failed or could not run",
                "2:wrong usage",
        })
final class TestCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "TEST.yaml", description = "Rule test files.")
    private List<Path> files;

    @picocli.CommandLine.Option(names = "--shards", paramLabel = "N",
            description = "Engine shards (default: one per core); the alerts are the same with any number.")
    private Integer shards;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        int passed = 0;
        int failed = 0;
        int n = shards == null ? Replayer.defaultShards() : Replayer.checkShards(spec, shards);
        for (Path file : files) {
            RuleTest.Outcome outcome;
            try {
                outcome = RuleTest.load(file).run(n);
            } catch (RuleTest.InvalidTestException e) {
                failed++;
                out.println("FAIL " + file);
                out.println("  " + e.getMessage());
                out.flush();
                continue;
            }
            if (outcome.passed()) {
                passed++;
                out.println("PASS " + file + " (" + outcome.test().name() + "): " + outcome.alerts() + " alerts");
            } else {
                failed++;
                out.println("FAIL " + file + " (" + outcome.test().name() + ")");
                for (String p : outcome.problems()) {
                    for (String line : p.split("\n")) {
                        out.println("  " + line);
                    }
                }
            }
            out.flush();
        }
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        return failed == 0 ? ExitCode.OK : ExitCode.FAILURE;
    }
}
