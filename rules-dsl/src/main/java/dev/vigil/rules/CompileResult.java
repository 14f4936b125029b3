package dev.vigil.rules;

import java.util.List;
import java.util.Optional;

/**
 * What {@link RulesCompiler#compile} gives back: a rule set when there is no error, and every
 * diagnostic of every file (in file order, then position order).
 */
public record CompileResult(Optional<RuleSet> ruleSet, List<Diagnostic> diagnostics) {
    public CompileResult {
        java.util.Objects.requireNonNull(ruleSet, "ruleSet is null");
        diagnostics = List.copyOf(diagnostics);
    }

    public boolean ok() {
        return ruleSet.isPresent();
    }

    /** The rule set; throws {@link IllegalStateException} listing the diagnostics when there is none. */
    public RuleSet orThrow() {
        return ruleSet.orElseThrow(() -> new IllegalStateException(
                "rule files have errors:\n" + String.join("\n",
                        diagnostics.stream().map(Diagnostic::format).toList())));
    }
}
