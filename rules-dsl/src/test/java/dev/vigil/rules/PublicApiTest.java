package dev.vigil.rules;

import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.Expr;
import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.Severity;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The compiler as a user sees it: only the public packages {@code dev.vigil.rules} and {@code .ast}. */
class PublicApiTest {
    private static final String FRAUD = """
            event Transaction {
                cardId   string
                amount   double
                merchant string
                at       timestamp
            }

            rule velocity "Too many purchases on one card" {
                when Transaction by cardId over sliding 5 min having count() >= 5
                severity high
                message "Card {cardId}: {count()} purchases, {sum(amount):0.00} in total"
                notify fraud_webhook
                throttle 10 min
                labels { team: "fraud" }
            }
            """;

    @Test
    void compile_validFile_givesRuleSetWithEverythingTheEngineNeeds() {
        CompileResult result = RulesCompiler.compile(new SourceFile("fraud.rules", FRAUD));

        assertThat(result.ok()).isTrue();
        assertThat(result.diagnostics()).isEmpty();
        RuleSet rules = result.orThrow();
        assertThat(rules.event("Transaction").orElseThrow().timestampField().orElseThrow().name()).isEqualTo("at");
        Rule velocity = rules.rule("velocity").orElseThrow();
        assertThat(velocity.title()).contains("Too many purchases on one card");
        assertThat(velocity.severity()).isEqualTo(Severity.HIGH);
        assertThat(velocity.throttle().orElseThrow().toDuration()).hasMinutes(10);
        assertThat(velocity.effectiveKey()).extracting(k -> k.text()).containsExactly("cardId");
        assertThat(velocity.labels()).extracting(l -> l.name() + "=" + l.value()).containsExactly("team=fraud");
        Condition.Aggregate when = (Condition.Aggregate) velocity.when();
        assertThat(when.window()).isInstanceOf(dev.vigil.rules.ast.Window.Sliding.class);
        assertThat(when.having()).isInstanceOf(Expr.Binary.class);
        assertThat(velocity.message().orElseThrow().parts()).filteredOn(MessageTemplate.Placeholder.class::isInstance)
                .extracting(p -> ((MessageTemplate.Placeholder) p).text())
                .containsExactly("cardId", "count()", "sum(amount)");
        assertThat(rules.rule("nope")).isEmpty();
    }

    @Test
    void compile_brokenFile_givesNoRuleSetAndLocatedDiagnostics() {
        CompileResult result = RulesCompiler.compile(List.of(
                new SourceFile("fraud.rules", FRAUD.replace("sum(amount)", "sum(amout)"))));

        assertThat(result.ok()).isFalse();
        assertThat(result.ruleSet()).isEmpty();
        assertThat(result.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.file()).isEqualTo("fraud.rules");
            assertThat(d.line()).isEqualTo(11);
            assertThat(d.code()).isEqualTo(ErrorCode.UNKNOWN_TEMPLATE_NAME);
            assertThat(d.message()).isEqualTo("unknown field `amout` in Transaction; did you mean `amount`?");
            assertThat(d.sourceLine()).contains("{sum(amout):0.00}");
        });
    }

    @Test
    void compile_isSafeFromManyThreadsAtOnce() throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    for (int j = 0; j < 50; j++) {
                        assertThat(RulesCompiler.compile(new SourceFile("a", FRAUD)).ok()).isTrue();
                        assertThat(RulesCompiler.compile(new SourceFile("b", FRAUD + "rule x { when Y }")).ok())
                                .isFalse();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void publicSignatures_mentionNoParserTypes() {
        List<Class<?>> publicTypes = new ArrayList<>(List.of(RulesCompiler.class, CompileResult.class, RuleSet.class,
                SourceFile.class, Diagnostic.class, ErrorCode.class));
        for (Class<?> top : List.of(Condition.class, Expr.class, dev.vigil.rules.ast.PatternTerm.class,
                dev.vigil.rules.ast.Window.class, MessageTemplate.class, Rule.class,
                dev.vigil.rules.ast.RuleFile.class, dev.vigil.rules.ast.EventDecl.class)) {
            publicTypes.add(top);
            publicTypes.addAll(List.of(top.getDeclaredClasses()));
        }
        for (Class<?> type : publicTypes) {
            for (Method m : type.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                assertThat(m.getGenericReturnType().getTypeName()).as(m.toString()).doesNotContain("antlr");
                for (var p : m.getGenericParameterTypes()) {
                    assertThat(p.getTypeName()).as(m.toString()).doesNotContain("antlr");
                }
            }
            if (type.isRecord()) {
                for (RecordComponent c : type.getRecordComponents()) {
                    assertThat(c.getGenericType().getTypeName()).doesNotContain("antlr");
                }
            }
        }
    }
}
