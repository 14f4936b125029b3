package dev.vigil.server.cli;

import dev.vigil.rules.CompileResult;
import dev.vigil.rules.Diagnostic;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vigil check}: compiles rule files together, as the engine would load them, and prints every
 * diagnostic and a one-line summary.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
                "Validate rule files.",
                "Prints every error with its file, line and column, then a summary line. All files are "
                        + "checked together, as the engine loads them: a rule id used in two files is an error.",
                "Warns on standard error about rules whose state has no horizon (a pattern without `within`, a "
                        + "session window, ...): recovery rebuilds at most state.maxHorizon of it.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:every file is valid",
                "1:some file has errors",
                "2:wrong usage: a missing file, an unknown option",
        })
final class CheckCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(
            arity = "1..*",
            paramLabel = "FILE_OR_DIR",
            description = "A rule file, or a directory: every *" + RuleFiles.EXTENSION
                    + " file below it, in path order (hidden files and folders skipped).")
    private List<Path> paths;

    @Option(
            names = "--horizon",
            description = "Also print each rule's horizon (the longest time its state can depend on), then the"
                    + " engine's, after the summary line.")
    private boolean horizon;

    @Override
    public Integer call() {
        RuleFiles.Loaded loaded;
        try {
            loaded = RuleFiles.read(RuleFiles.find(paths));
        } catch (RuleFiles.BadPathException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Optional<CompileResult> result = loaded.sources().isEmpty()
                ? Optional.empty()
                : Optional.of(RulesCompiler.compile(loaded.sources()));
        List<Diagnostic> diagnostics = result.map(CompileResult::diagnostics).orElse(List.of());

        // Errors grouped by file, files in the order they were given; the compiler's order within a file.
        Map<String, List<String>> errorsByFile = new LinkedHashMap<>();
        loaded.sources().forEach(source -> errorsByFile.put(source.name(), new ArrayList<>()));
        loaded.encodingErrors().forEach(error ->
                errorsByFile.put(error.file().toString(), new ArrayList<>(List.of(error.format()))));
        diagnostics.forEach(diagnostic ->
                errorsByFile.computeIfAbsent(diagnostic.file(), file -> new ArrayList<>()).add(diagnostic.format()));

        PrintWriter out = spec.commandLine().getOut();
        int errorCount = 0;
        int filesWithErrors = 0;
        for (List<String> errors : errorsByFile.values()) {
            errors.forEach(out::println);
            errorCount += errors.size();
            filesWithErrors += errors.isEmpty() ? 0 : 1;
        }
        String checked = plural(loaded.fileCount(), "file") + " checked";
        boolean compiled = result.map(CompileResult::ok).orElse(true);
        if (errorCount > 0) {
            out.println(checked + ": " + plural(errorCount, "error") + " in " + plural(filesWithErrors, "file"));
        } else if (!compiled) {
            out.println(checked + ": the rules did not compile, but the compiler reported no error");
        } else {
            out.println(checked + ", no errors");
        }
        out.flush();
        // Only a set that compiled has rules to judge; warnings never change the exit status.
        Optional<RuleSet> rules = errorCount == 0 ? result.flatMap(CompileResult::ruleSet) : Optional.empty();
        rules.ifPresent(set -> {
            PrintWriter err = spec.commandLine().getErr();
            HorizonText.warnings(set).forEach(err::println);
            err.flush();
            if (horizon) {
                set.rules().forEach(r -> out.println("rule " + r.id() + " (" + r.file() + ":" + r.pos().line()
                        + "): horizon " + HorizonText.of(r)));
                out.println("engine horizon: " + HorizonText.engine(set));
                out.flush();
            }
        });
        return errorCount == 0 && compiled ? ExitCode.OK : ExitCode.FAILURE;
    }

    private static String plural(int count, String noun) {
        return count + " " + noun + (count == 1 ? "" : "s");
    }
}
