package dev.vigil.rules;

import dev.vigil.rules.internal.Compilation;

import java.util.List;

/**
 * The rules language compiler: parses and checks rule files and gives back either a
 * {@link RuleSet} or every error, each with file, line and column.
 *
 * <p>It never throws for bad input: any text, however broken or deeply nested, gives diagnostics.
 * Safe to call from any thread.
 */
public final class RulesCompiler {
    private RulesCompiler() {
    }

    /**
     * Compiles rule files together: event declarations are shared by all of them, rule ids must be
     * unique across them. Diagnostics come in the order of {@code files}, then by position.
     */
    public static CompileResult compile(List<SourceFile> files) {
        return Compilation.compile(List.copyOf(files));
    }

    /** Same as {@link #compile(List)}. */
    public static CompileResult compile(SourceFile... files) {
        return compile(List.of(files));
    }
}
