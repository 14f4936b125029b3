package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A pattern rule at its cap of partial matches starts no new attempts; the other rules keep alerting. */
class PartialMatchCapTest {
    private static final String RULES = """
            event Tx {
                card    string
                amount  double
                country string
                at      timestamp
            }
            rule travel { when a: Tx -> b: Tx(country != a.country) by card within 1 h }
            rule big { when Tx(amount > 1000) key card }
            """;

    private static Event tx(Engine engine, String card, String country, double amount, int minute) {
        String json = "{\"type\":\"Tx\",\"data\":{\"card\":\"" + card + "\",\"amount\":" + amount
                + ",\"country\":\"" + country + "\",\"at\":\"2026-11-21T10:" + String.format("%02d", minute) + ":00Z\"}}";
        return ((Decoded.Accepted) engine.decoder().decodeJson(json, "l")).event();
    }

    @Test
    void patternAtItsCap_refusesNewAttempts_countsThem_andOtherRulesStillAlert() throws Exception {
        List<Alert> alerts = new ArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().maxPartialMatches(3).build(), alerts::add)) {
            engine.deploy(TestRules.compile(RULES));
            for (int i = 0; i < 5; i++) {
                engine.submit(tx(engine, "c" + i, "DE", 5000, i));
            }
            for (int i = 0; i < 5; i++) {
                engine.submit(tx(engine, "c" + i, "FR", 10, 10 + i));
            }
            engine.finish();
            EngineStats.RuleStats travel = engine.stats().rules().get(0);
            assertThat(travel.id()).isEqualTo("travel");
            assertThat(travel.partialMatchesRefused()).isGreaterThanOrEqualTo(2);
        }
        assertThat(alerts.stream().filter(a -> a.rule().equals("big")).count()).isEqualTo(5);
        long travels = alerts.stream().filter(a -> a.rule().equals("travel")).count();
        assertThat(travels).as("the three attempts that started").isEqualTo(3);
    }

    @Test
    void underTheCap_everyAttemptMatches() throws Exception {
        List<Alert> alerts = new ArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), alerts::add)) {
            engine.deploy(TestRules.compile(RULES));
            for (int i = 0; i < 5; i++) {
                engine.submit(tx(engine, "c" + i, "DE", 5, i));
            }
            for (int i = 0; i < 5; i++) {
                engine.submit(tx(engine, "c" + i, "FR", 5, 10 + i));
            }
            engine.finish();
            assertThat(engine.stats().rules().get(0).partialMatchesRefused()).isZero();
        }
        assertThat(alerts.stream().filter(a -> a.rule().equals("travel")).count()).isEqualTo(5);
    }
}
