package dev.vigil.rules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Whatever the input, the compiler gives diagnostics, never another exception. */
class RobustnessTest {
    private static final List<String> TOKENS = List.of(
            "event", "rule", "when", "key", "severity", "message", "notify", "throttle", "labels", "enabled",
            "epl", "absent", "times", "->", "by", "over", "sliding", "tumbling", "hopping", "every", "session",
            "last", "events", "having", "within", "for", "or", "and", "not", "in", "between", "matches", "is",
            "null", "true", "false", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "(", ")", "[",
            "]", "{", "}", ",", ":", ".", "=", "@", "Transaction", "amount", "cardId", "a", "b", "count", "sum",
            "lower", "x", "1", "0", "2.5", "1e6", "-3", "min", "s", "ms", "h", "\"str\"", "\"{amount}\"",
            "\"{a.cardId:0.00}\"", "\"\"\"select 1\"\"\"", "\"unterminated", "\"{", "\"}\"", "# comment\n", "\n",
            "high", "string", "double", "timestamp", "\\", "\"\\q\"", "\t");

    private static void assertOnlyDiagnostics(String text) {
        CompileResult result;
        try {
            result = RulesCompiler.compile(new SourceFile("fuzz.rules", text));
        } catch (RuntimeException | Error e) {
            throw new AssertionError("compiling threw for input:\n" + text, e);
        }
        assertThat(result.ok()).as(text).isEqualTo(result.diagnostics().isEmpty());
        int lines = text.split("\n", -1).length;
        for (Diagnostic d : result.diagnostics()) {
            assertThat(d.line()).as(text).isBetween(1, lines);
            assertThat(d.column()).as(text).isPositive();
            assertThat(d.format()).isNotEmpty();
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void randomTokenSoup_givesOnlyDiagnostics() {
        Random random = new Random(20_240_611L);
        for (int i = 0; i < 3_000; i++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(60);
            for (int j = 0; j < n; j++) {
                text.append(TOKENS.get(random.nextInt(TOKENS.size()))).append(random.nextInt(4) == 0 ? "" : " ");
            }
            assertOnlyDiagnostics(text.toString());
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void tokenSoupInsideAValidRule_givesOnlyDiagnostics() {
        Random random = new Random(7L);
        for (int i = 0; i < 1_000; i++) {
            StringBuilder soup = new StringBuilder();
            int n = 1 + random.nextInt(12);
            for (int j = 0; j < n; j++) {
                soup.append(TOKENS.get(random.nextInt(TOKENS.size()))).append(' ');
            }
            assertOnlyDiagnostics(SpecExamplesTest.DECLARATIONS + "rule r {\n when Transaction(" + soup
                    + ")\n message \"{" + soup + "}\"\n}\n");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyPrefixOfTheSpecExampleAndConformanceFiles_givesOnlyDiagnostics() {
        List<String> texts = new ArrayList<>();
        texts.add(SpecExamplesTest.SPEC_EXAMPLE);
        for (Path path : SpecExamplesTest.conformanceRuleFiles()) {
            texts.add(SpecExamplesTest.read(path));
        }
        for (String text : texts) {
            for (int end = 0; end <= text.length(); end++) {
                assertOnlyDiagnostics(text.substring(0, end));
            }
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void singleCharacterMutationsOfTheSpecExample_giveOnlyDiagnostics() {
        String text = SpecExamplesTest.SPEC_EXAMPLE;
        Random random = new Random(99L);
        String alphabet = "(){}[]\"#:,.-><=!+*/%0123456789 \nabcxyz_";
        for (int i = 0; i < 1_000; i++) {
            int at = random.nextInt(text.length());
            String mutated = switch (random.nextInt(3)) {
                case 0 -> text.substring(0, at) + text.substring(at + 1);
                case 1 -> text.substring(0, at) + alphabet.charAt(random.nextInt(alphabet.length()))
                        + text.substring(at);
                default -> text.substring(0, at) + alphabet.charAt(random.nextInt(alphabet.length()))
                        + text.substring(at + 1);
            };
            assertOnlyDiagnostics(mutated);
        }
    }

    private static Diagnostic onlyDiagnostic(String text) {
        CompileResult result = RulesCompiler.compile(new SourceFile("deep.rules", text));
        assertThat(result.diagnostics()).hasSize(1);
        return result.diagnostics().get(0);
    }

    @Test
    void hundredThousandOpenParentheses_isTooLarge() {
        Diagnostic d = onlyDiagnostic("event E { x int }\nrule r {\n when E(" + "(".repeat(100_000) + "\n}\n");
        assertThat(d.code()).isEqualTo(ErrorCode.TOO_LARGE);
        assertThat(d.message()).isEqualTo("rule is too large: it nests more than 64 levels deep");
        assertThat(d.line() + ":" + d.column()).isEqualTo("3:71");
    }

    @Test
    void deeplyNestedButBalancedParentheses_isTooLarge() {
        String deep = "(".repeat(5_000) + "x > 1" + ")".repeat(5_000);
        assertThat(onlyDiagnostic("event E { x int }\nrule r { when E(" + deep + ") }").code())
                .isEqualTo(ErrorCode.TOO_LARGE);
    }

    @Test
    void longChainOfPrefixOperators_isTooLarge() {
        assertThat(onlyDiagnostic("event E { x boolean }\nrule r { when E(" + "not ".repeat(100_000) + "x) }")
                .code()).isEqualTo(ErrorCode.TOO_LARGE);
        assertThat(onlyDiagnostic("event E { x int }\nrule r { when E(" + "- ".repeat(100_000) + "x > 1) }")
                .code()).isEqualTo(ErrorCode.TOO_LARGE);
    }

    @Test
    void deepNestingInsideAMessagePlaceholder_isTooLarge() {
        Diagnostic d = onlyDiagnostic("event E { x int }\nrule r { when E message \"{" + "(".repeat(10_000)
                + "x}\" }");
        assertThat(d.code()).isEqualTo(ErrorCode.TOO_LARGE);
        assertThat(d.line()).isEqualTo(2);
    }

    @Test
    void longFlatChainOfOperators_isTooLargeWithoutOverflowing() {
        String chain = "x" + " + x".repeat(100_000);
        Diagnostic d = onlyDiagnostic("event E { x int }\nrule r { when E(" + chain + " > 1) }");
        assertThat(d.code()).isEqualTo(ErrorCode.TOO_LARGE);
        assertThat(d.message()).isEqualTo("rule is too large: an expression nests more than 1000 levels deep");
    }

    @Test
    void chainOfFiveHundredOrs_isFine() {
        String chain = "x == 0" + " or x == 1".repeat(500);
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules",
                "event E { x int }\nrule r { when E(" + chain + ") }"));
        assertThat(result.diagnostics()).isEmpty();
    }

    @Test
    void nestingAtTheLimit_parses() {
        String nested = "(".repeat(60) + "x > 1" + ")".repeat(60);
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules",
                "event E { x int }\nrule r { when E(" + nested + ") }"));
        assertThat(result.diagnostics()).isEmpty();
    }

    @Test
    void sameInput_givesSameDiagnostics() {
        String text = SpecExamplesTest.SPEC_EXAMPLE.replace("amount > 10000", "amout >> 10000");
        assertThat(RulesCompiler.compile(new SourceFile("a", text)))
                .isEqualTo(RulesCompiler.compile(new SourceFile("a", text)));
    }

    @Test
    void emptyAndCommentOnlyFiles_compileToEmptyRuleSets() {
        assertThat(RulesCompiler.compile(new SourceFile("a", "")).orThrow().rules()).isEmpty();
        assertThat(RulesCompiler.compile(new SourceFile("a", "# nothing\n// here\n")).orThrow().rules()).isEmpty();
        assertThat(RulesCompiler.compile(List.of()).orThrow().files()).isEmpty();
    }

    @Test
    void windowsLineEndings_giveTheSamePositions() {
        String text = "event E { x int }\r\nrule r {\r\n  when E(y > 1)\r\n}\r\n";
        Diagnostic d = RulesCompiler.compile(new SourceFile("a", text)).diagnostics().get(0);
        assertThat(d.line() + ":" + d.column()).isEqualTo("3:10");
        assertThat(d.sourceLine()).isEqualTo("  when E(y > 1)");
    }
}
