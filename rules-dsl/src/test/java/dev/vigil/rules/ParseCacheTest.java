package dev.vigil.rules;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Files parsed once are not parsed again (a deploy of one file among many): what a compilation
 * reports and builds is the same whether its files were parsed before or not.
 */
class ParseCacheTest {
    private static final SourceFile A = new SourceFile("a.rules", "event E { x int }\n\nrule r { when E(x > 1) }\n");

    @Test
    void aFileCompiledAgain_givesTheSameRules_andChecksAcrossFilesStillRun() {
        CompileResult first = RulesCompiler.compile(A);
        assertThat(first.ok()).isTrue();
        CompileResult again = RulesCompiler.compile(A);
        assertThat(again.ruleSet().orElseThrow().rules()).isEqualTo(first.ruleSet().orElseThrow().rules());

        // a.rules comes from the cache now; the duplicate id in b.rules is still found, at its place.
        CompileResult dup = RulesCompiler.compile(A, new SourceFile("b.rules", "event E { x int }\nrule r { when E }\n"));
        assertThat(dup.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo(ErrorCode.DUPLICATE_RULE);
            assertThat(d.file() + ":" + d.line() + ":" + d.column()).isEqualTo("b.rules:2:6");
        });
        // ... and the checks of each rule, which depend on the other files' declarations.
        CompileResult unknown = RulesCompiler.compile(List.of(new SourceFile("a.rules", "rule r { when E(x > 1) }\n"),
                new SourceFile("b.rules", "event E { y int }\n")));
        assertThat(unknown.diagnostics()).extracting(Diagnostic::message)
                .anyMatch(m -> m.startsWith("unknown field `x` in E"));
    }

    @Test
    void aFileWithErrors_reportsThemEveryTime() {
        SourceFile broken = new SourceFile("c.rules", "event E { x int }\nrule r { when E(x > ) }\n");
        List<Diagnostic> first = RulesCompiler.compile(broken).diagnostics();
        assertThat(first).isNotEmpty();
        assertThat(RulesCompiler.compile(broken).diagnostics()).isEqualTo(first);
    }
}
