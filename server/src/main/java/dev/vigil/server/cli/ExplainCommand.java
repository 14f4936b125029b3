package dev.vigil.server.cli;

import dev.vigil.engine.Engine;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Rule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code vigil explain}: the EPL each rule compiles to. */
@Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = {
                "Print the Esper EPL that each event type and rule compiles to.",
                "Each rule's EPL comes after a `-- horizon:` line (the longest time its state can depend on), and "
                        + "a last line gives the engine's; rules whose state has no horizon are also warned "
                        + "about on standard error, as by vigil check.",
        },
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
            Optional<Rule> rule = name.startsWith("event ") ? Optional.empty() : rules.rule(name);
            out.println("-- " + (name.startsWith("event ") ? name : "rule " + name + rule
                    .map(r -> " (" + r.file() + ":" + r.pos().line() + ")").orElse("")));
            rule.ifPresent(r -> out.println("-- horizon: " + HorizonText.of(r)));
            rule.filter(Rule::shadow).ifPresent(r -> out.println("-- mode shadow: its alerts are stored and shown,"
                    + " never sent"));
            out.println(e.getValue() + ";");
            out.println();
        }
        out.println("-- engine horizon: " + HorizonText.engine(rules));
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        HorizonText.warnings(rules).forEach(err::println);
        err.flush();
        return ExitCode.OK;
    }
}
