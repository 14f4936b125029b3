package dev.vigil.bench;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.EventBean;
import com.espertech.esper.common.client.EventSender;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompilerProvider;
import com.espertech.esper.runtime.client.EPDeployment;
import com.espertech.esper.runtime.client.EPEventService;
import com.espertech.esper.runtime.client.EPRuntime;
import com.espertech.esper.runtime.client.EPRuntimeProvider;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.InlineEngine;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Measurement 2: N threshold rules over the same type, key and window with distinct thresholds
 * ({@code Transaction by cardId over sliding 5 min having sum(amount) > T_i}), events/s on one
 * thread with pre-decoded events (the engine alone). Two forms:
 * <ul>
 * <li>{@code vigil}: Vigil as it is, one Esper statement per rule;</li>
 * <li>{@code shared}: what it would take, on raw Esper: one statement keeps the window and the
 *     per-card sum once, and the N thresholds are judged in the listener (a sorted array, a binary
 *     search per row, a per-card count of thresholds exceeded, so each rule's firing transitions
 *     are counted as Vigil counts them).</li>
 * </ul>
 * Each pass feeds up to {@code --events} events or stops after {@code --seconds}, whichever comes
 * first. Prints {@code RESULT} lines.
 */
public final class ScalingBench {
    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        Lines lines = Lines.read(Path.of(o.require("file")), o.getInt("events", 200_000));
        int warmup = o.getInt("warmup", 1);
        int repeats = o.getInt("repeats", 3);
        double seconds = Double.parseDouble(o.get("seconds", "5"));
        String form = o.get("form", "vigil");
        for (String c : o.get("counts", "1,10,100,1000").split(",")) {
            int n = Integer.parseInt(c);
            List<Double> rates = new ArrayList<>();
            long matches = -1;
            int fed = 0;
            long deployMillis = 0;
            for (int pass = 0; pass < warmup + repeats; pass++) {
                Pass p = form.equals("vigil") ? vigilPass(lines, n, seconds) : sharedPass(lines, n, seconds);
                System.err.printf("%s %d rules pass %d%s: %s events/s over %d events, %d matches, deploy %d ms%n",
                        form, n, pass, pass < warmup ? " (warm-up)" : "", Stats.num(p.rate), p.events, p.matches,
                        p.deployMillis);
                if (pass >= warmup) {
                    rates.add(p.rate);
                    fed = p.events;
                    matches = p.matches;
                    deployMillis = p.deployMillis;
                }
            }
            System.out.println("RESULT {\"measurement\": \"rule-scaling\", \"engine\": " + Stats.q(form)
                    + ", \"rules\": " + n + ", \"events\": " + fed + ", \"median\": " + Stats.num(Stats.median(rates))
                    + ", \"passes\": " + Stats.list(rates) + ", \"matches\": " + matches
                    + ", \"deployMillis\": " + deployMillis + "}");
        }
    }

    record Pass(double rate, int events, long matches, long deployMillis) {
    }

    static String rules(int n) {
        StringBuilder sb = new StringBuilder(RuleMix.EVENTS);
        for (int i = 0; i < n; i++) {
            sb.append("rule spend_").append(i).append(" { when Transaction by cardId over sliding 5 min having sum(amount) > ")
                    .append(threshold(i)).append(" }\n");
        }
        return sb.toString();
    }

    /** Distinct thresholds, a few of them low enough to be crossed now and then. */
    static int threshold(int i) {
        return 300 + 7 * i;
    }

    static Pass vigilPass(Lines lines, int n, double seconds) throws Exception {
        long[] fired = new long[1];
        AlertSink sink = new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
                if (alert.status() == Alert.Status.FIRING) {
                    fired[0]++;
                }
            }
        };
        RuleSet set = RulesCompiler.compile(new SourceFile("scaling.rules", rules(n))).orThrow();
        try (InlineEngine engine = InlineEngine.create(EngineOptions.newBuilder().build(), sink)) {
            long d0 = System.nanoTime();
            engine.deploy(set);
            long deploy = (System.nanoTime() - d0) / 1_000_000;
            Event[] events = new Event[lines.count];
            for (int i = 0; i < lines.count; i++) {
                events[i] = ((Decoded.Accepted) engine.decoder().decodeJson(lines.text(i), "bench")).event();
            }
            System.gc();
            long budget = (long) (seconds * 1e9);
            long t0 = System.nanoTime();
            int i = 0;
            while (i < events.length) {
                engine.submit(events[i++]);
                if ((i & 63) == 0 && System.nanoTime() - t0 > budget) {
                    break;
                }
            }
            long t1 = System.nanoTime();
            return new Pass(i / ((t1 - t0) / 1e9), i, fired[0], deploy);
        }
    }

    static Pass sharedPass(Lines lines, int n, double seconds) throws Exception {
        Configuration config = new Configuration();
        config.getRuntime().getThreading().setInternalTimerEnabled(false);
        config.getCompiler().getByteCode().setAllowSubscriber(false);
        long d0 = System.nanoTime();
        EPCompiled compiled = EPCompilerProvider.getCompiler().compile("""
                @public @buseventtype create objectarray schema Transaction(cardId string, amount double, merchant string, country string, `at` long);
                @name('spend') select irstream cardId, sum(amount) as total from Transaction#time(5 min) group by cardId;
                """, new CompilerArguments(config));
        EPRuntime runtime = EPRuntimeProvider.getRuntime("bench-shared-" + System.nanoTime(), config);
        EPEventService events = runtime.getEventService();
        events.advanceTime(0);
        EPDeployment d = runtime.getDeploymentService().deploy(compiled);
        double[] thresholds = new double[n];
        for (int i = 0; i < n; i++) {
            thresholds[i] = threshold(i);
        }
        Arrays.sort(thresholds);
        Map<String, Integer> exceeded = new HashMap<>();
        long[] fired = new long[1];
        d.getStatements()[1].addListener((in, out, st, rt) -> {
            for (EventBean b : in) {
                String card = (String) b.get("cardId");
                Object t = b.get("total");
                int k = t == null ? 0 : countBelow(thresholds, (Double) t);
                int before = exceeded.getOrDefault(card, 0);
                if (k > before) {
                    fired[0] += k - before;
                }
                if (k == 0) {
                    exceeded.remove(card);
                } else if (k != before) {
                    exceeded.put(card, k);
                }
            }
        });
        long deploy = (System.nanoTime() - d0) / 1_000_000;
        Object[][] rows = new Object[lines.count][];
        for (int i = 0; i < lines.count; i++) {
            rows[i] = row(lines.text(i));
        }
        EventSender sender = events.getEventSender("Transaction");
        System.gc();
        long budget = (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        int i = 0;
        while (i < rows.length) {
            Object[] r = rows[i++];
            long at = (Long) r[4];
            if (at > events.getCurrentTime()) {
                events.advanceTimeSpan(at);
            }
            sender.sendEvent(r);
            if ((i & 63) == 0 && System.nanoTime() - t0 > budget) {
                break;
            }
        }
        long t1 = System.nanoTime();
        runtime.destroy();
        return new Pass(i / ((t1 - t0) / 1e9), i, fired[0], deploy);
    }

    /** How many thresholds a total exceeds ({@code total > T}). */
    static int countBelow(double[] sorted, double total) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < total) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    static Object[] row(String line) throws Exception {
        var data = MAPPER.readTree(line).get("data");
        return new Object[] {data.get("cardId").textValue(), data.get("amount").doubleValue(),
                data.get("merchant").textValue(), data.get("country").textValue(), Iso.millis(data.get("at").textValue())};
    }
}
