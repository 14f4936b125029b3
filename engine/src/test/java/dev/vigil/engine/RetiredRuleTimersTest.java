package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rule removed or changed by a deploy while its {@code for} is pending raises nothing from its
 * old version: the pending {@code for} belongs to the replaced lifecycle, whose timer must do
 * nothing (a changed rule starts fresh). Found by SharedEquivalenceTest (hot reload, seed 3).
 */
class RetiredRuleTimersTest {
    private static final String EVENTS = "event Tx { card string  amount double }\n";
    /** Shared (a group's member) and alone (a key expression of its own keeps it off the group). */
    private static final String[] HELD = {
            "rule held { when Tx by card over sliding 10 min having count() >= 1 for 2 min }\n",
            "rule held { when Tx by card over sliding 10 min having count() >= 1 for 2 min key upper(card) }\n"};

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void aRemovedRulesPendingFor_raisesNothing(int form) throws Exception {
        try (Harness h = new Harness(EVENTS + HELD[form])) {
            h.at(0, "Tx", "{'card':'c1','amount':1}");
            h.engine.deploy(TestRules.compile(EVENTS + "rule other { when Tx(amount > 100) }\n"));
            h.at(5 * 60_000L, "Tx", "{'card':'c2','amount':1}");
            assertThat(h.summary()).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void aChangedRulesOldPendingFor_raisesNothing(int form) throws Exception {
        try (Harness h = new Harness(EVENTS + HELD[form])) {
            h.at(0, "Tx", "{'card':'c1','amount':1}");
            DeployResult result = h.engine.deploy(TestRules.compile(EVENTS + HELD[form].replace(">= 1", ">= 5")));
            assertThat(result.changed()).containsExactly("held");
            h.at(5 * 60_000L, "Tx", "{'card':'c2','amount':1}");
            // The new version's condition (five events) never holds.
            assertThat(h.summary()).isEmpty();
        }
    }
}
