package dev.vigil.testing;

import dev.vigil.rules.RuleSet;
import dev.vigil.rules.SourceFile;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.RuleFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestRulesTest {
    private static final String TYPES = "event E { k string  v int  at timestamp }\n";

    @Test
    void compile_text_givesTheRuleSet_inOneFileNamedTestRules() {
        RuleSet rules = TestRules.compile(TYPES + "rule big { when E(v > 10) key k }\n");
        assertThat(rules.rules()).extracting(Rule::id).containsExactly("big");
        assertThat(rules.files()).extracting(RuleFile::name).containsExactly(TestRules.DEFAULT_NAME);
    }

    @Test
    void compile_severalFiles_shareTheirEventDeclarations() {
        RuleSet rules = TestRules.compile(new SourceFile("types.rules", TYPES),
                new SourceFile("big.rules", "rule big { when E(v > 10) key k }\n"));
        assertThat(rules.files()).extracting(RuleFile::name).containsExactly("types.rules", "big.rules");
        assertThat(rules.rule("big")).isPresent();
    }

    @Test
    void compile_brokenText_failsWithEveryDiagnostic() {
        assertThatThrownBy(() -> TestRules.compile("a.rules", TYPES + "rule x { when E(vv > 1) }\nrule y { when Nope }\n"))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("the test's rules do not compile:\na.rules:2:")
                .hasMessageContaining("unknown field `vv`")
                .hasMessageContaining("a.rules:3:")
                .hasMessageContaining("unknown event type `Nope`");
    }

    @Test
    void compileFile_isNamedByItsPath(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f.rules"), TYPES + "rule all { when E key k }\n");
        assertThat(TestRules.compileFile(file).files()).extracting(RuleFile::name).containsExactly(file.toString());
    }
}
