package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code mode shadow}: alerts marked, counted apart, and a switch of mode that keeps the rule's state. */
class ShadowRulesTest {
    private static final String TX = """
            event Transaction { cardId string  amount double  at timestamp }
            """;

    private static String velocity(String mode) {
        return "rule velocity { when Transaction by cardId over sliding 10 min having count() >= 3" + mode + " }\n"
                + "rule big { when Transaction(amount > 100) key cardId }\n";
    }

    private static Event tx(Engine engine, long t, String card, double amount) throws Exception {
        var env = Json.mapper().createObjectNode();
        env.put("type", "Transaction");
        env.put("time", Instant.parse("2026-11-18T11:00:00Z").toEpochMilli() + t);
        env.putObject("data").put("cardId", card).put("amount", amount);
        return ((Decoded.Accepted) engine.decoder().decode(env, "test")).event();
    }

    @ParameterizedTest(name = "shards {0}")
    @ValueSource(ints = {1, 2, 3})
    void aShadowRule_raisesMarkedAlerts_andSwitchingToLive_keepsItsWindow(int shards) throws Exception {
        List<Alert> alerts = new ArrayList<>();
        AlertSink sink = a -> {
            synchronized (alerts) {
                alerts.add(a);
            }
        };
        try (Engine engine = Engine.start(EngineOptions.newBuilder().shards(shards).build(), sink)) {
            engine.deploy(TestRules.compile(TX + velocity(" mode shadow")));
            engine.submit(tx(engine, 0, "c1", 1));
            engine.submit(tx(engine, 1_000, "c1", 1));
            engine.submit(tx(engine, 2_000, "c1", 1));   // velocity fires, in shadow
            engine.submit(tx(engine, 2_500, "c1", 500)); // big, live; velocity stays firing
            engine.now();
            synchronized (alerts) {
                assertThat(alerts).extracting(Alert::rule, Alert::shadow)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple("velocity", true),
                                org.assertj.core.groups.Tuple.tuple("big", false));
                assertThat(alerts.get(0).toJsonNode().path("shadow").asBoolean()).isTrue();
                assertThat(alerts.get(1).toJsonNode().has("shadow")).isFalse();
            }
            assertThat(engine.stats().rules()).filteredOn(r -> r.id().equals("velocity"))
                    .singleElement().satisfies(r -> {
                        assertThat(r.sent()).isEqualTo(1);
                        assertThat(r.shadow()).isEqualTo(1);
                    });

            // Live now: the same rule otherwise, so its window (four events, firing) is kept.
            DeployResult r = engine.deploy(TestRules.compile(TX + velocity("")));
            assertThat(r.unchanged()).containsExactly("velocity", "big");
            engine.submit(tx(engine, 3_000, "c2", 1));
            engine.submit(tx(engine, 4_000, "c2", 1));
            engine.submit(tx(engine, 5_000, "c2", 1)); // a new episode, live
            engine.now();
            synchronized (alerts) {
                Alert c2 = alerts.get(alerts.size() - 1);
                assertThat(c2.key()).containsEntry("cardId", "c2");
                assertThat(c2.shadow()).isFalse();
            }
            engine.finish();
            synchronized (alerts) {
                // The window kept its four events: the first slides out at +600000 (three left,
                // still firing), the second at +601000 (two left), so it resolves. A fresh window
                // would hold nothing and never resolve. The episode fired in shadow, so its
                // resolution is a shadow alert too: no receiver gets a resolution it never saw fire.
                Alert resolved = alerts.stream().filter(a -> a.key().get("cardId").equals("c1")
                        && a.status() == Alert.Status.RESOLVED).findFirst().orElseThrow();
                assertThat(resolved.rule()).isEqualTo("velocity");
                assertThat(resolved.status()).isEqualTo(Alert.Status.RESOLVED);
                assertThat(resolved.time()).isEqualTo(Instant.parse("2026-11-18T11:00:00Z").toEpochMilli() + 601_000);
                assertThat(resolved.shadow()).isTrue();
            }
            // And back to shadow: kept again.
            assertThat(engine.deploy(TestRules.compile(TX + velocity(" mode shadow"))).unchanged())
                    .containsExactly("velocity", "big");
        }
    }
}
