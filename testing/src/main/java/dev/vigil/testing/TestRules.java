package dev.vigil.testing;

import dev.vigil.rules.CompileResult;
import dev.vigil.rules.Diagnostic;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * Compiles a test's rule text into a {@link RuleSet}, failing the test with every diagnostic when
 * it does not compile: for tests that need rules, not for tests of the compiler.
 */
public final class TestRules {
    /** The file name diagnostics give rule text compiled without one. */
    public static final String DEFAULT_NAME = "test.rules";

    private TestRules() {
    }

    /** Compiles one file of rule text, named {@value #DEFAULT_NAME}. */
    public static RuleSet compile(String text) {
        return compile(DEFAULT_NAME, text);
    }

    /** Compiles one file of rule text, named {@code name} in diagnostics. */
    public static RuleSet compile(String name, String text) {
        return compile(List.of(new SourceFile(name, text)));
    }

    /** Compiles several files together (event declarations shared, rule ids unique across them). */
    public static RuleSet compile(SourceFile... files) {
        return compile(List.of(files));
    }

    /** Compiles several files together (event declarations shared, rule ids unique across them). */
    public static RuleSet compile(List<SourceFile> files) {
        requireNonNull(files, "files is null");
        CompileResult result = RulesCompiler.compile(files);
        return result.ruleSet().orElseThrow(() -> new AssertionError("the test's rules do not compile:\n"
                + String.join("\n", result.diagnostics().stream().map(Diagnostic::format).toList())));
    }

    /** Compiles a rule file read from disk, named by its path in diagnostics. */
    public static RuleSet compileFile(Path file) throws IOException {
        requireNonNull(file, "file is null");
        return compile(file.toString(), Files.readString(file));
    }
}
