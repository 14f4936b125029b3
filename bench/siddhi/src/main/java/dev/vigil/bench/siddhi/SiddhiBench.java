package dev.vigil.bench.siddhi;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.siddhi.core.SiddhiAppRuntime;
import io.siddhi.core.SiddhiManager;
import io.siddhi.core.event.Event;
import io.siddhi.core.stream.input.InputHandler;
import io.siddhi.core.stream.output.StreamCallback;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Measurement 1 on Siddhi 5.1.21, in its own JVM (Siddhi needs ANTLR 4.7.2). The same rules in
 * SiddhiQL; each line parsed from the JSONL bytes with Jackson's streaming parser inside the timed
 * loop ({@code json} mode) or before the timer starts ({@code parsed} mode); event time drives
 * Siddhi's clock through {@code @app:playback}, each event sent with its own timestamp. Every pass
 * starts a fresh Siddhi app runtime. Prints one {@code RESULT {json}} line per mode.
 *
 * <pre>
 * SiddhiBench --scenario filter|pattern|sliding|fraud4 --file events.jsonl [--events N]
 *             [--warmup W] [--repeats R] [--modes json,parsed]
 * </pre>
 */
public final class SiddhiBench {
    static final String HEAD = """
            @app:name('vigil_bench')
            @app:playback
            define stream Transaction (cardId string, amount double, merchant string, country string, at long);
            """;

    static final Map<String, String> RULES = Map.of(
            "big_foreign_purchase", """
                    @info(name = 'big_foreign_purchase')
                    from Transaction[amount >= 1000.0 and not (country == 'US' or country == 'CA')]
                    select cardId, amount, merchant, country
                    insert into big_foreign_purchase;
                    """,
            "card_testing", """
                    @info(name = 'card_testing')
                    from every a=Transaction[amount < 2.0] -> b=Transaction[amount > 500.0 and cardId == a.cardId]
                        within 10 min
                    select a.cardId as cardId, a.amount as testAmount, a.merchant as testMerchant,
                           b.amount as amount, b.merchant as merchant
                    insert into card_testing;
                    """,
            "velocity", """
                    @info(name = 'velocity')
                    from Transaction#window.time(5 min)
                    select cardId, count() as n, sum(amount) as total
                    group by cardId
                    insert all events into velocity;
                    """,
            "impossible_travel", """
                    @info(name = 'impossible_travel')
                    from every a=Transaction -> b=Transaction[cardId == a.cardId and country != a.country]
                        within 1 hour
                    select b.cardId as cardId, a.country as fromCountry, b.country as toCountry,
                           b.amount as amount, b.merchant as merchant
                    insert into impossible_travel;
                    """);

    static final Map<String, List<String>> SCENARIOS = Map.of(
            "filter", List.of("big_foreign_purchase"),
            "pattern", List.of("card_testing"),
            "sliding", List.of("velocity"),
            "fraud4", List.of("card_testing", "velocity", "impossible_travel", "big_foreign_purchase"));

