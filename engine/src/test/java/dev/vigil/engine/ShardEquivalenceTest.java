package dev.vigil.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded differential test of shards (design.md, "Scale"): random rule sets of every form (keyed
 * and unkeyed filters, patterns with and without {@code by}, {@code within}, {@code absent} and
 * {@code times}, aggregates over every window with {@code for} and throttles, absence, a rule keyed
 * on two fields, a type no rule reads) over random events with few keys, out of order, with a
 * redeploy halfway (one rule changed, one removed, one added), raise exactly the alerts and
 * suppressed alerts of one engine (ids, times, messages, values, events) with 2 and 3 shards, the
 * alerts of each rule and key in the same order; and the rules' counts in the stats are the same.
 *
 * <p>{@code VIGIL_SHARD_SEEDS} sets the number of seeds, {@code VIGIL_SHARD_SEED} runs one.
 */
class ShardEquivalenceTest {
    static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    private static final String SEEDS = System.getenv("VIGIL_SHARD_SEEDS");
    private static final String ONE = System.getenv("VIGIL_SHARD_SEED");

    static final String EVENTS = """
            event Tx { card string  merchant string  amount double  n int }
            event Login { user string  ok boolean  card string }
            event Beat { terminal string  n int }
            event Noise { v int }
            """;

    private static final String[] POOL = {
        // filters: keyed by `key` (throttled), unkeyed, keyed without throttle
        "when Tx(amount > %d) key card throttle 2 min message \"big {amount} on {card}\"",
        "when Tx(amount > %d and merchant == \"m1\") message \"m1 {amount}\"",
        "when Login(ok == false) key user message \"fail {user}\"",
        // patterns
        "when a: Tx(amount < %d) -> b: Tx(amount > 50) by card within 2 min message \"{a.amount} then {b.amount}\"",
        "when a: Tx -> b: Tx(merchant != a.merchant) by card within 1 min throttle 1 min",
        "when a: Login(ok == false) times 2 -> b: Login(ok) by user within 3 min",
        "when a: Tx(amount > %d) -> absent Tx(card == a.card) for 1 min",
        "when a: Tx(amount > %d) -> absent Tx for 45 s by card",
        "when a: Login -> b: Tx(card == a.card) within 1 min",
        "when (a: Login and b: Tx) by card within 1 min",
        // aggregates
        "when Tx by card over sliding 1 min having count() >= %d message \"{card}: {count()} {sum(amount):0.0}\"",
        "when Tx by merchant over sliding 2 min having sum(amount) > %d0",
        "when Tx(amount < 40) by merchant over sliding 2 min having distinct(card) >= 3",
        "when Tx by card over tumbling 1 min having count() >= %d",
        "when Tx by card, merchant over session 30 s having count() >= 2 and sum(amount) > %d",
        "when Tx by merchant over hopping 2 min every 1 min having avg(amount) > %d",
        "when Tx over sliding 1 min having count() > %d message \"all {count()}\"",
        "when Tx by card over last 3 events having min(amount) > %d for 30 s",
        "when Tx by card over sliding 1 min having max(amount) > %d throttle 3 min",
        // absence
        "when absent Beat by terminal for 1 min",
        "when absent Tx by card for 90 s",
    };

    @Test
    void randomRuleSets_withShards_raiseTheAlertsOfOneEngine() throws Exception {
        int seeds = SEEDS == null ? 12 : Integer.parseInt(SEEDS);
        List<Long> list = new ArrayList<>();
        if (ONE != null) {
            list.add(Long.parseLong(ONE));
        } else {
            for (long s = 1; s <= seeds; s++) {
                list.add(s);
            }
        }
        for (long seed : list) {
            Scenario sc = Scenario.generate(seed);
            Run one = sc.run(1);
            assertThat(one.alerts).as("seed %d raises alerts", seed).isNotEmpty();
            for (int shards : new int[] {2, 3}) {
                Run many = sc.run(shards);
                assertThat(sorted(many.alerts)).as("seed %d, %d shards: alerts", seed, shards)
                        .isEqualTo(sorted(one.alerts));
                assertThat(sorted(many.suppressed)).as("seed %d, %d shards: suppressed", seed, shards)
                        .isEqualTo(sorted(one.suppressed));
                assertThat(byKey(many.alerts)).as("seed %d, %d shards: order per rule and key", seed, shards)
                        .isEqualTo(byKey(one.alerts));
                assertThat(many.stats).as("seed %d, %d shards: rule stats", seed, shards).isEqualTo(one.stats);
                assertThat(many.processed).as("seed %d, %d shards: processed", seed, shards).isEqualTo(one.processed);
            }
        }
    }

