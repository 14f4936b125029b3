package dev.vigil.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.rules.RuleSet;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Reference tables (rules-language.md, "Reference tables"): lookups in each place an expression may
 * stand (filter, {@code having}, {@code key}, message), {@code in} and {@code not in}, missing rows
 * (null, comparisons false), composite keys, and a table replaced between two events changing
 * exactly the later alerts; with one engine and with shards.
 */
class TablesTest {
    static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    static final String RULES = """
            event Tx { card string  amount double  merchant string  n int }
            event Vitals { patient string  rate int }
            table Merchant { merchant string key  risk string  limit double }
            table Blocked { card string key }
            table Pair { card string key  n int key  label string }
            table Patient { patient string key  maxRate int }
            rule risky { when Tx(amount > Merchant[merchant].limit and Merchant[merchant].risk == "high")
                         key card  message "{card}: {amount} at {merchant} (risk {Merchant[merchant].risk})" }
            rule blocked { when Tx(card in Blocked) key card }
            rule unblocked { when Tx(amount > 900 and card not in Blocked) key card }
            rule paired { when Tx(Pair[card, n].label is not null) key Pair[card, n].label message "{Pair[card, n].label}" }
            rule own_limit { when Vitals by patient over sliding 1 min having avg(rate) > Patient[patient].maxRate }
            """;

    private static Event event(Engine engine, long offset, String type, String data) throws Exception {
        ObjectNode env = Json.mapper().createObjectNode();
        env.put("type", type);
        env.put("time", T0 + offset);
        env.set("data", Json.mapper().readTree(data.replace('\'', '"')));
        return ((Decoded.Accepted) engine.decoder().decode(env, "test")).event();
    }

    private static TableRows rows(RuleSet set, String table, List<Map<String, Object>> values) {
        TableRows r = new TableRows(set.table(table).orElseThrow());
        for (int i = 0; i < values.size(); i++) {
            assertThat(r.add(values.get(i), table + ":" + (i + 1))).isTrue();
        }
        return r;
    }

    @ParameterizedTest(name = "shards {0}")
    @ValueSource(ints = {1, 2, 3})
    void lookups_inEveryPlace_andAReplaceBetweenEvents_changeExactlyTheLaterAlerts(int shards) throws Exception {
        RuleSet set = TestRules.compile(RULES);
        List<String> out = new ArrayList<>();
        EngineOptions options = EngineOptions.newBuilder().shards(shards)
                .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC)).build();
        try (Engine engine = Engine.start(options, alert -> out.add(alert.rule() + " " + alert.status().text() + " "
                + alert.key() + " " + (alert.time() - T0) + " " + alert.message()))) {
            engine.deploy(set);
            // No rows yet: every lookup is null, comparisons false; nothing is in Blocked.
            engine.submit(event(engine, 0, "Tx", "{'card':'c1','amount':950,'merchant':'m1','n':1}"));
            engine.submit(event(engine, 1, "Vitals", "{'patient':'p1','rate':150}"));
            engine.now();
            assertThat(out).containsExactly("unblocked firing {card=c1} 0 unblocked");
            out.clear();

            engine.replaceTable(rows(set, "Merchant", List.of(Map.of("merchant", "m1", "risk", "high", "limit", 100.0),
                    Map.of("merchant", "m2", "risk", "low", "limit", 10))));
            engine.replaceTable(rows(set, "Blocked", List.of(Map.of("card", "c9"))));
            engine.replaceTable(rows(set, "Pair", List.of(Map.of("card", "c1", "n", 7, "label", "seven"))));
            engine.replaceTable(rows(set, "Patient", List.of(Map.of("patient", "p1", "maxRate", "120"))));
            engine.submit(event(engine, 1_000, "Tx", "{'card':'c1','amount':150,'merchant':'m1','n':7}"));
            engine.submit(event(engine, 1_001, "Tx", "{'card':'c2','amount':150,'merchant':'m2','n':7}"));
            engine.submit(event(engine, 1_002, "Tx", "{'card':'c9','amount':950,'merchant':'m3','n':1}"));
            engine.submit(event(engine, 1_003, "Vitals", "{'patient':'p1','rate':150}"));
            engine.now();
            assertThat(out).containsExactlyInAnyOrder(
                    "risky firing {card=c1} 1000 c1: 150.0 at m1 (risk high)",
                    "paired firing {Pair[card, n].label=seven} 1000 seven",
                    "blocked firing {card=c9} 1002 blocked",
                    "own_limit firing {patient=p1} 1003 own_limit");
            out.clear();

            // Replaced between two events: m1 is low risk now, c9 no longer blocked.
            engine.replaceTable(rows(set, "Merchant", List.of(Map.of("merchant", "m1", "risk", "low", "limit", 100.0))));
            engine.replaceTable(rows(set, "Blocked", List.of()));
            engine.submit(event(engine, 2_000, "Tx", "{'card':'c1','amount':150,'merchant':'m1','n':1}"));
            engine.submit(event(engine, 2_001, "Tx", "{'card':'c9','amount':950,'merchant':'m3','n':1}"));
            engine.now();
            assertThat(out).containsExactly("unblocked firing {card=c9} 2001 unblocked");
            assertThat(engine.tableRow("Merchant", "m1")).contains(Map.of("merchant", "m1", "risk", "low", "limit", 100.0));
            assertThat(engine.tables().get("Merchant")[0]).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "shards {0}")
    @ValueSource(ints = {1})
    void badRows_areRefusedWithTheirPlace_andAnUndeclaredTableIsAnError(int shards) throws Exception {
        RuleSet set = TestRules.compile(RULES);
        TableRows r = new TableRows(set.table("Merchant").orElseThrow());
        assertThat(r.add(Map.of("risk", "high"), "m.csv:2")).isFalse();
        assertThat(r.add(Map.of("merchant", "m1", "limit", "lots"), "m.csv:3")).isFalse();
        assertThat(r.add(Map.of("merchant", "m2", "limit", "12.5"), "m.csv:4")).isTrue();
        assertThat(r.problems()).extracting(TableRows.Problem::toString).containsExactly(
                "m.csv:2: key field `merchant` is missing",
                "m.csv:3: field `limit`: expected a number, got \"lots\"");
        try (Engine engine = Engine.start(EngineOptions.newBuilder().shards(shards).build(), a -> { })) {
            engine.deploy(TestRules.compile("event E { x int }\nrule r { when E }"));
            assertThatThrownBy(() -> engine.replaceTable(r)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("no table Merchant is declared in the rules");
        }
    }
}
