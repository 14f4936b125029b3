package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Aggregate rules over one stream share one statement; a change to one member's threshold keeps
 * the statement, so the other members' open windows go on, and the deploy names only that rule.
 */
class SharedGroupsTest {
    private static final String EVENTS = "event Tx { card string  amount double }\n";
    private static final String THREE = "rule three { when Tx by card over sliding 10 min having count() >= 3 }\n";
    private static final String FIVE = "rule five { when Tx by card over sliding 10 min having count() >= 5 }\n";
    private static final String FOUR = "rule five { when Tx by card over sliding 10 min having count() >= 4 }\n";

    @Test
    void changingOneMembersThreshold_keepsTheOthersWindows_andNamesOnlyThatRule() throws Exception {
        try (Harness h = new Harness(EVENTS + THREE + FIVE)) {
            for (int i = 0; i < 4; i++) {
                h.at(i * 60_000L, "Tx", "{'card':'c1','amount':1}");
            }
            DeployResult result = h.engine.deploy(TestRules.compile(EVENTS + THREE + FOUR));
            assertThat(result.changed()).containsExactly("five");
            assertThat(result.unchanged()).containsExactly("three");
            h.at(5 * 60_000L, "Tx", "{'card':'c1','amount':1}");
            h.at(30 * 60_000L, "Tx", "{'card':'c2','amount':1}");
            // three fired at the third event (2 min) and resolves when its window, kept across the
            // deploy, drops below three: at 12 min, when the event of 2 min leaves. The changed
            // rule starts with no alert open and judges the stream's window: five events at 5 min
            // (fires), three at 11 min (resolves).
            assertThat(h.summary()).containsExactly(
                    "firing {card=c1} +120000",
                    "firing {card=c1} +300000",
                    "resolved {card=c1} +660000",
                    "resolved {card=c1} +720000");
            assertThat(h.alerts.stream().map(Alert::rule).toList())
                    .containsExactly("three", "five", "five", "three");
        }
    }

    @Test
    void aMemberThatNeedsAnAggregateTheGroupLacks_replacesTheGroup_andEveryMemberChanges() throws Exception {
        try (Harness h = new Harness(EVENTS + THREE + FIVE)) {
            DeployResult result = h.engine.deploy(TestRules.compile(EVENTS + THREE
                    + "rule five { when Tx by card over sliding 10 min having sum(amount) > 4 }\n"));
            assertThat(result.changed()).containsExactlyInAnyOrder("three", "five");
            assertThat(result.unchanged()).isEmpty();
        }
    }

    @Test
    void membersAndLoneRules_raiseWhatEachWouldAlone() throws Exception {
        List<String> rules = List.of(THREE, FIVE,
                "rule spend { when Tx(amount > 10) by card over sliding 10 min having sum(amount) > 50 }\n",
                "rule few { when Tx by card over sliding 10 min having count() < 3 }\n",
                "rule cheap { when Tx by card over sliding 10 min having avg(amount) <= 12 }\n",
                "rule cheap2 { when Tx by card over sliding 10 min having avg(amount) <= 14.5 }\n",
                "rule mixed { when Tx by card over sliding 10 min having count() >= 3 and max(amount) > 20 }\n",
                "rule held { when Tx by card over sliding 10 min having count() >= 4 for 3 min }\n");
        List<String> together;
        try (Harness h = new Harness(EVENTS + String.join("", rules))) {
            feed(h);
            h.finish();
            together = alerts(h);
        }
        List<String> alone = new java.util.ArrayList<>();
        for (String rule : rules) {
            try (Harness h = new Harness(EVENTS + rule)) {
                feed(h);
                h.finish();
                alone.addAll(alerts(h));
            }
        }
        assertThat(together).hasSizeGreaterThan(20).containsExactlyInAnyOrderElementsOf(alone);
    }

    private static List<String> alerts(Harness h) throws Exception {
        h.engine.now();
        synchronized (h.alerts) {
            return h.alerts.stream().map(a -> a.rule() + " " + a.id() + " " + a.status() + " " + a.time() + " "
                    + a.key() + " " + a.values() + " " + a.events().size()).toList();
        }
    }

    @Test
    void aFilterWithAControlCharacter_matchesThatCharacter() throws Exception {
        // Esper reads \\t in an EPL string as a plain t: the filter is written with \\u0009.
        try (Harness h = new Harness(EVENTS + "rule tab { when Tx(card == \"a\\tb\") by card over sliding 1 min"
                + " having count() >= 1 }\n")) {
            h.at(0, "Tx", "{'card':'atb','amount':1}");
            h.at(1000, "Tx", "{'card':'a\\tb','amount':1}");
            assertThat(h.summary()).containsExactly("firing {card=a\tb} +1000");
        }
    }

    private static void feed(Harness h) throws Exception {
        java.util.Random random = new java.util.Random(3);
        long t = 0;
        for (int i = 0; i < 300; i++) {
            t += random.nextInt(5) == 0 ? 11 * 60_000L : random.nextInt(60_000);
            h.at(t, "Tx", "{'card':'c" + random.nextInt(4) + "','amount':" + random.nextInt(30) + "}");
        }
    }
}