    /**
     * Processing time: the wall clock (a test clock, set before each event) drives windows and
     * timers; with shards every shard's clock follows it before each event it is given.
     */
    @Test
    void processingTime_withShards_raisesTheAlertsOfOneEngine() throws Exception {
        String rules = EVENTS + """
                rule count { when Tx by card over sliding 1 min having count() >= 3 }
                rule tumble { when Tx by merchant over tumbling 1 min having sum(amount) > 150 }
                rule quiet { when absent Tx by card for 90 s }
                rule seq { when a: Tx(amount < 20) -> b: Tx(amount > 80) by card within 1 min }
                rule big { when Tx(amount > 100) key card throttle 2 min }
                rule all { when Tx over sliding 30 s having count() > 4 }
                """;
        Random r = new Random(7);
        List<long[]> times = new ArrayList<>();
        List<String> data = new ArrayList<>();
        long t = 0;
        for (int i = 0; i < 300; i++) {
            t += r.nextInt(100) < 10 ? 60_000 + r.nextInt(60_000) : r.nextInt(6_000);
            times.add(new long[] {t});
            data.add("{\"card\":\"c" + r.nextInt(5) + "\",\"merchant\":\"m" + r.nextInt(3) + "\",\"amount\":"
                    + r.nextInt(130) + ",\"n\":1}");
        }
        List<String> one = null;
        for (int shards : new int[] {1, 2, 3}) {
            dev.vigil.testing.MutableClock clock = new dev.vigil.testing.MutableClock(Instant.ofEpochMilli(T0));
            List<Alert> alerts = java.util.Collections.synchronizedList(new ArrayList<>());
            try (Engine engine = Engine.start(EngineOptions.newBuilder().clock(clock).startTime(T0).shards(shards)
                    .timeMode(EngineOptions.TimeMode.PROCESSING).build(), alerts::add)) {
                engine.deploy(TestRules.compile(rules));
                for (int i = 0; i < times.size(); i++) {
                    clock.set(T0 + times.get(i)[0]);
                    ObjectNode env = Json.mapper().createObjectNode();
                    env.put("type", "Tx");
                    env.put("time", T0 + times.get(i)[0]);
                    env.set("data", Json.mapper().readTree(data.get(i)));
                    engine.submit(((Decoded.Accepted) engine.decoder().decode(env, "test")).event());
                    engine.now(); // processed at this wall time before the clock moves on
                }
                engine.finish();
                engine.now();
                List<String> got = sorted(alerts);
                assertThat(got).as("%d shards raise alerts", shards).isNotEmpty();
                if (one == null) {
                    one = got;
                } else {
                    assertThat(got).as("processing time, %d shards", shards).isEqualTo(one);
                }
            }
        }
    }

    record Run(List<Alert> alerts, List<Alert> suppressed, List<String> stats, long processed) {
    }