    private static final JsonFactory JSON = new JsonFactory();

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].substring(2), args[i + 1]);
        }
        String scenario = o.get("scenario");
        List<String> rules = SCENARIOS.get(scenario);
        if (rules == null) {
            throw new IllegalArgumentException("unknown --scenario " + scenario);
        }
        int limit = Integer.parseInt(o.getOrDefault("events", "2000000"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "3"));
        int repeats = Integer.parseInt(o.getOrDefault("repeats", "5"));
        List<String> modes = List.of(o.getOrDefault("modes", "json,parsed").split(","));
        byte[] bytes = Files.readAllBytes(Path.of(o.get("file")));
        int[][] lines = lines(bytes, limit);
        int n = lines[0].length;
        StringBuilder app = new StringBuilder(HEAD);
        for (String r : rules) {
            app.append(RULES.get(r));
        }
        SiddhiManager manager = new SiddhiManager();
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, Map<String, Long>> matches = new LinkedHashMap<>();
        modes.forEach(m -> rates.put(m, new ArrayList<>()));
        Object[][] parsedRows = null;
        long[] parsedTimes = null;
        for (int pass = 0; pass < warmup + repeats; pass++) {
            for (String mode : modes) {
                boolean parsed = mode.equals("parsed");
                SiddhiAppRuntime rt = manager.createSiddhiAppRuntime(app.toString());
                Map<String, long[]> counts = new LinkedHashMap<>();
                for (String r : rules) {
                    long[] c = new long[1];
                    counts.put(r, c);
                    rt.addCallback(r, r.equals("velocity") ? transitions(c) : fires(c));
                }
                rt.start();
                InputHandler in = rt.getInputHandler("Transaction");
                if (parsed) {
                    parsedRows = new Object[n][];
                    parsedTimes = new long[n];
                    for (int i = 0; i < n; i++) {
                        parsedRows[i] = parse(bytes, lines[0][i], lines[1][i]);
                        parsedTimes[i] = (Long) parsedRows[i][4];
                    }
                }
                System.gc();
                long t0 = System.nanoTime();
                if (parsed) {
                    for (int i = 0; i < n; i++) {
                        in.send(parsedTimes[i], parsedRows[i]);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        Object[] row = parse(bytes, lines[0][i], lines[1][i]);
                        in.send((Long) row[4], row);
                    }
                }
                long t1 = System.nanoTime();
                rt.shutdown();
                parsedRows = null;
                Map<String, Long> found = new LinkedHashMap<>();
                counts.forEach((k, v) -> found.put(k, v[0]));
                double rate = n / ((t1 - t0) / 1e9);
                boolean measured = pass >= warmup;
                System.err.printf("siddhi %s %s pass %d%s: %.1f events/s, matches %s%n", scenario, mode, pass,
                        measured ? "" : " (warm-up)", rate, found);
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
            List<Double> r = rates.get(mode);
            StringBuilder m = new StringBuilder("{");
            int i = 0;
            for (Map.Entry<String, Long> e : matches.get(mode).entrySet()) {
                m.append(i++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": ").append(e.getValue());
            }
            m.append('}');
            StringBuilder passes = new StringBuilder("[");
            for (int j = 0; j < r.size(); j++) {
                passes.append(j == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", r.get(j)));
            }
            passes.append(']');
            System.out.println("RESULT {\"measurement\": \"replay\", \"engine\": \"siddhi\", \"scenario\": \"" + scenario
                    + "\", \"mode\": \"" + mode + "\", \"events\": " + n + ", \"warmup\": " + warmup
                    + ", \"repeats\": " + repeats + ", \"median\": " + String.format(Locale.ROOT, "%.1f", median(r))
                    + ", \"passes\": " + passes + ", \"matches\": " + m + "}");
        }
        manager.shutdown();
    }

    /** Filter and pattern rules: every output row is a match. */
    private static StreamCallback fires(long[] count) {
        return new StreamCallback() {
            @Override
            public void receive(Event[] events) {
                for (Event e : events) {
                    if (!e.isExpired() && e.getData(0) != null) {
                        count[0]++;
                    }
                }
            }
        };
    }

    /**
     * The sliding count: arrival and expiry rows both carry the group's count after the change; a
     * match is a firing transition per card (count below 5, then 5 or more), as the spec defines it.
     */
    private static StreamCallback transitions(long[] count) {
        Set<String> firing = new HashSet<>();
        return new StreamCallback() {
            @Override
            public void receive(Event[] events) {
                for (Event e : events) {
                    String card = (String) e.getData(0);
                    if (((Long) e.getData(1)) >= 5) {
                        if (firing.add(card)) {
                            count[0]++;
                        }
                    } else {
                        firing.remove(card);
                    }
                }
            }
        };
    }

    /** One envelope line to {cardId, amount, merchant, country, at (epoch ms)}, streaming. */
    static Object[] parse(byte[] bytes, int from, int to) {
        Object[] row = new Object[5];
        try (JsonParser p = JSON.createParser(bytes, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalStateException("not an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("data") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String f = p.currentName();
                        p.nextToken();
                        switch (f) {
                            case "cardId" -> row[0] = p.getText();
                            case "amount" -> row[1] = p.getDoubleValue();
                            case "merchant" -> row[2] = p.getText();
                            case "country" -> row[3] = p.getText();
                            case "at" -> row[4] = isoMillis(p.getText());
                            default -> p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return row;
    }

    static long isoMillis(String s) {
        if (s.length() != 24 || s.charAt(23) != 'Z') {
            return java.time.Instant.parse(s).toEpochMilli();
        }
        int y = d(s, 0, 4);
        int mo = d(s, 5, 2);
        int da = d(s, 8, 2);
        y -= mo <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + da - 1;
        long days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
        return ((days * 24 + d(s, 11, 2)) * 60 + d(s, 14, 2)) * 60_000L + d(s, 17, 2) * 1000L + d(s, 20, 3);
    }

    private static int d(String s, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    /** Start and end offsets of the first {@code limit} non-empty lines. */
    static int[][] lines(byte[] all, int limit) {
        int[] s = new int[1 << 16];
        int[] e = new int[1 << 16];
        int n = 0;
        int pos = 0;
        while (pos < all.length && n < limit) {
            int nl = pos;
            while (nl < all.length && all[nl] != '\n') {
                nl++;
            }
            if (nl > pos) {
                if (n == s.length) {
                    s = Arrays.copyOf(s, n * 2);
                    e = Arrays.copyOf(e, n * 2);
                }
                s[n] = pos;
                e[n] = nl;
                n++;
            }
            pos = nl + 1;
        }
        return new int[][] {Arrays.copyOf(s, n), Arrays.copyOf(e, n)};
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int k = a.length;
        return k == 0 ? Double.NaN : k % 2 == 1 ? a[k / 2] : (a[k / 2 - 1] + a[k / 2]) / 2;
    }
}
