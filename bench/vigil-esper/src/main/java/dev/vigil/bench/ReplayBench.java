package dev.vigil.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measurement 1: replay throughput on one thread, from the JSONL bytes in memory. One JVM runs one
 * engine on one scenario; warm-up passes, then measured passes alternating the two modes:
 * {@code json} (decoding inside the timed loop) and {@code parsed} (events decoded before the timer
 * starts, so only the engine is timed). Every pass starts a fresh engine, as a replay would.
 *
 * <pre>
 * ReplayBench --engine vigil|vigil-queued|esper --scenario filter|pattern|sliding|fraud4
 *             --file events.jsonl --rules rules/fraud.rules [--events N] [--warmup W] [--repeats R]
 *             [--modes json,parsed]
 * </pre>
 * Prints one {@code RESULT {json}} line per mode.
 */
public final class ReplayBench {
    /** One engine under test. */
    interface Runner {
        /** Builds a fresh engine; in parsed mode also decodes every event (untimed). */
        void setUp(Lines lines, boolean parsed) throws Exception;

        /** The timed part: feeds every event. Returns how many were accepted. */
        long run(Lines lines, boolean parsed) throws Exception;

        /** Matches (firing alerts, suppressed included) by rule; then drops the engine. */
        Map<String, Long> tearDown() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        String engine = o.require("engine");
        Scenario scenario = Scenario.of(o.require("scenario"));
        Lines lines = Lines.read(Path.of(o.require("file")), o.getInt("events", 2_000_000));
        int warmup = o.getInt("warmup", 3);
        int repeats = o.getInt("repeats", 5);
        List<String> modes = List.of(o.get("modes", "json,parsed").split(","));
        Path rules = Path.of(o.get("rules", "rules/fraud.rules"));
        String tag = o.get("tag", "");
        Runner runner = switch (engine) {
            case "vigil" -> new VigilRunner(rules, scenario, false);
            case "vigil-queued" -> new VigilRunner(rules, scenario, true);
            case "esper" -> new EsperRunner(scenario);
            default -> throw new IllegalArgumentException("unknown engine " + engine);
        };
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, Map<String, Long>> matches = new LinkedHashMap<>();
        for (String m : modes) {
            rates.put(m, new ArrayList<>());
        }
        for (int pass = 0; pass < warmup + repeats; pass++) {
            for (String mode : modes) {
                boolean parsed = mode.equals("parsed");
                runner.setUp(lines, parsed);
                System.gc();
                long t0 = System.nanoTime();
                long accepted = runner.run(lines, parsed);
                long t1 = System.nanoTime();
                Map<String, Long> found = runner.tearDown();
                if (accepted != lines.count) {
                    throw new IllegalStateException(engine + " accepted " + accepted + " of " + lines.count);
                }
                double rate = lines.count / ((t1 - t0) / 1e9);
                boolean measured = pass >= warmup;
                System.err.printf("%s %s %s pass %d%s: %s events/s, matches %s%n", engine, scenario.id(), mode,
                        pass, measured ? "" : " (warm-up)", Stats.num(rate), found);
                if (measured) {
                    rates.get(mode).add(rate);
                }
                Map<String, Long> before = matches.putIfAbsent(mode, found);
                if (before != null && !before.equals(found)) {
                    throw new IllegalStateException("matches differ between passes: " + before + " vs " + found);
                }
            }
        }
        for (String mode : modes) {
            System.out.println("RESULT {\"measurement\": \"replay\", \"engine\": " + Stats.q(engine)
                    + ", \"scenario\": " + Stats.q(scenario.id()) + ", \"mode\": " + Stats.q(mode)
                    + ", \"events\": " + lines.count + ", \"warmup\": " + warmup + ", \"repeats\": " + repeats
                    + ", \"median\": " + Stats.num(Stats.median(rates.get(mode)))
                    + ", \"passes\": " + Stats.list(rates.get(mode))
                    + ", \"matches\": " + Stats.map(matches.get(mode))
                    + (tag.isEmpty() ? "" : ", \"tag\": " + Stats.q(tag)) + "}");
        }
    }
}
