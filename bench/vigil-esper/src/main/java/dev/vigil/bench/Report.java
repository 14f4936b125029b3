package dev.vigil.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Gathers the {@code RESULT} lines of one {@code bench/run} into bench/results/NAME.json and prints
 * the table; the last line is {@code ratios: vigil/esper=X vigil/siddhi=Y} for measurement 1(d)
 * (the four fraud rules, decoding included).
 *
 * <pre>Report --lines results.tmp --out bench/results/quick.json --mode quick --machine "..."</pre>
 */
public final class Report {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        ArrayNode results = MAPPER.createArrayNode();
        for (String line : Files.readAllLines(Path.of(o.require("lines")))) {
            int i = line.indexOf("RESULT ");
            if (i >= 0) {
                results.add(MAPPER.readTree(line.substring(i + 7)));
            }
        }
        ObjectNode doc = MAPPER.createObjectNode();
        doc.put("mode", o.require("mode"));
        doc.put("date", java.time.Instant.now().toString());
        doc.put("machine", o.get("machine", ""));
        doc.put("commit", o.get("commit", ""));
        doc.set("results", results);
        Path out = Path.of(o.require("out"));
        Files.writeString(out, MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n");
        print(results);
    }

    static void print(ArrayNode results) {
        System.out.println();
        System.out.println("1. Replay, events/s, one thread (median of the measured passes)");
        System.out.printf(Locale.ROOT, "%-8s %-7s %11s %11s %11s %11s %12s %12s  %s%n", "rules", "input", "vigil",
                "vigil-queue", "esper", "siddhi", "vigil/esper", "vigil/siddhi", "matches");
        String ratioLine = "ratios: vigil/esper=n/a vigil/siddhi=n/a";
        for (String scenario : List.of("filter", "pattern", "sliding", "fraud4")) {
            for (String mode : List.of("json", "parsed")) {
                JsonNode v = find(results, "replay", "vigil", scenario, mode);
                JsonNode q = find(results, "replay", "vigil-queued", scenario, mode);
                JsonNode e = find(results, "replay", "esper", scenario, mode);
                JsonNode s = find(results, "replay", "siddhi", scenario, mode);
                if (v == null && e == null && s == null) {
                    continue;
                }
                String ve = ratio(v, e);
                String vs = ratio(v, s);
                JsonNode pv = find(results, "replay", "vigil", scenario, mode, "prefix");
                JsonNode pe = find(results, "replay", "esper", scenario, mode, "prefix");
                String same = s != null && pv != null
                        ? matches(v, e) + "; first " + s.get("events").asInt() + " events: " + matches(pv, pe, s)
                        : matches(v, e, s);
                System.out.printf(Locale.ROOT, "%-8s %-7s %11s %11s %11s %11s %12s %12s  %s%n", scenario,
                        mode.equals("json") ? "bytes" : "parsed", rate(v), rate(q), rate(e), rate(s), ve, vs, same);
                if (scenario.equals("fraud4") && mode.equals("json")) {
                    ratioLine = "ratios: vigil/esper=" + ve + " vigil/siddhi=" + vs;
                }
            }
        }
        List<JsonNode> scaling = all(results, "rule-scaling");
        if (!scaling.isEmpty()) {
            System.out.println();
            System.out.println("2. Threshold rules over one type, key and window, events/s (pre-decoded events)");
            System.out.printf(Locale.ROOT, "%-7s %-8s %12s %10s %12s%n", "rules", "form", "events/s", "matches",
                    "deploy ms");
            for (JsonNode r : scaling) {
                System.out.printf(Locale.ROOT, "%-7d %-8s %12s %10d %12d%n", r.get("rules").asInt(),
                        r.get("engine").asText(), big(r.get("median").asDouble()), r.get("matches").asLong(),
                        r.get("deployMillis").asLong());
            }
        }
        printMixed(results);
        for (JsonNode r : all(results, "http-ingest")) {
            System.out.println();
            System.out.printf(Locale.ROOT, "3. HTTP ingest, batches of %d, %d events: %s events/s accepted, %s events/s processed%n",
                    r.get("batch").asInt(), r.get("events").asLong(), big(r.get("acceptedPerSecond").asDouble()),
                    big(r.get("processedPerSecond").asDouble()));
        }
        for (JsonNode r : all(results, "latency")) {
            System.out.println();
            System.out.printf(Locale.ROOT, "4. Latency POST -> webhook at %d events/s, %d alerts: p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, max %.1f ms%n",
                    r.get("rate").asInt(), r.get("alerts").asInt(), r.get("p50Ms").asDouble(), r.get("p99Ms").asDouble(),
                    r.get("p999Ms").asDouble(), r.get("maxMs").asDouble());
            if (r.hasNonNull("warmupMaxMs")) {
                System.out.printf(Locale.ROOT, "   after %.0f s of the same load from start; in those first seconds (%d alerts) the slowest took %.1f ms%n",
                        r.get("warmupSeconds").asDouble(), r.get("warmupProbes").asInt(), r.get("warmupMaxMs").asDouble());
            }
        }
        for (JsonNode r : all(results, "hot-swap")) {
            System.out.println();
            System.out.printf(Locale.ROOT, "5. Hot swap with %d rules deployed: PUT answered in %d ms (%s); longest gap in processing %d ms (normal %d ms)%n",
                    r.get("rules").asInt(), r.get("putMillis").asLong(), r.get("status").asText(),
                    r.get("longestGapMillis").asLong(), r.get("normalGapMillis").asLong());
        }
        List<JsonNode> shards = all(results, "shards");
        if (!shards.isEmpty()) {
            System.out.println();
            System.out.println("8. Replay with engine shards, as vigil replay runs it (decoding on the reading thread), every rule of"
                    + " the file, events/s (median, passes alternating in one JVM)");
            System.out.printf(Locale.ROOT, "%-7s %12s %10s  %s%n", "shards", "events/s", "vs 1", "passes");
            for (JsonNode r : shards) {
                System.out.printf(Locale.ROOT, "%-7d %12s %10s  %s%n", r.get("shards").asInt(),
                        big(r.get("median").asDouble()), r.get("ratio").asText(), r.get("passes"));
            }
        }
        for (JsonNode r : all(results, "memory")) {
            System.out.println();
            System.out.printf(Locale.ROOT, "6. Memory: %d cards with open sliding windows: heap %d MB (%d MB before), %d bytes per card%n",
                    r.get("cards").asLong(), r.get("heapAfterBytes").asLong() >> 20, r.get("heapBeforeBytes").asLong() >> 20,
                    r.get("bytesPerCard").asLong());
        }
        System.out.println();
        System.out.println(ratioLine);
    }

