package dev.vigil.bench;

import dev.vigil.engine.Decoded;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.TableRows;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Measurement 9: reference tables (issue 16). Loads a table of {@code --rows} rows of four fields
 * ({@code merchant string key, risk string, limit double, since timestamp}) through
 * {@link Engine#replaceTable} and reports the heap it takes per row (used heap after a full GC,
 * before and after, the loader's own objects dropped); then replays {@code --events} pre-decoded
 * events through a filter rule with one lookup ({@code amount > Merchant[merchant].limit}) and
 * through the same rule without it ({@code amount > 1000000}), passes alternating in one JVM, each
 * event's merchant drawn at random from the table's keys (so most lookups miss the CPU caches).
 * Neither rule matches: the time is the filter's.
 *
 * <pre>
 * TableBench [--rows 10000000] [--events 2000000] [--warmup 2] [--repeats 3]
 * </pre>
 * Prints {@code RESULT} lines: one for memory, one per rule.
 */
public final class TableBench {
    private static final String TYPES = """
            event Tx { cardId string  amount double  merchant string  at timestamp }
            table Merchant { merchant string key  risk string  limit double  since timestamp }
            """;

    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        int rows = o.getInt("rows", 10_000_000);
        int events = o.getInt("events", 2_000_000);
        int warmup = o.getInt("warmup", 2);
        int repeats = o.getInt("repeats", 3);
        Map<String, RuleSet> sets = new java.util.LinkedHashMap<>();
        sets.put("lookup", compile(TYPES + "rule f { when Tx(amount > Merchant[merchant].limit) key cardId }"));
        sets.put("plain", compile(TYPES + "rule f { when Tx(amount > 1000000) key cardId }"));

        // The table, loaded once into an engine with the lookup rule; its heap measured.
        Map<String, Double> rates = new HashMap<>();
        Map<String, List<Double>> passes = new HashMap<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().queueCapacity(1 << 16).build(), a -> { })) {
            engine.deploy(sets.get("lookup"));
            long before = usedAfterGc();
            long t0 = System.nanoTime();
            TableRows table = new TableRows(sets.get("lookup").table("Merchant").orElseThrow());
            Map<String, Object> values = new HashMap<>();
            for (int i = 0; i < rows; i++) {
                values.put("merchant", "m-" + i);
                values.put("risk", (i % 7 == 0) ? "high" : "low");
                values.put("limit", 1_000_000.0 + (i % 1000));
                values.put("since", 1_700_000_000_000L + i);
                table.add(values, "row " + i);
            }
            engine.replaceTable(table);
            long loadMillis = (System.nanoTime() - t0) / 1_000_000;
            table = null; // the engine's store keeps its own map
            long after = usedAfterGc();
            System.err.printf("table: %d rows loaded in %d ms; heap %d MB -> %d MB%n", rows, loadMillis,
                    before >> 20, after >> 20);
            System.out.println("RESULT {\"measurement\": \"table-memory\", \"engine\": \"vigil\", \"rows\": " + rows
                    + ", \"fields\": 4, \"loadMillis\": " + loadMillis + ", \"heapBeforeBytes\": " + before
                    + ", \"heapAfterBytes\": " + after + ", \"bytesPerRow\": " + (after - before) / rows + "}");

            // Events: decoded before the timer, merchants drawn from the table's keys.
            SplittableRandom random = new SplittableRandom(42);
            List<Event> decoded = new ArrayList<>(events);
            for (int i = 0; i < events; i++) {
                String line = "{\"type\":\"Tx\",\"data\":{\"cardId\":\"c-" + random.nextInt(100_000) + "\",\"amount\":"
                        + (1 + random.nextInt(5000)) + ",\"merchant\":\"m-" + random.nextInt(rows) + "\",\"at\":"
                        + (1_800_000_000_000L + i) + "}}";
                decoded.add(((Decoded.Accepted) engine.decoder().decodeJson(line, "bench")).event());
            }
            for (int pass = 0; pass < warmup + repeats; pass++) {
                for (String form : sets.keySet()) {
                    // Each pass deploys its rule over the same table and time: a fresh statement.
                    engine.deploy(sets.get(form));
                    if (form.equals("lookup") && engine.tables().get("Merchant")[0] != rows) {
                        throw new IllegalStateException("the table lost its rows");
                    }
                    long s0 = System.nanoTime();
                    // Events after the engine's clock: each pass moves time on.
                    for (Event e : decoded) {
                        engine.submit(e);
                    }
                    engine.now();
                    double rate = events / ((System.nanoTime() - s0) / 1e9);
                    boolean measured = pass >= warmup;
                    System.err.printf("%s pass %d%s: %s events/s%n", form, pass, measured ? "" : " (warm-up)",
                            Stats.num(rate));
                    if (measured) {
                        passes.computeIfAbsent(form, f -> new ArrayList<>()).add(rate);
                    }
                    engine.rebuild(); // a fresh clock for the next pass; tables are kept
                }
            }
        }
        for (String form : sets.keySet()) {
            rates.put(form, Stats.median(passes.get(form)));
        }
        for (String form : sets.keySet()) {
            System.out.println("RESULT {\"measurement\": \"table-lookup\", \"engine\": \"vigil\", \"rule\": "
                    + Stats.q(form) + ", \"rows\": " + rows + ", \"events\": " + events + ", \"median\": "
                    + Stats.num(rates.get(form)) + ", \"passes\": " + Stats.list(passes.get(form)) + ", \"ratio\": "
                    + String.format(java.util.Locale.ROOT, "%.2f", rates.get(form) / rates.get("plain")) + "}");
        }
    }

    private static RuleSet compile(String text) {
        return RulesCompiler.compile(new SourceFile("bench.rules", text)).orThrow();
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
