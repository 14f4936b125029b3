package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A rule that takes longer than its compile budget is refused, and what runs is unchanged. */
class CompileBudgetTest {
    private static final String TYPES = "event Tx {\n    card string\n    amount double\n}\n";

    @Test
    void ruleOverItsCompileBudget_isRefused_andTheRunningRulesStay() throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().compileBudget(Duration.ofMillis(1)).build(),
                a -> { })) {
            // The event type compiles outside the budget; the first rule needs Esper's compiler warm,
            // which takes far longer than 1 ms.
            assertThatThrownBy(() -> engine.deploy(TestRules.compile(TYPES
                    + "rule slow { when a: Tx times 50 -> b: Tx(amount > a[0].amount) by card within 1 h }\n")))
                    .isInstanceOfSatisfying(DeployException.class, e -> assertThat(e.problems().get(0).message())
                            .isEqualTo("did not compile within 1 ms (rules.compileBudget): simplify the rule or split it"));
            assertThat(engine.stats().rules()).isEmpty();
        }
    }

    @Test
    void ordinaryRules_compileWellWithinTheDefaultBudget() throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), a -> { })) {
            engine.deploy(TestRules.compile(TYPES + "rule big { when Tx(amount > 10) key card }\n"));
            assertThat(engine.stats().rules()).hasSize(1);
        }
    }
}