    /** Measurement 2, mixed form (MixedBench): one row per form and count, the hot swaps, and the goals. */
    static void printMixed(ArrayNode results) {
        List<JsonNode> mix = all(results, "rule-mix");
        List<JsonNode> swaps = all(results, "rule-mix-swap");
        if (mix.isEmpty() && swaps.isEmpty()) {
            return;
        }
        System.out.println();
        System.out.println("2. Mixed form (issue 14): N rules of the mix (filters, per-card counts, per-merchant sums, patterns, silences) or N thresholds");
        System.out.println("   over one window; one deploy per N, events/s of the measured passes (pre-decoded events, deploy excluded)");
        System.out.printf(Locale.ROOT, "%-10s %6s %10s %10s %12s %11s %21s %9s%n", "form", "rules", "compile ms", "deploy ms",
                "1st event ms", "events/s", "passes min-max", "alerts");
        for (JsonNode r : mix) {
            String form = r.get("form").asText();
            int n = r.get("rules").asInt();
            if (!r.get("finished").asBoolean()) {
                System.out.printf(Locale.ROOT, "%-10s %6d   deploy did not finish within %d s%n", form, n,
                        r.get("budgetSeconds").asInt());
                continue;
            }
            System.out.printf(Locale.ROOT, "%-10s %6d %10d %10d %12d %11s %21s %9d%n", form, n, r.get("compileMillis").asLong(),
                    r.get("deployMillis").asLong(), r.get("startMillis").asLong(), big(r.get("median").asDouble()),
                    spread(r.get("passes"), false), r.get("alerts").asLong());
        }
        for (JsonNode r : swaps) {
            String form = r.get("form").asText();
            int n = r.get("rules").asInt();
            if (!r.get("finished").asBoolean()) {
                System.out.printf(Locale.ROOT, "   hot swap, %s, %d rules: a deploy did not finish within %d s%n", form, n,
                        r.get("budgetSeconds").asInt());
                continue;
            }
            System.out.printf(Locale.ROOT, "   hot swap, %s, %d rules, %s (%s) changed: deploy %.0f ms median (%s ms, %d swaps), compile %.0f ms; deploy result changed %s%n",
                    form, n, r.get("rule").asText(), r.get("kind").asText().toLowerCase(Locale.ROOT), r.get("median").asDouble(),
                    spread(r.get("millis"), true), r.get("millis").size(), r.get("compileMedian").asDouble(), r.get("changed"));
        }
        JsonNode t1 = mixRow(mix, "thresholds", 1);
        JsonNode t1000 = mixRow(mix, "thresholds", 1000);
        JsonNode m10 = mixRow(mix, "mixed", 10);
        JsonNode m1000 = mixRow(mix, "mixed", 1000);
        System.out.println("   goals (issue 14):");
        System.out.println("     1,000 thresholds at >= 0.50 of one threshold's events/s: " + share(t1000, t1));
        System.out.println("     1,000 mixed at >= 0.20 of 10 mixed rules' events/s: " + share(m1000, m10));
        System.out.println("     1,000 rules deploy and start (to the first event processed) in < 5 s: "
                + "mixed " + start(m1000) + ", thresholds " + start(t1000));
        JsonNode s10000 = null;
        JsonNode largest = null;
        for (JsonNode r : swaps) {
            if (r.get("form").asText().equals("mixed") && r.get("finished").asBoolean()
                    && (largest == null || r.get("rules").asInt() > largest.get("rules").asInt())) {
                largest = r;
            }
            if (r.get("form").asText().equals("mixed") && r.get("rules").asInt() == 10000) {
                s10000 = r;
            }
        }
        JsonNode m10000 = mixRow(mix, "mixed", 10000);
        String swap;
        if (s10000 != null) {
            swap = s10000.get("finished").asBoolean() ? String.format(Locale.ROOT, "%.0f ms", s10000.get("median").asDouble())
                    : "a deploy did not finish within " + s10000.get("budgetSeconds").asInt() + " s";
        } else if (m10000 != null && !m10000.get("finished").asBoolean()) {
            swap = "not measured: 10,000 rules did not deploy within " + m10000.get("budgetSeconds").asInt() + " s";
        } else {
            swap = "not measured";
        }
        if (largest != null && largest.get("rules").asInt() != 10000) {
            swap += String.format(Locale.ROOT, "; among %d: %.0f ms", largest.get("rules").asInt(), largest.get("median").asDouble());
        }
        System.out.println("     hot swap of one rule among 10,000 in < 200 ms: " + swap);
    }

