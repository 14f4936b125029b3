package dev.vigil.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.InlineEngine;
import dev.vigil.rules.RuleSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Measurement 2, mixed form (issue 14): N rules of {@link RuleMix} ({@code --form mixed}) or N
 * threshold rules over one window ({@code --form thresholds}, {@link RuleMix#thresholds}) on one
 * {@link InlineEngine}, over the pre-decoded fraud events. For each N:
 * <ul>
 * <li>the time to compile the rules file (rules-dsl), to deploy it (Esper), and from the start of
 *     the compile to the first event processed;</li>
 * <li>events/s with deploy excluded: warm-up and measured passes over consecutive slices of the
 *     same events (one deploy per N: redeploying 10,000 rules per pass would take longer than the
 *     passes), each feeding up to {@code --events} events or stopping after {@code --seconds};</li>
 * <li>at the N of {@code --swap-at} (default the largest), the hot swap: {@code --swaps} deploys of
 *     the same set with one rule's threshold changed, each timed, and the deploy result's
 *     {@code changed} printed (it must name that rule alone).</li>
 * </ul>
 * A deploy that takes longer than {@code --deploy-seconds} is reported as not finished and ends the
 * run (Esper's deploy cannot be interrupted); larger N are not tried. Prints {@code RESULT} lines.
 */
public final class MixedBench {
    /** One engine per N, all on this worker thread; the main thread watches the deploy budget. */
    private static final Watch WATCH = new Watch();

    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        Settings s = new Settings(o);
        Lines lines = Lines.read(Path.of(o.require("file")), s.perPass * (s.warmup + s.repeats));
        System.err.printf("%s: %d events read, passes of up to %d events or %.1f s%n", s.form, lines.count, s.perPass,
                s.seconds);
        Throwable[] failure = new Throwable[1];
        Thread worker = new Thread(() -> {
            try {
                for (int n : s.counts) {
                    runOne(s, lines, n);
                }
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "mixed-bench");
        worker.setDaemon(true);
        worker.start();
        while (worker.isAlive()) {
            worker.join(100);
            Watch.Step step = WATCH.overdue(s.deployNanos);
            if (step != null) {
                // Esper's deploy runs on; the figure is that it did not finish within the budget.
                System.out.println("RESULT {\"measurement\": \"rule-mix" + (step.swap ? "-swap" : "") + "\", \"engine\": \"vigil\""
                        + ", \"form\": " + Stats.q(s.form) + ", \"rules\": " + step.rules + ", \"finished\": false"
                        + ", \"budgetSeconds\": " + s.deploySeconds + "}");
                System.err.printf("%s %d rules: %s did not finish within %d s; larger counts not tried%n", s.form,
                        step.rules, step.swap ? "a hot-swap deploy" : "the deploy", s.deploySeconds);
                System.out.flush();
                System.exit(0);
            }
        }
        if (failure[0] != null) {
            throw new IllegalStateException("mixed bench failed", failure[0]);
        }
    }

    private record Settings(String form, List<Integer> counts, Set<Integer> swapAt, int perPass, double seconds,
                            int warmup, int repeats, int swaps, int deploySeconds, long deployNanos, long seed) {
        Settings(Opts o) {
            this(form(o.get("form", "mixed")), counts(o.get("counts", "10,100,1000,10000")), swapAt(o),
                    o.getInt("events", 100_000), Double.parseDouble(o.get("seconds", "5")), o.getInt("warmup", 1),
                    o.getInt("repeats", 3), o.getInt("swaps", 5), o.getInt("deploy-seconds", 300),
                    o.getInt("deploy-seconds", 300) * 1_000_000_000L, Long.parseLong(o.get("seed", "1")));
        }

        private static String form(String f) {
            if (!f.equals("mixed") && !f.equals("thresholds")) {
                throw new IllegalArgumentException("--form must be mixed or thresholds: " + f);
            }
            return f;
        }

        private static List<Integer> counts(String list) {
            return Arrays.stream(list.split(",")).map(c -> Integer.parseInt(c.trim().replace("_", ""))).toList();
        }

        /** {@code --swap-at} N,N,... or {@code none}; default the largest count. */
        private static Set<Integer> swapAt(Opts o) {
            String v = o.get("swap-at", "");
            if (v.equals("none")) {
                return Set.of();
            }
            if (v.isEmpty()) {
                return Set.of(counts(o.get("counts", "10,100,1000,10000")).stream().mapToInt(Integer::intValue).max().orElse(0));
            }
            return Set.copyOf(counts(v));
        }
    }

    private static String text(Settings s, int n) {
        return s.form.equals("mixed") ? RuleMix.rules(n, s.seed) : RuleMix.thresholds(n);
    }

    private static void runOne(Settings s, Lines lines, int n) throws Exception {
        String text = text(s, n);
        CountingSink sink = new CountingSink();
        System.gc();
        long t0 = System.nanoTime();
        RuleSet set = RuleMix.compile("mix-" + n + ".rules", text);
        long t1 = System.nanoTime();
        try (InlineEngine engine = InlineEngine.create(EngineOptions.newBuilder().build(), sink)) {
            WATCH.begin(n, false);
            engine.deploy(set);
            WATCH.end();
            long t2 = System.nanoTime();
            engine.submit(decode(engine, lines, 0));
            long t3 = System.nanoTime();
            if (engine.processed() != 1) {
                throw new IllegalStateException("the first event was not processed: " + engine.processed());
            }
            long compileMs = (t1 - t0) / 1_000_000;
            long deployMs = (t2 - t1) / 1_000_000;
            long startMs = (t3 - t0) / 1_000_000;
            System.err.printf("%s %d rules: compile %d ms, deploy %d ms, first event processed %d ms after the start%n",
                    s.form, n, compileMs, deployMs, startMs);

            Event[] events = new Event[lines.count];
            for (int i = 1; i < lines.count; i++) {
                events[i] = decode(engine, lines, i);
            }
            if (s.form.equals("mixed") && n == s.counts.get(0)) {
                checkValues(events);
            }
            System.gc();
            List<Double> rates = new ArrayList<>();
            List<Integer> fedPerPass = new ArrayList<>();
            int next = 1;
            int mask = n >= 1000 ? 0 : 63; // with many rules one event can take long: look at the clock after each
            long budget = (long) (s.seconds * 1e9);
            for (int pass = 0; pass < s.warmup + s.repeats && next < events.length; pass++) {
                int end = Math.min(events.length, next + s.perPass);
                int from = next;
                long p0 = System.nanoTime();
                long p1 = p0;
                while (next < end) {
                    engine.submit(events[next++]);
                    if ((next & mask) == 0 && (p1 = System.nanoTime()) - p0 > budget) {
                        break;
                    }
                }
                p1 = System.nanoTime();
                double rate = (next - from) / ((p1 - p0) / 1e9);
                boolean measured = pass >= s.warmup;
                System.err.printf("%s %d rules pass %d%s: %s events/s over %d events (%d to %d)%n", s.form, n, pass,
                        measured ? "" : " (warm-up)", Stats.num(rate), next - from, from, next - 1);
                if (measured) {
                    rates.add(rate);
                    fedPerPass.add(next - from);
                }
            }
            System.out.println("RESULT {\"measurement\": \"rule-mix\", \"engine\": \"vigil\", \"form\": " + Stats.q(s.form)
                    + ", \"rules\": " + n + ", \"finished\": true, \"compileMillis\": " + compileMs + ", \"deployMillis\": "
                    + deployMs + ", \"startMillis\": " + startMs + ", \"median\": " + Stats.num(Stats.median(rates))
                    + ", \"passes\": " + Stats.list(rates) + ", \"passEvents\": " + fedPerPass + ", \"events\": " + next
                    + ", \"alerts\": " + sink.firing + ", \"resolved\": " + sink.resolved
                    + (s.form.equals("mixed") ? ", \"alertsByKind\": " + Stats.map(sink.byKind()) : "") + "}");
            if (s.swapAt.contains(n)) {
                swap(s, engine, n);
            }
        }
    }

    /**
     * Hot swap: the same set with one rule's threshold moved, deployed {@code --swaps} times (each
     * time another value, so each deploy changes that rule), timing the deploy call; the rules file is
     * compiled before it, timed apart.
     */
    private static void swap(Settings s, InlineEngine engine, int n) throws Exception {
        int index = s.form.equals("mixed") ? RuleMix.firstOf(RuleMix.Kind.MERCHANT_SUM, n / 2) : n / 2;
        if (index >= n) {
            index = n - 1;
        }
        String id = RuleMix.id(index);
        List<Double> deployMs = new ArrayList<>();
        List<Double> compileMs = new ArrayList<>();
        List<String> changed = List.of();
        for (int k = 1; k <= s.swaps; k++) {
            String text = s.form.equals("mixed") ? RuleMix.changed(n, s.seed, index, k) : bumped(RuleMix.thresholds(n), id, k);
            long t0 = System.nanoTime();
            RuleSet set = RuleMix.compile("mix-" + n + ".rules", text);
            long t1 = System.nanoTime();
            WATCH.begin(n, true);
            DeployResult r = engine.deploy(set);
            WATCH.end();
            long t2 = System.nanoTime();
            compileMs.add((t1 - t0) / 1e6);
            deployMs.add((t2 - t1) / 1e6);
            changed = r.changed();
            System.err.printf("%s %d rules, hot swap %d of %s: compile %.1f ms, deploy %.1f ms; changed %s, added %s, removed %s, %d unchanged%n",
                    s.form, n, k, id, (t1 - t0) / 1e6, (t2 - t1) / 1e6, r.changed(), r.added(), r.removed(),
                    r.unchanged().size());
            if (!r.changed().equals(List.of(id)) || !r.added().isEmpty() || !r.removed().isEmpty()
                    || r.unchanged().size() != n - 1) {
                throw new IllegalStateException("the hot swap of " + id + " changed " + r.changed() + ", added "
                        + r.added() + ", removed " + r.removed());
            }
        }
        System.out.println("RESULT {\"measurement\": \"rule-mix-swap\", \"engine\": \"vigil\", \"form\": " + Stats.q(s.form)
                + ", \"rules\": " + n + ", \"finished\": true, \"rule\": " + Stats.q(id) + ", \"kind\": "
                + Stats.q(s.form.equals("mixed") ? RuleMix.kind(index).name() : "THRESHOLD")
                + ", \"changed\": [" + changed.stream().map(Stats::q).collect(Collectors.joining(", ")) + "]"
                + ", \"median\": " + Stats.num(Stats.median(deployMs)) + ", \"millis\": " + Stats.list(deployMs)
                + ", \"compileMedian\": " + Stats.num(Stats.median(compileMs)) + ", \"compileMillis\": "
                + Stats.list(compileMs) + "}");
    }

    /** The thresholds file with rule {@code id}'s threshold raised by {@code k}. */
    private static String bumped(String text, String id, int k) {
        String prefix = "rule " + id + " { ";
        int at = text.indexOf(prefix);
        int gt = text.indexOf("> ", at) + 2;
        int end = text.indexOf(' ', gt);
        int t = Integer.parseInt(text.substring(gt, end));
        return text.substring(0, gt) + (t + k) + text.substring(end);
    }

    private static Event decode(InlineEngine engine, Lines lines, int i) {
        if (engine.decoder().decodeJson(lines.text(i), "bench") instanceof Decoded.Accepted a) {
            return a.event();
        }
        throw new IllegalStateException("line " + (i + 1) + " was not accepted");
    }

    /**
     * The mix's filters draw merchants and countries from what the generator emits: fails when the
     * events do not hold them all (the generator changed), so no rule's filter selects nothing.
     */
    private static void checkValues(Event[] events) {
        Set<String> merchants = new HashSet<>();
        Set<String> countries = new HashSet<>();
        for (int i = 1; i < Math.min(events.length, 100_000); i++) {
            ObjectNode d = events[i].data();
            merchants.add(d.get("merchant").textValue());
            countries.add(d.get("country").textValue());
        }
        List<String> missing = new ArrayList<>();
        for (int m = 1; m <= RuleMix.MERCHANTS; m++) {
            String id = String.format(java.util.Locale.ROOT, "m-%04d", m);
            if (!merchants.contains(id)) {
                missing.add(id);
            }
        }
        RuleMix.COUNTRIES.stream().filter(c -> !countries.contains(c)).forEach(missing::add);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the events hold none of " + missing + ", which the mix's filters select");
        }
    }

    /** Counts firing alerts (sent or suppressed by a throttle), in all and by the mix's rule kind. */
    private static final class CountingSink implements AlertSink {
        long firing;
        long resolved;
        final Map<String, Long> byRule = new LinkedHashMap<>();

        @Override
        public void onAlert(Alert alert) {
            if (alert.status() == Alert.Status.FIRING) {
                fired(alert);
            } else {
                resolved++;
            }
        }

        @Override
        public void onSuppressed(Alert alert, String reason) {
            fired(alert);
        }

        private void fired(Alert alert) {
            firing++;
            byRule.merge(alert.rule(), 1L, Long::sum);
        }

        Map<String, Long> byKind() {
            Map<RuleMix.Kind, Long> k = new EnumMap<>(RuleMix.Kind.class);
            for (RuleMix.Kind kind : RuleMix.Kind.values()) {
                k.put(kind, 0L);
            }
            byRule.forEach((id, c) -> k.merge(RuleMix.kind(id), c, Long::sum));
            Map<String, Long> out = new LinkedHashMap<>();
            k.forEach((kind, c) -> out.put(kind.name().toLowerCase(java.util.Locale.ROOT), c));
            return out;
        }
    }

    /** The deploy in progress on the worker, if any, and since when. */
    private static final class Watch {
        record Step(int rules, boolean swap, long since) {
        }

        private volatile Step step;

        void begin(int rules, boolean swap) {
            step = new Step(rules, swap, System.nanoTime());
        }

        void end() {
            step = null;
        }

        /** The step in progress when it has run longer than the budget, else null. */
        Step overdue(long budgetNanos) {
            Step s = step;
            return s != null && System.nanoTime() - s.since > budgetNanos ? s : null;
        }
    }
}
