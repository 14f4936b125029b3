package dev.vigil.bench;

import dev.vigil.engine.Decoded;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.EventDecoder;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Measurement 8: replay with engine shards (issue 15), as {@code vigil replay} runs it: every rule
 * of a rule file (the six fraud rules), each line decoded on the calling thread and handed to the
 * engine's queue (4,096 places, as the replay command), the engine with 1 shard and with N, passes
 * alternating in one JVM so both see the same machine. Every pass starts a fresh engine and ends
 * with {@code finish()}; the matches must be the same in every pass and with every shard count.
 *
 * <pre>
 * ShardBench --file events.jsonl --rules rules/fraud.rules --shards 1,2 [--events N] [--warmup W] [--repeats R]
 * </pre>
 * Prints one {@code RESULT {json}} line per shard count.
 */
public final class ShardBench {
    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        Lines lines = Lines.read(Path.of(o.require("file")), o.getInt("events", 2_000_000));
        Path ruleFile = Path.of(o.get("rules", "rules/fraud.rules"));
        RuleSet rules = RulesCompiler.compile(new SourceFile(ruleFile.toString(), Files.readString(ruleFile))).orThrow();
        List<Integer> counts = new ArrayList<>();
        for (String s : o.get("shards", "1," + Runtime.getRuntime().availableProcessors()).split(",")) {
            counts.add(Integer.parseInt(s.trim()));
        }
        int warmup = o.getInt("warmup", 2);
        int repeats = o.getInt("repeats", 3);
        Map<Integer, List<Double>> rates = new LinkedHashMap<>();
        counts.forEach(c -> rates.put(c, new ArrayList<>()));
        Map<String, Long> expected = null;
        for (int pass = 0; pass < warmup + repeats; pass++) {
            for (int shards : counts) {
                VigilRunner.CountingSink sink = new VigilRunner.CountingSink();
                rules.rules().forEach(r -> sink.firing.put(r.id(), 0L));
                EngineOptions options = EngineOptions.newBuilder().queueCapacity(4096).shards(shards).build();
                double rate;
                try (Engine engine = Engine.start(options, sink)) {
                    engine.deploy(rules);
                    EventDecoder decoder = engine.decoder();
                    System.gc();
                    long t0 = System.nanoTime();
                    for (int i = 0; i < lines.count; i++) {
                        if (decoder.decodeJson(lines.text(i), "bench") instanceof Decoded.Accepted a) {
                            engine.submit(a.event());
                        } else {
                            throw new IllegalStateException("line " + (i + 1) + " rejected");
                        }
                    }
                    engine.finish();
                    long t1 = System.nanoTime();
                    rate = lines.count / ((t1 - t0) / 1e9);
                }
                Map<String, Long> found = new LinkedHashMap<>(sink.firing);
                found.put("resolved", sink.resolved);
                if (expected == null) {
                    expected = found;
                } else if (!expected.equals(found)) {
                    throw new IllegalStateException("matches differ: " + expected + " vs " + found + " (" + shards
                            + " shards)");
                }
                boolean measured = pass >= warmup;
                System.err.printf("shards %d pass %d%s: %s events/s, matches %s%n", shards, pass,
                        measured ? "" : " (warm-up)", Stats.num(rate), found);
                if (measured) {
                    rates.get(shards).add(rate);
                }
            }
        }
        double base = Stats.median(rates.get(counts.get(0)));
        for (int shards : counts) {
            List<Double> r = rates.get(shards);
            System.out.println("RESULT {\"measurement\": \"shards\", \"engine\": \"vigil\", \"shards\": " + shards
                    + ", \"rules\": " + rules.rules().size() + ", \"events\": " + lines.count + ", \"cores\": "
                    + Runtime.getRuntime().availableProcessors() + ", \"warmup\": " + warmup + ", \"repeats\": " + repeats
                    + ", \"median\": " + Stats.num(Stats.median(r)) + ", \"passes\": " + Stats.list(r)
                    + ", \"ratio\": " + String.format(java.util.Locale.ROOT, "%.2f", Stats.median(r) / base) + ", \"matches\": " + Stats.map(expected) + "}");
        }
    }
}