    private static JsonNode mixRow(List<JsonNode> mix, String form, int rules) {
        for (JsonNode r : mix) {
            if (r.get("form").asText().equals(form) && r.get("rules").asInt() == rules) {
                return r;
            }
        }
        return null;
    }

    /** From the start of the compile to the first event processed, or why there is none. */
    private static String start(JsonNode r) {
        if (r == null) {
            return "not measured";
        }
        return r.get("finished").asBoolean() ? r.get("startMillis").asLong() + " ms"
                : "did not deploy within " + r.get("budgetSeconds").asInt() + " s";
    }

    /** a's median events/s over b's, or why there is none. */
    private static String share(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return "not measured";
        }
        if (!a.get("finished").asBoolean() || !b.get("finished").asBoolean()) {
            return "not measured (a deploy did not finish)";
        }
        return String.format(Locale.ROOT, "%.4f (%s / %s events/s)", a.get("median").asDouble() / b.get("median").asDouble(),
                big(a.get("median").asDouble()), big(b.get("median").asDouble()));
    }

    /** "min-max" of a list of numbers. */
    private static String spread(JsonNode xs, boolean millis) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (JsonNode x : xs) {
            lo = Math.min(lo, x.asDouble());
            hi = Math.max(hi, x.asDouble());
        }
        if (xs.isEmpty()) {
            return "-";
        }
        return millis ? String.format(Locale.ROOT, "%.0f-%.0f", lo, hi) : big(lo) + " - " + big(hi);
    }

    private static JsonNode find(ArrayNode results, String m, String engine, String scenario, String mode) {
        return find(results, m, engine, scenario, mode, "");
    }

    private static JsonNode find(ArrayNode results, String m, String engine, String scenario, String mode, String tag) {
        for (JsonNode r : results) {
            if (r.path("measurement").asText().equals(m) && r.path("engine").asText().equals(engine)
                    && r.path("tag").asText().equals(tag)
                    && r.path("scenario").asText().equals(scenario) && r.path("mode").asText().equals(mode)) {
                return r;
            }
        }
        return null;
    }

    private static List<JsonNode> all(ArrayNode results, String m) {
        List<JsonNode> out = new ArrayList<>();
        results.forEach(r -> {
            if (r.path("measurement").asText().equals(m)) {
                out.add(r);
            }
        });
        return out;
    }

    private static String rate(JsonNode r) {
        return r == null ? "-" : big(r.get("median").asDouble());
    }

    static String big(double d) {
        if (d >= 1e6) {
            return String.format(Locale.ROOT, "%.2f M", d / 1e6);
        }
        if (d >= 1e3) {
            return String.format(Locale.ROOT, "%.1f k", d / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", d);
    }

    private static String ratio(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", a.get("median").asDouble() / b.get("median").asDouble());
    }

    /** "same (n)" when every engine that ran found the same matches, else each engine's. */
    private static String matches(JsonNode... rs) {
        String first = null;
        boolean same = true;
        StringBuilder all = new StringBuilder();
        String[] names = {"vigil", "esper", "siddhi"};
        for (int i = 0; i < rs.length; i++) {
            if (rs[i] == null) {
                continue;
            }
            String m = rs[i].get("matches").toString();
            all.append(all.length() == 0 ? "" : " ").append(names[i]).append('=').append(m);
            if (first == null) {
                first = m;
            } else if (!first.equals(m)) {
                same = false;
            }
        }
        return same ? "same " + first : "DIFFER " + all;
    }
}
