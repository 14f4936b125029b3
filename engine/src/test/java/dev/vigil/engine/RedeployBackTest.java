package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RedeployBackTest {
    private static final String V1 = """
            event E { k string  v int  at timestamp }
            table Limit { k string key  max int }
            rule big "Big value" { when E(v > 10) key k severity critical message "{k}: {v}" }
            rule over_limit "Over its own limit" {
                when E(v > Limit[k].max) key k severity warning message "{k} over its limit"
            }
            """;
    private static final String V2 = V1.replace("when E(v > 10) key k severity critical message \"{k}: {v}\"",
            "when E(v > 100) key k severity critical message \"{k} is big: {v}\"");

    private static Event e(Engine engine, String k, int v) throws Exception {
        var env = Json.mapper().createObjectNode();
        env.put("type", "E");
        env.put("time", Instant.parse("2026-12-01T10:00:00Z").toEpochMilli());
        env.putObject("data").put("k", k).put("v", v);
        return ((Decoded.Accepted) engine.decoder().decode(env, "test")).event();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aRuleChangedAndChangedBack_stillRaises(int shards) throws Exception {
        List<Alert> alerts = new ArrayList<>();
        AlertSink sink = a -> {
            synchronized (alerts) {
                alerts.add(a);
            }
        };
        try (Engine engine = Engine.start(EngineOptions.newBuilder().shards(shards).build(), sink)) {
            assertThat(V2).isNotEqualTo(V1);
            engine.deploy(TestRules.compile(V1));
            engine.submit(e(engine, "x", 50));
            engine.deploy(TestRules.compile(V2));
            engine.submit(e(engine, "a", 50));
            engine.submit(e(engine, "b", 150));
            engine.deploy(TestRules.compile(V1));
            engine.submit(e(engine, "c", 50));
            engine.now();
            synchronized (alerts) {
                assertThat(alerts).extracting(Alert::message).containsExactly("x: 50", "b is big: 150", "c: 50");
            }
        }
    }
}
