package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded differential test of shared statements (docs/engine.md, "Many rules"): random sets of
 * aggregate rules over one event type, many of them over the same stream (type, filter, window,
 * {@code by}), raise exactly the same alerts (id, status, time, key, message, values, events, and
 * whether throttled) when each is deployed alone and when all are deployed together. No finish():
 * the end-of-input drain depends on the rule set's longest duration (language spec, "Time").
 *
 * <p>Hot reload: after a redeploy that changes some thresholds, removes and adds members, an
 * unchanged rule raises what it raises without the redeploy, and a changed or added member of a
 * group that keeps its statement judges the stream's window with fresh alert state, exactly as the
 * same member added beside a witness of its stream (a group of two) does, and, for keys it had no
 * open alert for, as the same rule deployed alone from the start.
 *
 * <p>{@code VIGIL_SHARED_SEEDS} sets the number of seeds, {@code VIGIL_SHARED_SEED} runs one.
 */
class SharedEquivalenceTest {
    static final String EVENTS = "event E { k string  j string  n int  x double }\n";
    static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    /** Seeds per test; the defaults keep both tests near 25 s together. */
    private static final String SEEDS = System.getenv("VIGIL_SHARED_SEEDS");
    private static final String ONE = System.getenv("VIGIL_SHARED_SEED");
    private static final ExecutorService POOL = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()));

    // ------------------------------------------------------------------ generation

    private static final String[] FILTERS = {"", "", "", "(k == \"a\")", "(n > 3)", "(x <= 6.5)",
            "(n >= 2 and j != \"q\")", "(k != \"c\")"};
    private static final String[] WINDOWS = {"sliding 30 s", "sliding 1 min", "sliding 2 min", "tumbling 1 min",
            "tumbling 30 s", "session 20 s", "session 45 s", "last 3 events", "last 5 events"};
    private static final String[] BYS = {"", "by k", "by k", "by k, j", "by j"};
    /** Aggregates with the range their literals are drawn from. */
    private static final String[] AGGS = {"count()", "sum(n)", "sum(x)", "avg(n)", "avg(x)", "min(n)", "min(x)",
            "max(n)", "max(x)", "distinct(j)", "distinct(n)", "first(n)", "first(x)", "last(n)", "last(x)"};
    private static final int[] RANGE = {8, 40, 40, 10, 10, 10, 10, 10, 10, 3, 6, 10, 10, 10, 10};
    private static final String[] ORDERED = {"<", "<=", ">", ">="};
    private static final String[] ALL_OPS = {"<", "<=", ">", ">=", "==", "!="};

    record Stream(String filter, String window, String by) {
        String text() {
            return "E" + filter + (by.isEmpty() ? "" : " " + by) + " over " + window;
        }

        List<String> byFields() {
            return by.isEmpty() ? List.of() : List.of(by.substring(3).split(", "));
        }
    }

    record GenRule(String id, Stream stream, String having, String forClause, String throttle, List<String> msgAggs,
                   String message) {
        String text() {
            return "rule " + id + " { when " + stream.text() + " having " + having + forClause + throttle
                    + " message \"" + message + "\" }\n";
        }

        /** The aggregates the rule reads (condition and message), by text. */
        Set<String> aggregates() {
            Set<String> out = new LinkedHashSet<>();
            for (String a : AGGS) {
                if (having.contains(a) || msgAggs.contains(a)) {
                    out.add(a);
                }
            }
            return out;
        }

        GenRule withHaving(String h) {
            return new GenRule(id, stream, h, forClause, throttle, msgAggs, message);
        }
    }

    static Stream randomStream(Random r) {
        if (r.nextInt(25) == 0) {
            return new Stream(pick(r, FILTERS), "hopping 1 min every 30 s", pick(r, BYS));
        }
        return new Stream(pick(r, FILTERS), pick(r, WINDOWS), pick(r, BYS));
    }

    static String atom(Random r, boolean ordered) {
        int a = r.nextInt(AGGS.length);
        String lit = r.nextBoolean() ? Integer.toString(r.nextInt(RANGE[a] + 1))
                : (r.nextInt(RANGE[a] * 2 + 1) / 2.0) + (r.nextInt(3) == 0 ? "1" : "");
        return AGGS[a] + " " + pick(r, ordered ? ORDERED : ALL_OPS) + " " + lit;
    }

    static String having(Random r) {
        return switch (r.nextInt(10)) {
            case 0, 1, 2, 3, 4 -> atom(r, true);
            case 5 -> atom(r, false);
            case 6 -> atom(r, false) + " and " + atom(r, false);
            case 7 -> atom(r, false) + " or " + atom(r, false);
            case 8 -> "not (" + atom(r, false) + ")";
            default -> "(" + atom(r, false) + " or " + atom(r, true) + ") and not " + atom(r, false);
        };
    }

    static GenRule randomRule(Random r, String id, List<Stream> streams) {
        Stream s = r.nextInt(5) == 0 ? randomStream(r) : streams.get(r.nextInt(streams.size()));
        String forClause = r.nextInt(10) == 0 ? (r.nextBoolean() ? " for 30 s" : " for 1 min") : "";
        String throttle = r.nextInt(6) == 0 ? (r.nextBoolean() ? " throttle 1 min" : " throttle 45 s") : "";
        List<String> msgAggs = new ArrayList<>();
        StringBuilder msg = new StringBuilder(id);
        for (int i = r.nextInt(3); i > 0; i--) {
            String a = pick(r, AGGS);
            msgAggs.add(a);
            msg.append(' ').append('{').append(a).append(r.nextInt(3) == 0 ? ":0.00" : "").append('}');
        }
        for (String b : s.byFields()) {
            if (r.nextBoolean()) {
                msg.append(" {").append(b).append('}');
            }
        }
        return new GenRule(id, s, having(r), forClause, throttle, msgAggs, msg.toString());
    }

    static List<Stream> streams(Random r) {
        List<Stream> out = new ArrayList<>();
        for (int i = 2 + r.nextInt(3); i > 0; i--) {
            out.add(randomStream(r));
        }
        return out;
    }

    static List<GenRule> rules(Random r, List<Stream> streams, int count, String prefix) {
        List<GenRule> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(randomRule(r, prefix + i, streams));
        }
        return out;
    }

    /** Event lines (native envelopes); times increase, with ties, boundaries and long gaps. */
    static List<String> events(Random r, int count) {
        List<String> out = new ArrayList<>();
        long t = T0 + r.nextInt(5000);
        long[] marks = new long[4];
        for (int i = 0; i < count; i++) {
            switch (r.nextInt(20)) {
                case 0, 1 -> { } // the same time as the previous event
                case 2, 3 -> t = (Math.floorDiv(t, 30_000) + 1) * 30_000; // on a tumbling boundary
                case 4, 5 -> { // exactly a window's size after an earlier event
                    long[] sizes = {20_000, 30_000, 45_000, 60_000};
                    long at = marks[r.nextInt(marks.length)] + sizes[r.nextInt(sizes.length)];
                    t = Math.max(t, at);
                }
                case 6 -> t += 150_000 + r.nextInt(200_000); // longer than every window
                default -> t += r.nextInt(15_000);
            }
            marks[r.nextInt(marks.length)] = t;
            StringBuilder data = new StringBuilder("{\"seq\":").append(i)
                    .append(",\"k\":\"").append((char) ('a' + r.nextInt(3))).append('"')
                    .append(",\"j\":\"").append(r.nextBoolean() ? 'p' : 'q').append('"');
            if (r.nextInt(30) != 0) {
                data.append(",\"n\":").append(r.nextInt(10));
            }
            if (r.nextInt(30) != 0) {
                data.append(",\"x\":").append(r.nextInt(101) / 10.0);
            }
            out.add("{\"type\":\"E\",\"time\":" + t + ",\"data\":" + data + "}}");
        }
        return out;
    }

    static <T> T pick(Random r, T[] from) {
        return from[r.nextInt(from.length)];
    }

    static String set(List<GenRule> rules) {
        StringBuilder sb = new StringBuilder(EVENTS);
        rules.forEach(g -> sb.append(g.text()));
        return sb.toString();
    }

    // ------------------------------------------------------------------ running

    /** An engine run: alerts per rule, each one line (suppressed ones marked). */
    static final class Run implements AutoCloseable {
        final Map<String, List<Alert>> alerts = new LinkedHashMap<>();
        final Map<String, List<String>> lines = new LinkedHashMap<>();
        final InlineEngine engine;

        Run(String rules) throws Exception {
            engine = InlineEngine.create(EngineOptions.newBuilder()
                    .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC)).build(), new AlertSink() {
                @Override
                public void onAlert(Alert a) {
                    add(a, "");
                }

                @Override
                public void onSuppressed(Alert a, String reason) {
                    add(a, "suppressed ");
                }
            });
            engine.deploy(TestRules.compile(rules));
        }

        private void add(Alert a, String mark) {
            alerts.computeIfAbsent(a.rule(), k -> new ArrayList<>()).add(a);
            lines.computeIfAbsent(a.rule(), k -> new ArrayList<>()).add(mark + a.toJson());
        }

        Run feed(List<String> events) {
            for (String line : events) {
                engine.submit(((Decoded.Accepted) engine.decoder().decodeJson(line, "test")).event());
            }
            return this;
        }

        List<String> of(String rule) {
            return lines.getOrDefault(rule, List.of());
        }

        @Override
        public void close() {
            engine.close();
        }
    }

    static List<String> alone(String ruleText, List<String> events, String id) throws Exception {
        try (Run run = new Run(EVENTS + ruleText)) {
            return run.feed(events).of(id);
        }
    }

    static List<Integer> seeds(int count) {
        if (ONE != null) {
            return List.of(Integer.parseInt(ONE));
        }
        int n = SEEDS == null ? count : Integer.parseInt(SEEDS);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    // ------------------------------------------------------------------ alone versus together

    @Test
    void eachRuleAlone_andAllTogether_raiseTheSameAlerts() throws Exception {
        long started = System.nanoTime();
        int compared = 0;
        long alertCount = 0;
        List<String> mismatches = new ArrayList<>();
        List<Integer> seeds = seeds(16);
        for (int seed : seeds) {
            Random r = new Random(1000 + seed);
            List<Stream> streams = streams(r);
            List<GenRule> rules = rules(r, streams, 5 + r.nextInt(26), "r");
            List<String> events = events(r, 150 + r.nextInt(200));
            Map<String, List<String>> together = new LinkedHashMap<>();
            try (Run run = new Run(set(rules))) {
                run.feed(events);
                for (GenRule g : rules) {
                    together.put(g.id(), run.of(g.id()));
                }
            }
            List<Future<List<String>>> lone = new ArrayList<>();
            for (GenRule g : rules) {
                lone.add(POOL.submit(() -> alone(g.text(), events, g.id())));
            }
            for (int i = 0; i < rules.size(); i++) {
                GenRule g = rules.get(i);
                List<String> a = lone.get(i).get();
                alertCount += a.size();
                compared++;
                if (!a.equals(together.get(g.id()))) {
                    mismatches.add("seed " + seed + " rule " + g.text() + "  alone    " + a.size() + ": "
                            + firstDifference(a, together.get(g.id())) + "\n");
                }
            }
        }
        System.out.printf("SharedEquivalenceTest: %d seeds, %d rules compared, %d alerts, %d ms%n",
                seeds.size(), compared, alertCount, (System.nanoTime() - started) / 1_000_000);
        assertThat(alertCount).isGreaterThan(0);
        assertThat(mismatches).isEmpty();
    }

    // ------------------------------------------------------------------ hot reload

    /** Each number in a condition replaced by another (same aggregates: the group can stay). */
    static String retuned(Random r, String having) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?<=[<>=] )[0-9.]+").matcher(having);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String lit = r.nextBoolean() ? Integer.toString(r.nextInt(12)) : (r.nextInt(40) / 4.0) + "";
            m.appendReplacement(sb, lit);
        }
        m.appendTail(sb);
        return sb.toString();
    }

    static Set<String> sharedIds(String rules) {
        Set<String> out = new LinkedHashSet<>();
        dev.vigil.engine.internal.esper.EsperHost.explain(TestRules.compile(rules)).forEach((id, epl) -> {
            if (epl.startsWith("-- shared by")) {
                out.add(id);
            }
        });
        return out;
    }

    static List<String> after(List<String> lines, List<Alert> alerts, long t, Set<String> keys, boolean in) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < alerts.size(); i++) {
            Alert a = alerts.get(i);
            if (a.time() > t && (keys == null || keys.contains(a.key().toString()) == in)) {
                out.add(lines.get(i));
            }
        }
        return out;
    }

    static List<String> upTo(List<String> lines, List<Alert> alerts, long t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < alerts.size(); i++) {
            if (alerts.get(i).time() <= t) {
                out.add(lines.get(i));
            }
        }
        return out;
    }

    /** Keys with an open alert at time t (the last alert at or before t is a firing). */
    static Set<String> openAt(List<Alert> alerts, long t) {
        Map<String, Alert.Status> last = new LinkedHashMap<>();
        for (Alert a : alerts) {
            if (a.time() <= t) {
                last.put(a.key().toString(), a.status());
            }
        }
        Set<String> out = new LinkedHashSet<>();
        last.forEach((k, s) -> {
            if (s == Alert.Status.FIRING) {
                out.add(k);
            }
        });
        return out;
    }

    @Test
    void aRedeploy_keepsUnchangedRules_andChangedMembersJudgeTheStreamsWindow() throws Exception {
        long started = System.nanoTime();
        List<String> mismatches = new ArrayList<>();
        int unchangedChecked = 0;
        int keptChecked = 0;
        int freshChecked = 0;
        int directChecked = 0;
        List<Integer> seeds = seeds(16);
        for (int seed : seeds) {
            Random r = new Random(5000 + seed);
            List<Stream> streams = streams(r);
            List<GenRule> first = rules(r, streams, 6 + r.nextInt(15), "r");
            List<GenRule> second = new ArrayList<>();
            for (GenRule g : first) {
                int d = r.nextInt(10);
                if (d < 2) {
                    continue; // removed
                }
                second.add(d < 5 ? g.withHaving(retuned(r, g.having())) : g);
            }
            second.addAll(rules(r, streams, r.nextInt(5), "n"));
            List<String> events = events(r, 200 + r.nextInt(150));
            int split = 60 + r.nextInt(events.size() - 120);
            while (split < events.size() - 1 && time(events.get(split)) == time(events.get(split - 1))) {
                split++;
            }
            long t = time(events.get(split - 1));
            List<String> before = events.subList(0, split);
            List<String> rest = events.subList(split, events.size());
            String set1 = set(first);
            String set2 = set(second);
            Set<String> shared1 = sharedIds(set1);
            Set<String> shared2 = sharedIds(set2);

            DeployResult result;
            try (Run a = new Run(set1); Run b = new Run(set1)) {
                a.feed(before);
                result = a.engine.deploy(TestRules.compile(set2));
                a.feed(rest);
                b.feed(events);
                String where = "seed " + seed + " split " + split + " (t " + t + ") ";
                for (GenRule g : first) {
                    List<String> expected = result.unchanged().contains(g.id()) ? b.of(g.id())
                            : upTo(b.of(g.id()), b.alerts.getOrDefault(g.id(), List.of()), t);
                    List<String> got = result.unchanged().contains(g.id()) ? a.of(g.id())
                            : upTo(a.of(g.id()), a.alerts.getOrDefault(g.id(), List.of()), t);
                    unchangedChecked++;
                    if (!expected.equals(got)) {
                        mismatches.add(where + (result.unchanged().contains(g.id()) ? "unchanged" : "before the deploy")
                                + " " + g.text() + firstDifference(expected, got) + "\n");
                    }
                }
                Map<Stream, Set<String>> union1 = new LinkedHashMap<>();
                for (GenRule g : first) {
                    if (shared1.contains(g.id())) {
                        union1.computeIfAbsent(g.stream(), k -> new LinkedHashSet<>()).addAll(g.aggregates());
                    }
                }
                Map<Stream, Set<String>> union2 = new LinkedHashMap<>();
                for (GenRule g : second) {
                    if (shared2.contains(g.id())) {
                        union2.computeIfAbsent(g.stream(), k -> new LinkedHashSet<>()).addAll(g.aggregates());
                    }
                }
                for (GenRule g : second) {
                    if (result.unchanged().contains(g.id())) {
                        continue;
                    }
                    List<String> got = after(a.of(g.id()), a.alerts.getOrDefault(g.id(), List.of()), t, null, true);
                    boolean kept = shared2.contains(g.id()) && union1.containsKey(g.stream())
                            && union1.get(g.stream()).containsAll(union2.get(g.stream()));
                    List<String> expected;
                    if (kept) {
                        // Beside a witness of its stream that computes the running group's aggregates.
                        StringBuilder msg = new StringBuilder("w");
                        union1.get(g.stream()).forEach(x -> msg.append(" {").append(x).append('}'));
                        String witness = "rule w { when " + g.stream().text() + " having count() < 0 message \""
                                + msg + "\" }\n";
                        try (Run c = new Run(EVENTS + witness)) {
                            c.feed(before);
                            c.engine.deploy(TestRules.compile(EVENTS + witness + g.text()));
                            c.feed(rest);
                            expected = c.of(g.id());
                        }
                        keptChecked++;
                        if (g.forClause().isEmpty() && g.throttle().isEmpty()) {
                            // Direct: for keys it had no alert open for at the deploy, a fresh member
                            // raises what the rule deployed alone from the start raises.
                            try (Run l = new Run(EVENTS + g.text())) {
                                l.feed(events);
                                List<Alert> la = l.alerts.getOrDefault(g.id(), List.of());
                                Set<String> open = openAt(la, t);
                                List<String> lone = after(l.of(g.id()), la, t, open, false);
                                List<String> mine = after(a.of(g.id()), a.alerts.getOrDefault(g.id(), List.of()), t,
                                        open, false);
                                directChecked++;
                                if (!lone.equals(mine)) {
                                    mismatches.add(where + "changed member vs lone from the start " + g.text()
                                            + firstDifference(lone, mine) + "\n");
                                }
                            }
                        }
                    } else {
                        // A new statement (or a rule alone): an empty window from the deploy on.
                        expected = alone(g.text(), rest, g.id());
                        freshChecked++;
                    }
                    if (!expected.equals(got)) {
                        mismatches.add(where + (kept ? "changed member of a kept group " : "fresh ")
                                + (result.changed().contains(g.id()) ? "(changed) " : "(added) ") + g.text()
                                + firstDifference(expected, got) + "\n");
                    }
                }
            }
        }
        System.out.printf("SharedEquivalenceTest reload: %d seeds, %d unchanged/prefix, %d kept-group members"
                        + " (%d direct), %d fresh, %d ms%n", seeds.size(), unchangedChecked, keptChecked,
                directChecked, freshChecked, (System.nanoTime() - started) / 1_000_000);
        assertThat(mismatches).isEmpty();
    }

    static long time(String line) {
        int i = line.indexOf("\"time\":") + 7;
        return Long.parseLong(line.substring(i, line.indexOf(',', i)));
    }

    static String firstDifference(List<String> alone, List<String> together) {
        for (int i = 0; i < Math.max(alone.size(), together.size()); i++) {
            String a = i < alone.size() ? alone.get(i) : "(none)";
            String b = i < together.size() ? together.get(i) : "(none)";
            if (!a.equals(b)) {
                return "at " + i + "\n    alone    " + a + "\n    together " + b;
            }
        }
        return "(equal)";
    }
}
