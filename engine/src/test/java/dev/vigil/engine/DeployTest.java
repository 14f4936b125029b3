package dev.vigil.engine;

import dev.vigil.rules.RuleSet;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeployTest {
    private static final EngineOptions RAW = EngineOptions.newBuilder().allowRawEpl(true).build();
    private static final String TX = """
            event Transaction { cardId string  amount double  at timestamp }
            """;
    private static final String VELOCITY = """
            rule velocity { when Transaction by cardId over sliding 10 min having count() >= 3 }
            """;

    private static String tx(String card, double amount) {
        return "{'cardId': '" + card + "', 'amount': " + amount + "}";
    }

    @Test
    void redeploy_unchangedRuleKeepsItsWindow_changedRuleStartsFresh() throws Exception {
        try (Harness h = new Harness(TX + VELOCITY + """
                rule big { when Transaction(amount > 100) key cardId }
                rule pair { when Transaction by cardId over sliding 10 min having count() >= 2 }
                """)) {
            h.at(0, "Transaction", tx("c1", 1)).at(1_000, "Transaction", tx("c1", 1));
            DeployResult r = h.engine.deploy(TestRules.compile(TX + VELOCITY + """
                    rule big { when Transaction(amount > 200) key cardId }
                    rule triple { when Transaction by cardId over sliding 10 min having count() >= 1 }
                    """));
            assertThat(r.unchanged()).containsExactly("velocity");
            assertThat(r.changed()).containsExactly("big");
            assertThat(r.added()).containsExactly("triple");
            assertThat(r.removed()).containsExactly("pair");
            assertThat(r.deployed()).containsExactly("velocity", "big", "triple");

            h.at(2_000, "Transaction", tx("c1", 150));
            h.finish();
            // velocity saw the two events before the swap: the third fires it. big now needs > 200.
            assertThat(h.summary()).containsExactly(
                    "firing {cardId=c1} +1000",            // pair, before the swap
                    "firing {cardId=c1} +2000",            // velocity, across the swap
                    "firing {cardId=c1} +2000",            // triple, fresh
                    "resolved {cardId=c1} +600000",        // velocity: first event expires
                    "resolved {cardId=c1} +602000");       // triple: its only event expires
            assertThat(h.alerts).extracting(Alert::rule)
                    .containsExactly("pair", "velocity", "triple", "velocity", "triple");
        }
    }

    @Test
    void redeploy_changedEventDeclaration_redeploysEveryRuleThatUsesIt() throws Exception {
        try (Harness h = new Harness(TX + VELOCITY)) {
            h.at(0, "Transaction", tx("c1", 1)).at(1_000, "Transaction", tx("c1", 1));
            DeployResult r = h.engine.deploy(TestRules.compile("""
                    event Transaction { cardId string  amount double  merchant string  at timestamp }
                    """ + VELOCITY));
            assertThat(r.changed()).containsExactly("velocity");
            h.at(2_000, "Transaction", "{'cardId': 'c1', 'amount': 1, 'merchant': 'm'}");
            h.finish();
            assertThat(h.summary()).isEmpty();
        }
    }

    @Test
    void deploy_refusedRawEpl_changesNothing() throws Exception {
        try (Harness h = new Harness(TX + """
                rule big { when Transaction(amount > 100) key cardId }
                """)) {
            RuleSet broken = TestRules.compile(TX + """
                    rule big { when Transaction(amount > 100) key cardId }
                    rule raw { when epl \"""select nonsense from Nowhere\""" }
                    """);
            assertThatThrownBy(() -> h.engine.deploy(broken))
                    .isInstanceOf(DeployException.class)
                    .hasMessageContaining("test.rules:3:1: rule raw:");
            h.at(0, "Transaction", tx("c1", 500));
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +0");
        }
    }

    @Test
    void rawEpl_eachOutputRowRaisesAnAlert_withSelectedColumnsInTheMessage() throws Exception {
        try (Harness h = new Harness(TX + """
                rule burst {
                    when epl \"""
                        select cardId, count(*) as n from Transaction#time(1 min) group by cardId having count(*) > 2
                    \"""
                    key cardId
                    message "Card {cardId}: {n} in a minute"
                }
                """)) {
            for (int i = 0; i < 4; i++) {
                h.at(i * 1_000L, "Transaction", tx("c1", 1));
            }
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +2000", "firing {cardId=c1} +3000");
            assertThat(h.alerts.get(0).message()).isEqualTo("Card c1: 3 in a minute");
        }
    }

    @Test
    void disabledRule_isNotDeployed() throws Exception {
        try (Harness h = new Harness(TX + """
                rule big { when Transaction(amount > 100) key cardId enabled false }
                """)) {
            h.at(0, "Transaction", tx("c1", 500));
            h.finish();
            assertThat(h.summary()).isEmpty();
        }
    }

    @Test
    void keywordTypeNames_andKeywordFieldNames_work() throws Exception {
        try (Harness h = new Harness("""
                event Order { count int  window string  at timestamp }
                rule many { when Order(count > 2) key window message "{window}: {count}" }
                """)) {
            h.at(0, "Order", "{'count': 3, 'window': 'w1'}").at(1, "Order", "{'count': 1, 'window': 'w2'}");
            h.finish();
            assertThat(h.summary()).containsExactly("firing {window=w1} +0");
            assertThat(h.alerts.get(0).message()).isEqualTo("w1: 3");
        }
    }

    @Test
    void check_refusesWhatDeployRefuses_withTheSameProblems() throws Exception {
        RuleSet broken = TestRules.compile(TX + """
                rule big { when Transaction(amount > 100) key cardId }
                rule raw { when epl \"""select nosuchfield from Transaction\""" }
                """);
        DeployException checked = catchDeploy(() -> Engine.check(broken, RAW));
        try (Harness h = new Harness(TX)) {
            DeployException deployed = catchDeploy(() -> h.engine.deploy(broken));
            assertThat(checked.problems()).isEqualTo(deployed.problems());
        }
        assertThat(checked.problems()).hasSize(1);
        DeployException.Problem p = checked.problems().get(0);
        assertThat(List.of(p.file(), p.line(), p.column(), p.rule())).containsExactly("test.rules", 3, 1, "raw");
        assertThat(p.message()).contains("Failed to validate select-clause expression 'nosuchfield'");
    }

    @Test
    void check_compilesEveryRule_evenThoseARunningEngineWouldKeep() throws Exception {
        // The same rule set twice: deploy keeps the unchanged rule without compiling it again, check
        // compiles it anyway, so a check never depends on what runs.
        RuleSet set = TestRules.compile(TX + VELOCITY);
        try (Harness h = new Harness(TX + VELOCITY)) {
            Engine.check(set, RAW);
            assertThat(h.engine.deploy(set).unchanged()).containsExactly("velocity");
        }
    }

    @Test
    void check_changesNothingInARunningEngine() throws Exception {
        try (Harness h = new Harness(TX + VELOCITY)) {
            h.at(0, "Transaction", tx("c1", 1)).at(1_000, "Transaction", tx("c1", 1));
            Engine.check(TestRules.compile(TX + """
                    rule other { when Transaction key cardId }
                    """), RAW);
            h.at(2_000, "Transaction", tx("c1", 1));
            h.finish();
            // velocity kept its window (three events) and `other` was never deployed.
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +2000", "resolved {cardId=c1} +600000");
            assertThat(h.engine.stats().rules()).extracting(EngineStats.RuleStats::id).containsExactly("velocity");
        }
    }

    @Test
    void deeplyNestedRawEpl_isALocatedProblem_inCheckAndDeploy_andTheEngineKeepsRunning() throws Exception {
        RuleSet deep = TestRules.compile(TX + VELOCITY + "rule deep { when epl \"\"\"select * from Transaction(amount > "
                + "(".repeat(100_000) + "1" + ")".repeat(100_000) + ")\"\"\" }\n");
        String expected = "test.rules:3:1: rule deep: rule is too large: its EPL nests too deeply to compile";
        assertThat(catchDeploy(() -> Engine.check(deep, RAW))).hasMessage(expected);
        try (Harness h = new Harness(TX + VELOCITY)) {
            assertThat(catchDeploy(() -> h.engine.deploy(deep))).hasMessage(expected);
            h.at(0, "Transaction", tx("c1", 1)).at(1, "Transaction", tx("c1", 1)).at(2, "Transaction", tx("c1", 1));
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +2", "resolved {cardId=c1} +600000");
        }
    }

    private interface DeployCall {
        void run() throws Exception;
    }

    private static DeployException catchDeploy(DeployCall call) throws Exception {
        try {
            call.run();
        } catch (DeployException e) {
            return e;
        }
        throw new AssertionError("expected a DeployException");
    }
}
