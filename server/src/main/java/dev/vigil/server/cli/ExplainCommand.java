package dev.vigil.server.cli;

import dev.vigil.engine.Engine;
import dev.vigil.rules.RuleSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code vigil explain}: the EPL each rule compiles to. */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = "Print the Esper EPL that each event type and rule compiles to.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:printed",
                "1:the rule files have errors",
                "2:wrong usage",
        })
final class ExplainCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE_OR_DIR", description = "Rule files, or folders of *.rules files.")
    private List<Path> paths;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        RuleSet rules;
        try {
            rules = Replayer.loadRules(paths);
        } catch (Replayer.RulesException e) {
            spec.commandLine().getErr().println(e.getMessage());
            spec.commandLine().getErr().flush();
            return ExitCode.FAILURE;
        }
        for (Map.Entry<String, String> e : Engine.explain(rules).entrySet()) {
            String name = e.getKey();
            out.println("-- " + (name.startsWith("event ") ? name : "rule " + name + rules.rule(name)
                    .map(r -> " (" + r.file() + ":" + r.pos().line() + ")").orElse("")));
            out.println(e.getValue() + ";");
            out.println();
        }
        out.flush();
        return ExitCode.OK;
    }
}