    record Scenario(long seed, String before, String after, List<String[]> events, int redeployAt) {
        static Scenario generate(long seed) {
            Random r = new Random(seed);
            List<String> rules = new ArrayList<>();
            int n = 6 + r.nextInt(8);
            for (int i = 0; i < n; i++) {
                rules.add(rule("r" + i, r));
            }
            StringBuilder before = new StringBuilder(EVENTS);
            rules.forEach(before::append);
            // After: r0 changed, r1 removed, one added; the others unchanged (their state kept).
            List<String> next = new ArrayList<>(rules);
            next.set(0, rule("r0", r));
            next.remove(1);
            next.add(rule("r" + n, r));
            StringBuilder after = new StringBuilder(EVENTS);
            next.forEach(after::append);

            List<String[]> events = new ArrayList<>();
            long t = 0;
            int count = 400 + r.nextInt(300);
            for (int i = 0; i < count; i++) {
                t += r.nextInt(100) < 10 ? r.nextInt(90_000) : r.nextInt(4_000);
                long at = t - (r.nextInt(100) < 15 ? r.nextInt(2_000) : 0); // a little out of order
                String card = "c" + r.nextInt(6);
                events.add(switch (r.nextInt(10)) {
                    case 0, 1 -> new String[] {Long.toString(at), "Login", "{\"user\":\"u" + r.nextInt(4)
                            + "\",\"ok\":" + r.nextBoolean() + ",\"card\":\"" + card + "\"}"};
                    case 2 -> new String[] {Long.toString(at), "Beat", "{\"terminal\":\"t" + r.nextInt(4)
                            + "\",\"n\":" + r.nextInt(9) + "}"};
                    case 3 -> new String[] {Long.toString(at), "Noise", "{\"v\":" + r.nextInt(9) + "}"};
                    default -> new String[] {Long.toString(at), "Tx", "{\"card\":\"" + card + "\",\"merchant\":\"m"
                            + r.nextInt(3) + "\",\"amount\":" + (r.nextInt(120) + r.nextInt(10) / 10.0) + ",\"n\":"
                            + r.nextInt(9) + "}"};
                });
            }
            return new Scenario(seed, before.toString(), after.toString(), events, count / 2);
        }

        private static String rule(String id, Random r) {
            String body = POOL[r.nextInt(POOL.length)];
            if (body.contains("%d")) {
                body = String.format(body, 2 + r.nextInt(60) / (body.contains("count()") ? 15 : 1));
            }
            return "rule " + id + " { " + body + " }\n";
        }

        Run run(int shards) throws Exception {
            List<Alert> alerts = new ArrayList<>();
            List<Alert> suppressed = new ArrayList<>();
            EngineOptions options = EngineOptions.newBuilder()
                    .lateness(Duration.ofSeconds(2))
                    .shards(shards)
                    .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC))
                    .build();
            try (Engine engine = Engine.start(options, new AlertSink() {
                @Override
                public void onAlert(Alert alert) {
                    alerts.add(alert);
                }

                @Override
                public void onSuppressed(Alert alert, String reason) {
                    suppressed.add(alert);
                }
            })) {
                engine.deploy(TestRules.compile(before));
                for (int i = 0; i < events.size(); i++) {
                    if (i == redeployAt) {
                        engine.deploy(TestRules.compile(after));
                    }
                    String[] e = events.get(i);
                    ObjectNode env = Json.mapper().createObjectNode();
                    env.put("type", e[1]);
                    env.put("time", T0 + Long.parseLong(e[0]));
                    env.set("data", Json.mapper().readTree(e[2]));
                    Decoded d = engine.decoder().decode(env, "test");
                    engine.submit(((Decoded.Accepted) d).event());
                }
                engine.finish();
                // Sinks are called on the engine thread; now() waits for it, so the lists are complete.
                engine.now();
                List<String> stats = new ArrayList<>();
                for (EngineStats.RuleStats s : engine.stats().rules()) {
                    stats.add(s.id() + " matched " + s.matched() + " sent " + s.sent() + " suppressed "
                            + s.suppressed() + " failures " + s.failures() + " last " + s.lastAlertTime());
                }
                return new Run(List.copyOf(alerts), List.copyOf(suppressed), stats, engine.stats().eventsProcessed());
            }
        }
    }

    static List<String> sorted(List<Alert> alerts) {
        List<String> out = new ArrayList<>();
        alerts.stream().sorted(Comparator.comparingLong(Alert::time).thenComparing(Alert::id)).forEach(a -> {
            ObjectNode n = a.toJsonNode();
            n.remove("raisedAt");
            out.add(n.toString());
        });
        return out;
    }

    static Map<String, List<String>> byKey(List<Alert> alerts) {
        Map<String, List<String>> out = new TreeMap<>();
        for (Alert a : alerts) {
            out.computeIfAbsent(a.rule() + " " + a.key(), k -> new ArrayList<>()).add(a.id());
        }
        return out;
    }
}
