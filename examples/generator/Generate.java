import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Generates the recorded examples of examples/fraud, examples/stock and examples/health.
 *
 * <pre>
 * java examples/generator/Generate.java DOMAIN OUT_DIR [--events N] [--seed S]
 *                                       [--cards N] [--skus N] [--patients N]
 * </pre>
 *
 * DOMAIN is fraud, stock or health. Writes OUT_DIR/events.jsonl (envelope form, in time order,
 * every event at its own millisecond) and OUT_DIR/expected-alerts.jsonl, and prints the planted
 * scenarios with the alerts each must raise. The output depends only on the arguments.
 *
 * <p>Every file has two kinds of traffic:
 * <ul>
 * <li>background: many cards, SKUs or patients behaving normally. Its parameters are bounded so
 *     that no rule of rules/DOMAIN.rules can ever match it (the argument is written next to each
 *     generator below); it raises no alert, apart from the unavoidable end-of-input ones of
 *     `monitor_silent` in health (every patient's monitor "goes silent" when the recording ends).
 * <li>planted scenarios: a few dedicated cards, SKUs or patients (ids in the 9000s) whose events
 *     are written to trigger specific rules, or to miss them narrowly.
 * </ul>
 * The expected alerts are derived from the planted events by applying the language spec
 * (shared/spec/rules-language.md) rule by rule, in code written for these rules alone
 * ({@link Derive}), not by running the engine; the report says for each scenario why it raises
 * what it raises.
 *
 * <p>Large volumes stream to disk: `--events 1000000` for fraud (10 000 cards) runs in seconds.
 * The planted scenarios are the same at every volume, so expected-alerts.jsonl holds for a
 * benchmark file too.
 */
public final class Generate {
    static final long SEC = 1000L;
    static final long MIN = 60 * SEC;
    static final long HOUR = 60 * MIN;
    /** The recordings start here (a Saturday). */
    static final long BASE = Instant.parse("2026-11-21T08:00:00Z").toEpochMilli();

    static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            usage("a domain and an output folder are required");
        }
        String domain = args[0];
        Path out = Path.of(args[1]);
        Map<String, Long> opts = new HashMap<>();
        for (int i = 2; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                usage("unexpected argument " + a);
            }
            String name = a.substring(2);
            if (!List.of("events", "seed", "cards", "skus", "patients").contains(name)) {
                usage("unknown option " + a);
            }
            try {
                opts.put(name, Long.parseLong(args[++i].replace("_", "")));
            } catch (NumberFormatException e) {
                usage(a + " takes a number, not " + args[i]);
            }
        }
        long events = opts.getOrDefault("events", 5000L);
        long seed = opts.getOrDefault("seed", 1L);
        if (events < 1) {
            usage("--events must be positive");
        }
        Files.createDirectories(out);
        Domain d = switch (domain) {
            case "fraud" -> new Fraud(events, seed, opts.getOrDefault("cards", Math.max(200, events / 100)));
            case "stock" -> new Stock(events, seed, opts.getOrDefault("skus", Math.max(40, events / 125)));
            case "health" -> new Health(events, seed, opts.getOrDefault("patients", Math.max(20, events / 250)));
            default -> {
                usage("unknown domain " + domain + " (fraud, stock or health)");
                yield null;
            }
        };
        d.run(out);
    }

    static void usage(String problem) {
        System.err.println("Generate: " + problem);
        System.err.println("usage: java examples/generator/Generate.java fraud|stock|health OUT_DIR"
                + " [--events N] [--seed S] [--cards N] [--skus N] [--patients N]");
        System.exit(2);
    }

    // =============================================================================================
    // Events, sources and the merge

    /** One event: its type, time and data fields in declaration order (the time field last). */
    static final class Ev {
        final String type;
        long t;
        final String[] names;
        final Object[] values;
        /** The scenario that planted it, or null for background. */
        Scenario scenario;
        String id;

        Ev(String type, long t, String[] names, Object... values) {
            this.type = type;
            this.t = t;
            this.names = names;
            this.values = values;
        }

        Object get(String name) {
            for (int i = 0; i < names.length; i++) {
                if (names[i].equals(name)) {
                    return values[i];
                }
            }
            throw new IllegalArgumentException(type + " has no field " + name);
        }

        String s(String name) {
            return (String) get(name);
        }

        double d(String name) {
            return ((Number) get(name)).doubleValue();
        }

        int i(String name) {
            return ((Number) get(name)).intValue();
        }
    }

    /**
     * Something that produces events in time order. The merge asks {@link #next()} for the time of
     * the next event, and {@link #emit(long)} for the event, at that time or, when another event
     * already holds that millisecond, a little later.
     */
    interface Source {
        /** The time of the next event, or Long.MAX_VALUE when there are no more. */
        long next();

        Ev emit(long t);

        /** Planted sources go first when two sources want the same millisecond. */
        default int priority() {
            return 1;
        }
    }

    /** A fixed list of planted events (sorted by time when added to the merge). */
    static final class Planted implements Source {
        final List<Ev> events = new ArrayList<>();
        int at;

        @Override
        public long next() {
            return at < events.size() ? events.get(at).t : Long.MAX_VALUE;
        }

        @Override
        public Ev emit(long t) {
            Ev e = events.get(at++);
            e.t = t;
            return e;
        }

        @Override
        public int priority() {
            return 0;
        }
    }

    /** A planted scenario: what it is for, its events, and the alerts derived from them. */
    static final class Scenario {
        final String name;
        final String story;
        final List<Ev> events = new ArrayList<>();
        final List<Alert> alerts = new ArrayList<>();
        /** What the scenario was written to raise, as "rule status" lines; checked against the derivation. */
        final List<String> intended = new ArrayList<>();
        /** Long scenarios: the report shows the events near an alert and in these [from, to] intervals. */
        final List<long[]> focus = new ArrayList<>();

        Scenario(String name, String story, String... intended) {
            this.name = name;
            this.story = story;
            this.intended.addAll(List.of(intended));
        }
    }

    /** A binary heap of sources by (time of next event, priority, order added); no boxing. */
    static final class Heap {
        long[] times;
        int[] ranks;
        Source[] sources;
        int size;

        Heap(int capacity) {
            times = new long[Math.max(1, capacity)];
            ranks = new int[times.length];
            sources = new Source[times.length];
        }

        void add(long time, int priority, int order, Source s) {
            int i = size++;
            times[i] = time;
            ranks[i] = priority == 0 ? order : order + (1 << 30);
            sources[i] = s;
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (!less(i, parent)) {
                    break;
                }
                swap(i, parent);
                i = parent;
            }
        }

        Source top() {
            return sources[0];
        }

        long topTime() {
            return times[0];
        }

        int topOrder() {
            return ranks[0] & ((1 << 30) - 1);
        }

        void pop() {
            size--;
            times[0] = times[size];
            ranks[0] = ranks[size];
            sources[0] = sources[size];
            sources[size] = null;
            int i = 0;
            while (true) {
                int l = 2 * i + 1;
                int r = l + 1;
                int m = i;
                if (l < size && less(l, m)) {
                    m = l;
                }
                if (r < size && less(r, m)) {
                    m = r;
                }
                if (m == i) {
                    return;
                }
                swap(i, m);
                i = m;
            }
        }

        private boolean less(int a, int b) {
            return times[a] < times[b] || (times[a] == times[b] && ranks[a] < ranks[b]);
        }

        private void swap(int a, int b) {
            long t = times[a];
            times[a] = times[b];
            times[b] = t;
            int r = ranks[a];
            ranks[a] = ranks[b];
            ranks[b] = r;
            Source s = sources[a];
            sources[a] = sources[b];
            sources[b] = s;
        }
    }

    /** An expected alert. A null message is not compared (not stable, or not meaningful). */
    record Alert(String rule, String status, String keyName, String keyValue, long t, String severity,
                 String message, String why) {
        String json() {
            StringBuilder sb = new StringBuilder("{\"rule\": ").append(q(rule))
                    .append(", \"status\": ").append(q(status))
                    .append(", \"key\": {").append(q(keyName)).append(": ").append(q(keyValue)).append("}")
                    .append(", \"time\": ").append(q(ISO.format(Instant.ofEpochMilli(t))))
                    .append(", \"severity\": ").append(q(severity));
            if (message != null) {
                sb.append(", \"message\": ").append(q(message));
            }
            return sb.append("}").toString();
        }
    }

    /** Common driver: merge the sources into events.jsonl, then derive and write the expected alerts. */
    abstract static class Domain {
        final long target;
        final SplittableRandom rnd;
        final List<Scenario> scenarios = new ArrayList<>();
        final List<Source> sources = new ArrayList<>();
        final Planted planted = new Planted();
        long count;
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        final String name;

        Domain(String name, long target, long seed) {
            this.name = name;
            this.target = target;
            this.rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
        }

        /** True once the background has produced enough: background sources then wind down. */
        boolean stopping() {
            return count >= target;
        }

        /** A random jitter in [0, 1 s), so that planted times fall on no round second. */
        long ms() {
            return rnd.nextLong(1000);
        }

        Scenario scenario(String name, String story, String... intended) {
            Scenario s = new Scenario(name, story, intended);
            scenarios.add(s);
            return s;
        }

        /** Plants an event of a scenario. */
        Ev plant(Scenario s, Ev e) {
            e.scenario = s;
            s.events.add(e);
            planted.events.add(e);
            return e;
        }

        abstract void build();

        /** Called for every event written, in order. */
        void written(Ev e) {
        }

        abstract void derive();

        /** The longest duration any rule of the domain uses: the clock advances by it at the end. */
        abstract long longest();

        void run(Path out) throws IOException {
            build();
            planted.events.sort(Comparator.comparingLong(e -> e.t));
            sources.add(planted);
            Heap queue = new Heap(sources.size());
            for (int i = 0; i < sources.size(); i++) {
                Source s = sources.get(i);
                if (s.next() != Long.MAX_VALUE) {
                    queue.add(s.next(), s.priority(), i, s);
                }
            }
            Path file = out.resolve("events.jsonl");
            try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(file),
                    StandardCharsets.UTF_8), 1 << 16)) {
                StringBuilder sb = new StringBuilder(256);
                while (queue.size > 0) {
                    Source s = queue.top();
                    long t = Math.max(queue.topTime(), last + 1);
                    int order = queue.topOrder();
                    queue.pop();
                    Ev e = s.emit(t);
                    if (e != null) {
                        e.t = t;
                        count++;
                        e.id = id(name, count);
                        first = Math.min(first, t);
                        last = t;
                        sb.setLength(0);
                        json(e, sb);
                        w.append(sb);
                        written(e);
                    }
                    long n = s.next();
                    if (n != Long.MAX_VALUE) {
                        queue.add(n, s.priority(), order, s);
                    }
                }
            }
            derive();
            List<Alert> all = new ArrayList<>();
            StringBuilder report = new StringBuilder();
            report.append(String.format(Locale.ROOT, "%s: %d events from %s to %s, written to %s%n", name, count,
                    iso(first), iso(last), file));
            report.append(String.format(Locale.ROOT, "end of input: the clock advances by %s, to %s%n%n",
                    duration(longest()), iso(last + longest())));
            boolean mismatch = false;
            for (Scenario s : scenarios) {
                s.alerts.sort(Comparator.comparingLong(Alert::t).thenComparing(Alert::rule).thenComparing(Alert::status)
                        .thenComparing(Alert::keyValue));
                report.append("## ").append(s.name).append("\n").append(s.story).append("\n");
                int hidden = 0;
                for (Ev e : s.events) {
                    if (s.events.size() > 40 && s.alerts.stream().noneMatch(
                            a -> a.t <= last && e.t >= a.t - 11 * MIN && e.t <= a.t + 30 * SEC)
                            && s.focus.stream().noneMatch(f -> e.t >= f[0] && e.t <= f[1])) {
                        hidden++; // long scenarios: only the events near an alert
                        continue;
                    }
                    report.append("    event  ").append(iso(e.t)).append("  ").append(e.type).append(" ")
                            .append(data(e)).append("\n");
                }
                if (hidden > 0) {
                    report.append("    (and ").append(hidden).append(" more events, not near an alert)\n");
                }
                if (s.alerts.isEmpty()) {
                    report.append("    alert  (none)\n");
                }
                List<String> got = new ArrayList<>();
                for (Alert a : s.alerts) {
                    got.add(a.rule + " " + a.status);
                    report.append("    alert  ").append(iso(a.t)).append("  ").append(a.rule).append(" ")
                            .append(a.status).append(" ").append(a.keyValue)
                            .append(a.message != null ? "  \"" + a.message + "\"" : "").append("\n")
                            .append("           because ").append(a.why).append("\n");
                }
                if (!got.equals(s.intended)) {
                    mismatch = true;
                    report.append("    !! the scenario was written to raise ").append(s.intended).append("\n");
                }
                report.append("\n");
                all.addAll(s.alerts);
            }
            all.sort(Comparator.comparingLong(Alert::t).thenComparing(Alert::rule).thenComparing(Alert::keyValue)
                    .thenComparing(Alert::status));
            try (Writer w = Files.newBufferedWriter(out.resolve("expected-alerts.jsonl"), StandardCharsets.UTF_8)) {
                for (Alert a : all) {
                    w.write(a.json());
                    w.write("\n");
                }
            }
            report.append(all.size()).append(" expected alerts written to ").append(out.resolve("expected-alerts.jsonl"));
            System.out.println(report);
            if (mismatch) {
                System.err.println("Generate: some scenario does not raise what it was written to raise (see !! above)");
                System.exit(1);
            }
        }
    }

    // =============================================================================================
    // Fraud

    static final String[] TX = {"cardId", "amount", "merchant", "country", "at"};

    static Ev tx(long t, String card, double amount, String merchant, String country) {
        return new Ev("Transaction", t, TX, card, amount, merchant, country, null);
    }

    /**
     * Background: every card has one home country and never leaves it (no impossible_travel); its
     * purchases are 5.00 to 400.00 (no card_testing, which needs a charge under 2 and one over
     * 500; no merchant_probing, which counts charges under 2; no big_foreign_purchase, which needs
     * 1 000) and at least 15 minutes apart (at most one in any 5 minutes, so no velocity; every
     * session of the 10-minute spending_spree holds one purchase of at most 400).
     */
    static final class Fraud extends Domain {
        final long cards;
        static final String[] MERCHANTS = new String[800];

        static {
            for (int i = 0; i < MERCHANTS.length; i++) {
                MERCHANTS[i] = String.format(Locale.ROOT, "m-%04d", i + 1);
            }
        }

        static final String[] COUNTRIES = {"US", "US", "US", "US", "US", "US", "US", "US", "US", "US",
            "CA", "CA", "CA", "GB", "GB", "FR", "DE", "DE", "ES", "IT", "NL", "MX"};

        Fraud(long target, long seed, long cards) {
            super("fraud", target, seed);
            if (cards < 1 || cards > 800_000) {
                usage("--cards must be between 1 and 800000");
            }
            this.cards = cards;
        }

        @Override
        long longest() {
            return HOUR; // impossible_travel: within 1 h (and throttle 1 h)
        }

        final class Card implements Source {
            final String id;
            final String country;
            long next;

            Card(int n) {
                id = String.format(Locale.ROOT, "c-%06d", n);
                country = COUNTRIES[rnd.nextInt(COUNTRIES.length)];
                next = BASE + rnd.nextLong(30 * MIN);
            }

            @Override
            public long next() {
                return next;
            }

            @Override
            public Ev emit(long t) {
                if (stopping()) {
                    next = Long.MAX_VALUE;
                    return null;
                }
                // Amounts: log-normal around 45, clipped to [5, 400], in cents.
                double a = Math.exp(Math.log(45) + 0.8 * gaussian());
                long cents = Math.round(Math.min(400, Math.max(5, a)) * 100);
                String merchant = MERCHANTS[rnd.nextInt(MERCHANTS.length)];
                // At least 15 minutes to the next purchase of this card.
                next = stopping() ? Long.MAX_VALUE : t + 15 * MIN + (long) (-Math.log(1 - rnd.nextDouble()) * 15 * MIN);
                return tx(t, id, cents / 100.0, merchant, country);
            }
        }

        double gaussian() {
            double u = 1 - rnd.nextDouble();
            double v = rnd.nextDouble();
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
        }

        /** Start of the k-th scenario: one every 30 minutes from 1 h in, at a random millisecond. */
        long start(int k) {
            return BASE + HOUR + k * 30 * MIN + rnd.nextLong(MIN);
        }

        void t(Scenario s, long t, String card, double amount, String merchant, String country) {
            plant(s, tx(t + ms(), card, amount, merchant, country));
        }

        @Override
        void build() {
            for (int i = 1; i <= cards; i++) {
                sources.add(new Card(i));
            }
            long s;
            Scenario f1 = scenario("F1 card testing", """
                    Card c-900101 pays 1.00, then 849.99 four minutes later: card_testing fires at the
                    large purchase. A small purchase later on changes nothing.""", "card_testing firing");
            s = start(0);
            t(f1, s, "c-900101", 1.00, "m-9101", "US");
            t(f1, s + 4 * MIN, "c-900101", 849.99, "m-9102", "US");
            t(f1, s + 25 * MIN, "c-900101", 62.40, "m-9103", "US");

            Scenario f2 = scenario("F2 card testing, repeated, throttled", """
                    Card c-900201: two test charges of 1.00, then 1200.00: both attempts complete at the
                    large purchase, one alert is sent and the other suppressed (throttle 30 min, same
                    message). 1.50 then 700.00 at +15/+18 min completes again, suppressed (15 min after
                    the sent one). 0.99 then 650.00 at +40/+45 min: 42 min after the sent one, sent.""",
                    "card_testing firing", "card_testing firing");
            s = start(1);
            t(f2, s, "c-900201", 1.00, "m-9201", "US");
            t(f2, s + MIN, "c-900201", 1.00, "m-9201", "US");
            t(f2, s + 3 * MIN, "c-900201", 1200.00, "m-9202", "US");
            t(f2, s + 15 * MIN, "c-900201", 1.50, "m-9203", "US");
            t(f2, s + 18 * MIN, "c-900201", 700.00, "m-9204", "US");
            t(f2, s + 40 * MIN, "c-900201", 0.99, "m-9205", "US");
            t(f2, s + 45 * MIN, "c-900201", 650.00, "m-9206", "US");

            Scenario f3 = scenario("F3 card testing, too late and just in time", """
                    Card c-900301: 1.25, then 900.00 10 min 30 s later: outside `within 10 min`, no alert.
                    Then 0.50, and 510.00 9 min 50 s later: fires.""", "card_testing firing");
            s = start(2);
            t(f3, s, "c-900301", 1.25, "m-9301", "US");
            t(f3, s + 10 * MIN + 30 * SEC, "c-900301", 900.00, "m-9302", "US");
            t(f3, s + 30 * MIN, "c-900301", 0.50, "m-9303", "US");
            t(f3, s + 39 * MIN + 50 * SEC - 1000, "c-900301", 510.00, "m-9304", "US");

            Scenario f4 = scenario("F4 velocity", """
                    Card c-900401 makes six purchases 30 s apart: the fifth makes five in 5 minutes
                    (fires); the first sliding out leaves five; the second sliding out leaves four
                    (resolves, 5 min after the second purchase).""", "velocity firing", "velocity resolved");
            s = start(3);
            double[] amounts = {25.00, 41.50, 18.75, 60.00, 33.20, 47.90};
            for (int i = 0; i < amounts.length; i++) {
                t(f4, s + i * 30 * SEC, "c-900401", amounts[i], "m-940" + (i + 1), "GB");
            }

            Scenario f5 = scenario("F5 impossible travel, throttled", """
                    Card c-900501 pays in the US twice, then in France 47 min after the first: both US
                    purchases started attempts that complete at the French one (35 and 47 min, within
                    1 h): one alert sent, the identical second suppressed (throttle 1 h). Back in the US
                    70 min after France: the French attempt expired, no alert.""", "impossible_travel firing");
            s = start(4);
            t(f5, s, "c-900501", 120.00, "m-9501", "US");
            t(f5, s + 12 * MIN, "c-900501", 35.60, "m-9502", "US");
            t(f5, s + 47 * MIN, "c-900501", 320.00, "m-9503", "FR");
            t(f5, s + 117 * MIN, "c-900501", 88.00, "m-9504", "US");

            Scenario f6 = scenario("F6 impossible travel and a big foreign purchase", """
                    Card c-900601 pays in Canada, then 2400.00 in Great Britain 25 min later:
                    impossible_travel and big_foreign_purchase fire. Another British purchase at +40 min
                    starts an attempt; the Canadian purchase at +90 min completes it (50 min) but not the
                    one from +25 min (65 min, expired); 65 min after the first alert, past the throttle,
                    so it is sent.""",
                    "big_foreign_purchase firing", "impossible_travel firing", "impossible_travel firing");
            s = start(5);
            t(f6, s, "c-900601", 45.00, "m-9601", "CA");
            t(f6, s + 25 * MIN, "c-900601", 2400.00, "m-9602", "GB");
            t(f6, s + 40 * MIN, "c-900601", 80.00, "m-9603", "GB");
            t(f6, s + 90 * MIN, "c-900601", 52.00, "m-9604", "CA");

            Scenario f7 = scenario("F7 merchant probing, and one probed card used", """
                    Six new cards each pay 1.00 at merchant m-9701, 25 s apart: the fifth distinct card
                    fires merchant_probing; the first charge sliding out (10 min later) leaves five; the
                    second leaves four (resolves). One of the cards, c-900703, then spends 999.00
                    elsewhere within 4 minutes: card_testing fires.""",
                    "merchant_probing firing", "card_testing firing", "merchant_probing resolved");
            s = start(6);
            for (int i = 0; i < 6; i++) {
                t(f7, s + i * 25 * SEC, "c-90070" + (i + 1), 1.00, "m-9701", "US");
            }
            t(f7, s + 4 * MIN, "c-900703", 999.00, "m-9702", "US");

            Scenario f8 = scenario("F8 spending spree", """
                    Card c-900801: 950, 1200, 780 and 690 with gaps of 3, 4 and 5 min, one session: the
                    total passes 3000 at the fourth purchase (fires); the session closes 10 min after it
                    (resolves). A purchase 40 min later opens a new session.""",
                    "spending_spree firing", "spending_spree resolved");
            s = start(7);
            t(f8, s, "c-900801", 950.00, "m-9801", "US");
            t(f8, s + 3 * MIN, "c-900801", 1200.00, "m-9802", "US");
            t(f8, s + 7 * MIN, "c-900801", 780.00, "m-9803", "US");
            t(f8, s + 12 * MIN, "c-900801", 690.00, "m-9804", "US");
            t(f8, s + 52 * MIN, "c-900801", 150.00, "m-9805", "US");

            Scenario f9 = scenario("F9 near misses, and a big purchase abroad", """
                    c-900901: 1500.00 in Canada (North America: no alert). c-900902: 999.99 in Germany
                    (under 1000: no alert). c-900903: 1850.00 in Germany: big_foreign_purchase fires.
                    c-900904: 1400, 1300, 290 in one session (2990, not over 3000). c-900905: 1800 and
                    1400 in one session (over 3000 but two purchases).""", "big_foreign_purchase firing");
            s = start(8);
            t(f9, s, "c-900901", 1500.00, "m-9901", "CA");
            t(f9, s + 2 * MIN, "c-900902", 999.99, "m-9902", "DE");
            t(f9, s + 4 * MIN, "c-900903", 1850.00, "m-9903", "DE");
            t(f9, s + 6 * MIN, "c-900904", 1400.00, "m-9904", "US");
            t(f9, s + 10 * MIN, "c-900904", 1300.00, "m-9905", "US");
            t(f9, s + 14 * MIN, "c-900904", 290.00, "m-9906", "US");
            t(f9, s + 16 * MIN, "c-900905", 1800.00, "m-9907", "US");
            t(f9, s + 19 * MIN, "c-900905", 1400.00, "m-9908", "US");
        }

        @Override
        void derive() {
            long end = last + longest();
            for (Scenario sc : scenarios) {
                List<Ev> evs = sc.events;
                Map<String, List<Ev>> byCard = Derive.groupBy(evs, e -> e.s("cardId"));
                List<Alert> raw = new ArrayList<>();
                for (List<Ev> card : byCard.values()) {
                    raw.addAll(Derive.followedBy("card_testing", "critical", "cardId", card,
                            a -> a.d("amount") < 2, (a, b) -> b.d("amount") > 500, 10 * MIN,
                            (a, b) -> "Card " + a.s("cardId") + ": test charge " + f2(a.d("amount")) + " at "
                                    + a.s("merchant") + ", then " + f2(b.d("amount")) + " at " + b.s("merchant"),
                            "the charge of %s under 2 at %s is followed by %s over 500 at %s, within 10 min"));
                    raw.addAll(Derive.followedBy("impossible_travel", "high", "cardId", card,
                            a -> true, (a, b) -> !b.s("country").equals(a.s("country")), HOUR,
                            (a, b) -> "Card " + b.s("cardId") + ": used in " + a.s("country") + ", then in "
                                    + b.s("country") + " (" + f2(b.d("amount")) + " at " + b.s("merchant") + ")",
                            "the purchase of %s at %s is followed by one of %s in another country at %s, within 1 h"));
                    raw.addAll(Derive.sliding("velocity", "warning", "cardId", card, 5 * MIN, 0, end,
                            w -> w.size() >= 5,
                            w -> "Card " + w.get(0).s("cardId") + ": " + w.size() + " purchases, "
                                    + f2(Derive.sum(w, "amount")) + " in total, in 5 minutes"));
                    raw.addAll(Derive.session("spending_spree", "warning", "cardId", card, 10 * MIN, end,
                            w -> Derive.sum(w, "amount") > 3000 && w.size() >= 3,
                            w -> "Card " + w.get(0).s("cardId") + ": " + w.size() + " purchases totalling "
                                    + f2(Derive.sum(w, "amount")) + " in one session"));
                }
                for (Ev e : evs) {
                    if (e.d("amount") >= 1000 && !List.of("US", "CA").contains(e.s("country"))) {
                        raw.add(new Alert("big_foreign_purchase", "firing", "cardId", e.s("cardId"), e.t, "high",
                                "Card " + e.s("cardId") + ": " + f2(e.d("amount")) + " at " + e.s("merchant")
                                        + " in " + e.s("country"),
                                "a purchase of " + f2(e.d("amount")) + " (1000 or more) in " + e.s("country")));
                    }
                }
                List<Ev> tiny = evs.stream().filter(e -> e.d("amount") < 2).toList();
                for (List<Ev> merchant : Derive.groupBy(tiny, e -> e.s("merchant")).values()) {
                    raw.addAll(Derive.sliding("merchant_probing", "high", "merchant", merchant, 10 * MIN, 0, end,
                            w -> Derive.distinct(w, "cardId") >= 5,
                            w -> "Merchant " + w.get(0).s("merchant") + ": tiny charges on "
                                    + Derive.distinct(w, "cardId") + " different cards in 10 minutes"));
                }
                raw = Derive.throttle(raw, "card_testing", 30 * MIN);
                raw = Derive.throttle(raw, "impossible_travel", HOUR);
                sc.alerts.addAll(raw);
            }
        }
    }

    // =============================================================================================
    // Stock

    static final String[] LEVEL = {"sku", "warehouse", "quantity", "reorderLevel", "at"};
    static final String[] SALE = {"sku", "quantity", "price", "at"};
    static final String[] REORDER = {"sku", "supplier", "quantity", "at"};
    static final String[] RESTOCK = {"sku", "quantity", "at"};
    static final String[] WAREHOUSES = {"WH-EAST", "WH-WEST", "WH-NORTH"};
    static final String[] SUPPLIERS = {"Acme", "Globex", "Initech", "Umbrella"};

    /**
     * Background: every SKU is counted every 15 minutes (give or take 30 s) and sells 1 to 3 units at
     * a time, at least 10 minutes apart. Its reorder level is 20 to 50 and it starts 60 to 200 above.
     * When a sale leaves fewer than reorder level + 40, a reorder for 150 goes out 1 to 5 minutes
     * later and is restocked 30 to 90 minutes after that. So:
     * <ul>
     * <li>a sale that triggers a reorder leaves at least level + 37; until the restock (at most
     *     95 minutes) at most 9 more sales, 27 units, follow: the count never drops below level + 10
     *     (no low_stock, no stock_out);
     * <li>between two counts (at most 16 minutes) at most 2 sales, 6 units, against a count of at least
     *     30: never a fall by half (no sudden_drop);
     * <li>at most 6 sales of 3 units, 18, in any hour (no sell_through_spike, which needs 40);
     * <li>every reorder is restocked within 95 minutes (no restock_overdue), also at the end of the
     *     recording: the background stops counting and selling, and finishes its open reorders.
     * </ul>
     */
    static final class Stock extends Domain {
        final long skus;

        Stock(long target, long seed, long skus) {
            super("stock", target, seed);
            if (skus < 1 || skus > 8000) {
                usage("--skus must be between 1 and 8000");
            }
            this.skus = skus;
        }

        @Override
        long longest() {
            return 2 * HOUR; // restock_overdue: absent for 2 h
        }

        final class Sku implements Source {
            final String sku;
            final String warehouse;
            final int level;
            final double price;
            int quantity;
            long nextCount;
            long countGrid;
            long nextSale;
            long reorderAt = Long.MAX_VALUE;
            long restockAt = Long.MAX_VALUE;
            boolean open;

            Sku(int n) {
                sku = String.format(Locale.ROOT, "SKU-%05d", 10000 + n);
                warehouse = WAREHOUSES[rnd.nextInt(WAREHOUSES.length)];
                level = 20 + 10 * rnd.nextInt(4);
                quantity = level + 60 + rnd.nextInt(141);
                price = (299 + rnd.nextInt(7700)) / 100.0;
                countGrid = BASE + rnd.nextLong(15 * MIN);
                nextCount = countGrid;
                nextSale = BASE + rnd.nextLong(30 * MIN);
            }

            @Override
            public long next() {
                long n = Math.min(reorderAt, restockAt);
                if (!stopping()) {
                    n = Math.min(n, Math.min(nextCount, nextSale));
                }
                return n;
            }

            @Override
            public Ev emit(long t) {
                long due = next();
                if (due > t) {
                    return null; // the recording is ending: the count or sale queued for t is off
                }
                if (due == restockAt) {
                    restockAt = Long.MAX_VALUE;
                    open = false;
                    quantity += 150;
                    return new Ev("Restock", t, RESTOCK, sku, 150, null);
                }
                if (due == reorderAt) {
                    reorderAt = Long.MAX_VALUE;
                    restockAt = t + 30 * MIN + rnd.nextLong(60 * MIN);
                    return new Ev("Reorder", t, REORDER, sku, SUPPLIERS[rnd.nextInt(SUPPLIERS.length)], 150, null);
                }
                if (due == nextCount) {
                    countGrid += 15 * MIN;
                    nextCount = countGrid - 30 * SEC + rnd.nextLong(60 * SEC);
                    check(quantity >= level + 10, sku + " fell to " + quantity);
                    return new Ev("StockLevel", t, LEVEL, sku, warehouse, quantity, level, null);
                }
                int[] weights = {1, 1, 1, 1, 1, 1, 2, 2, 2, 3};
                int units = weights[rnd.nextInt(weights.length)];
                quantity -= units;
                nextSale = t + 10 * MIN + (long) (-Math.log(1 - rnd.nextDouble()) * 20 * MIN);
                if (!open && quantity < level + 40) {
                    open = true;
                    reorderAt = t + MIN + rnd.nextLong(4 * MIN);
                }
                return new Ev("Sale", t, SALE, sku, units, price, null);
            }
        }

        /** Start of the k-th scenario: one every 90 minutes from 2 h in. */
        long start(int k) {
            return BASE + 2 * HOUR + k * 90 * MIN + rnd.nextLong(MIN);
        }

        void level(Scenario s, long t, String sku, String wh, int q, int level) {
            plant(s, new Ev("StockLevel", t + ms(), LEVEL, sku, wh, q, level, null));
        }

        void sale(Scenario s, long t, String sku, int q, double price) {
            plant(s, new Ev("Sale", t + ms(), SALE, sku, q, price, null));
        }

        void reorder(Scenario s, long t, String sku, String supplier, int q) {
            plant(s, new Ev("Reorder", t + ms(), REORDER, sku, supplier, q, null));
        }

        void restock(Scenario s, long t, String sku, int q) {
            plant(s, new Ev("Restock", t + ms(), RESTOCK, sku, q, null));
        }

        @Override
        void build() {
            for (int i = 1; i <= skus; i++) {
                sources.add(new Sku(i));
            }
            long s;
            Scenario s1 = scenario("S1 low stock", """
                    SKU-9101 (reorder level 25) is counted every 15 min: 120, 95, 70, 48, 30, 22, 14. At 22
                    low_stock fires; 14 keeps it open. Reordered after the count of 22, restocked 24 min
                    later; the next count, 164, resolves it. No count falls by half.""",
                    "low_stock firing", "low_stock resolved");
            s = start(0);
            int[] counts = {120, 95, 70, 48, 30, 22, 14, 164, 160};
            for (int i = 0; i < counts.length; i++) {
                level(s1, s + i * 15 * MIN, "SKU-9101", "WH-EAST", counts[i], 25);
            }
            reorder(s1, s + 76 * MIN, "SKU-9101", "Acme", 150);
            restock(s1, s + 100 * MIN, "SKU-9101", 150);

            Scenario s2 = scenario("S2 stock-out", """
                    SKU-9201 (reorder level 10) is counted 40, 25, 14, 8, 0, 0, 0, then 200 after a
                    restock. low_stock fires at 8 and resolves at 200. stock_out fires at the first 0;
                    the two later zeros are within its 1 h throttle, suppressed. The step from 8 to 0 is
                    a fall by more than half: sudden_drop fires there (14 to 8 is not: 8 >= 7).""",
                    "low_stock firing", "stock_out firing", "sudden_drop firing", "low_stock resolved");
            s = start(1);
            counts = new int[] {40, 25, 14, 8, 0, 0, 0, 200};
            for (int i = 0; i < counts.length; i++) {
                level(s2, s + i * 15 * MIN, "SKU-9201", "WH-WEST", counts[i], 10);
            }
            reorder(s2, s + 50 * MIN, "SKU-9201", "Globex", 200);
            restock(s2, s + 100 * MIN, "SKU-9201", 200);

            Scenario s3 = scenario("S3 restock overdue", """
                    SKU-9301: reordered, restocked 3 h later: restock_overdue fires 2 h after the reorder.
                    SKU-9302: restocked 1 h 59 min after the reorder: no alert. SKU-9303: reordered twice,
                    30 min apart, one restock 2 h 10 min after the first: the first reorder's alert fires
                    at 2 h; the restock comes within 2 h of the second, which raises nothing.""",
                    "restock_overdue firing", "restock_overdue firing");
            s = start(2);
            reorder(s3, s, "SKU-9301", "Globex", 200);
            restock(s3, s + 3 * HOUR, "SKU-9301", 200);
            reorder(s3, s + 5 * MIN, "SKU-9302", "Acme", 60);
            restock(s3, s + 5 * MIN + 119 * MIN, "SKU-9302", 60);
            reorder(s3, s + 10 * MIN, "SKU-9303", "Initech", 120);
            reorder(s3, s + 40 * MIN, "SKU-9303", "Umbrella", 80);
            restock(s3, s + 10 * MIN + 130 * MIN, "SKU-9303", 120);

            Scenario s4 = scenario("S4 sell-through spikes", """
                    Clock hours H (the first whole hour after the scenario starts), H+1, H+2.
                    SKU-9401 sells 14 x 4 = 56 units within hour H (fires at its end) and 2 x 3 = 6 in
                    hour H+1 (resolves at its end). SKU-9402 sells 7 x 5 = 35 in the last 20 min of hour
                    H and 35 in the first 20 min of H+1: 70 in 40 minutes, but no clock hour reaches 40,
                    no alert. SKU-9403 sells 10 x 5 = 50 in hour H+1 (fires at its end) and nothing in
                    H+2: an empty window there resolves it.""",
                    "sell_through_spike firing", "sell_through_spike firing", "sell_through_spike resolved",
                    "sell_through_spike resolved");
            s = start(3);
            long h = (s / HOUR + 1) * HOUR;
            for (int i = 0; i < 14; i++) {
                sale(s4, h + 10 * MIN + i * 3 * MIN, "SKU-9401", 4, 12.90);
            }
            sale(s4, h + HOUR + 20 * MIN, "SKU-9401", 3, 12.90);
            sale(s4, h + HOUR + 35 * MIN, "SKU-9401", 3, 12.90);
            for (int i = 0; i < 7; i++) {
                sale(s4, h + 40 * MIN + 10 * SEC + i * 2 * MIN + i * 40 * SEC, "SKU-9402", 5, 4.50);
                sale(s4, h + HOUR + 10 * SEC + i * 2 * MIN + i * 40 * SEC, "SKU-9402", 5, 4.50);
            }
            for (int i = 0; i < 10; i++) {
                sale(s4, h + HOUR + 5 * MIN + i * 4 * MIN, "SKU-9403", 5, 29.99);
            }

            Scenario s5 = scenario("S5 sudden drop", """
                    SKU-9501 (reorder level 50) is counted 300, 296, 120, 118, 117: the fall from 296 to
                    120 (under 148) fires sudden_drop. Nothing goes below the reorder level.""",
                    "sudden_drop firing");
            s = start(4);
            counts = new int[] {300, 296, 120, 118, 117};
            for (int i = 0; i < counts.length; i++) {
                level(s5, s + i * 15 * MIN, "SKU-9501", "WH-NORTH", counts[i], 50);
            }
        }

        @Override
        void derive() {
            long end = last + longest();
            for (Scenario sc : scenarios) {
                List<Alert> raw = new ArrayList<>();
                Map<String, List<Ev>> bySku = Derive.groupBy(sc.events, e -> e.s("sku"));
                for (List<Ev> evs : bySku.values()) {
                    List<Ev> levels = evs.stream().filter(e -> e.type.equals("StockLevel")).toList();
                    List<Ev> sales = evs.stream().filter(e -> e.type.equals("Sale")).toList();
                    List<Ev> reorders = evs.stream().filter(e -> e.type.equals("Reorder")).toList();
                    List<Ev> restocks = evs.stream().filter(e -> e.type.equals("Restock")).toList();
                    // low_stock: last 1 events, judged at every count.
                    raw.addAll(Derive.lastN("low_stock", "warning", "sku", levels, 1,
                            w -> w.get(0).i("quantity") < w.get(0).i("reorderLevel"),
                            w -> w.get(0).s("sku") + ": " + w.get(0).i("quantity") + " on hand in "
                                    + w.get(0).s("warehouse") + ", reorder level " + w.get(0).i("reorderLevel")));
                    // stock_out: a filter, throttled below.
                    for (Ev e : levels) {
                        if (e.i("quantity") <= 0) {
                            raw.add(new Alert("stock_out", "firing", "sku", e.s("sku"), e.t, "high",
                                    e.s("sku") + " is out of stock in " + e.s("warehouse"),
                                    "the count is " + e.i("quantity")));
                        }
                    }
                    // sudden_drop: raw EPL, each count against the previous count of the SKU.
                    for (int i = 1; i < levels.size(); i++) {
                        int before = levels.get(i - 1).i("quantity");
                        int now = levels.get(i).i("quantity");
                        if (now < before * 0.5) {
                            Ev e = levels.get(i);
                            raw.add(new Alert("sudden_drop", "firing", "sku", e.s("sku"), e.t, "warning",
                                    e.s("sku") + ": count fell from " + before + " to " + now + " in " + e.s("warehouse"),
                                    now + " is less than half of the previous count " + before));
                        }
                    }
                    // sell_through_spike: tumbling 1 h, judged at every hour end.
                    raw.addAll(Derive.hopping("sell_through_spike", "info", "sku", sales, HOUR, HOUR, end,
                            w -> Derive.sum(w, "quantity") >= 40,
                            w -> w.get(0).s("sku") + ": " + (long) Derive.sum(w, "quantity") + " units sold in "
                                    + w.size() + " sales this hour"));
                    // restock_overdue: every reorder, no restock of the SKU within 2 h after it.
                    for (Ev a : reorders) {
                        boolean restocked = restocks.stream().anyMatch(r -> r.t > a.t && r.t < a.t + 2 * HOUR);
                        if (!restocked && a.t + 2 * HOUR <= end) {
                            raw.add(new Alert("restock_overdue", "firing", "sku", a.s("sku"), a.t + 2 * HOUR, "warning",
                                    a.s("sku") + ": reorder of " + a.i("quantity") + " units from " + a.s("supplier")
                                            + " not restocked within 2 hours",
                                    "the reorder at " + iso(a.t) + " has no restock within 2 h"));
                        }
                    }
                }
                sc.alerts.addAll(Derive.throttle(raw, "stock_out", HOUR));
            }
        }
    }

    // =============================================================================================
    // Health

    static final String[] VITALS = {"patientId", "ward", "heartRate", "spo2", "temperature", "at"};
    static final String[] WARDS = {"ICU", "CARDIO", "WARD-3"};

    /**
     * Background: every monitor reports every 18 to 22 s (no monitor_silent, which needs 2 min of
     * silence, until the recording ends: then every patient's monitor falls silent, and
     * monitor_silent fires for every patient 2 min after their last reading; these alerts are
     * expected too). Heart rates 58 to 96 (no tachycardia, which needs an average above 120; no
     * bradycardia, which needs readings below 40), SpO2 94 to 99 (no low_spo2), temperatures 36.3
     * to 37.1 (no fever_rising, which needs 38 or more).
     */
    static final class Health extends Domain {
        final long patients;
        /** Every patient's last reading, for the end-of-input silences. */
        final Map<String, Long> lastReading = new TreeMap<>();
        final Map<String, List<Ev>> readings = new HashMap<>();

        Health(long target, long seed, long patients) {
            super("health", target, seed);
            if (patients < 7 || patients > 8000) {
                usage("--patients must be between 7 and 8000");
            }
            this.patients = patients;
        }

        @Override
        long longest() {
            return 10 * MIN; // fever_rising: hopping 10 min
        }

        /** What a scenario does to one patient's readings; null values mean the normal reading. */
        interface Script {
            /** Heart rate, SpO2 and temperature at time t (offset from BASE), -1 where normal. */
            double[] at(long offset, int index);

            default boolean silent(long offset) {
                return false;
            }
        }

        final class Patient implements Source {
            final String id;
            final String ward;
            final int heartRate;
            final double temperature;
            final Script script;
            final Scenario scenario;
            long next;
            int index;
            final long[] recent = new long[5];

            Patient(String id, Script script, Scenario scenario) {
                this.id = id;
                this.script = script;
                this.scenario = scenario;
                ward = WARDS[rnd.nextInt(WARDS.length)];
                heartRate = 64 + rnd.nextInt(27);
                temperature = (365 + rnd.nextInt(5)) / 10.0;
                next = BASE + rnd.nextLong(20 * SEC);
                skipSilence();
            }

            private void skipSilence() {
                while (script != null && script.silent(next - BASE)) {
                    next += 18 * SEC + rnd.nextLong(4 * SEC);
                }
            }

            @Override
            public long next() {
                return next;
            }

            @Override
            public int priority() {
                return scenario != null ? 0 : 1;
            }

            @Override
            public Ev emit(long t) {
                if (stopping()) {
                    next = Long.MAX_VALUE;
                    return null;
                }
                int hr = heartRate - 6 + rnd.nextInt(13);
                int spo2 = 95 + rnd.nextInt(5);
                double temp = Math.round(temperature * 10 - 2 + rnd.nextInt(5)) / 10.0;
                if (script != null) {
                    double[] v = script.at(t - BASE, index);
                    hr = v[0] >= 0 ? (int) v[0] : hr;
                    spo2 = v[1] >= 0 ? (int) v[1] : spo2;
                    temp = v[2] >= 0 ? v[2] : temp;
                }
                index++;
                check(script != null || (hr >= 58 && hr <= 96 && spo2 >= 94 && temp < 37.2),
                        "background reading out of range");
                next = stopping() ? Long.MAX_VALUE : t + 18 * SEC + rnd.nextLong(4 * SEC);
                skipSilence();
                // No reading exactly a minute (the sliding windows) after an earlier one: no ties.
                recent[index % recent.length] = t;
                while (next != Long.MAX_VALUE && contains(recent, next - MIN)) {
                    next++;
                }
                Ev e = new Ev("Vitals", t, VITALS, id, ward, hr, spo2, temp, null);
                if (scenario != null) {
                    e.scenario = scenario;
                    scenario.events.add(e);
                }
                return e;
            }
        }

        static boolean contains(long[] a, long v) {
            for (long x : a) {
                if (x == v) {
                    return true;
                }
            }
            return false;
        }

        @Override
        void written(Ev e) {
            lastReading.put(e.s("patientId"), e.t);
        }

        static double[] normal() {
            return new double[] {-1, -1, -1};
        }

        @Override
        void build() {
            Scenario h1 = scenario("H1 tachycardia", """
                    P-9101's heart rate is 138 to 152 from 10:00 to 13:00 min into the recording, normal
                    (64 to 90) otherwise: the minute average passes 120 as the fast readings fill the
                    sliding window (fires) and falls back as they slide out (resolves).""",
                    "tachycardia firing", "tachycardia resolved", "monitor_silent firing");
            sources.add(new Patient("P-9101", (o, i) -> {
                double[] v = normal();
                if (o >= 10 * MIN && o < 13 * MIN) {
                    v[0] = 138 + rnd.nextInt(15);
                }
                return v;
            }, h1));

            Scenario h2 = scenario("H2 low SpO2, sustained", """
                    P-9201's SpO2 is 85 to 88 from 20:00 to 24:00 min. The condition (every reading of the
                    last minute below 90) holds once the last normal reading slides out of the window,
                    about 40 s later; two minutes after that it fires; the next normal reading resolves
                    it.""", "low_spo2 firing", "low_spo2 resolved", "monitor_silent firing");
            sources.add(new Patient("P-9201", (o, i) -> {
                double[] v = normal();
                if (o >= 20 * MIN && o < 24 * MIN) {
                    v[1] = 85 + rnd.nextInt(4);
                }
                return v;
            }, h2));

            Scenario h3 = scenario("H3 low SpO2, too short", """
                    P-9202's SpO2 is 86 to 88 from 20:00 to 22:30 min: the condition holds from when the
                    last normal reading slides out (a minute after it, about 21:00) to the first normal
                    reading (about 22:30): less than the 2 min of `for 2 min`, no alert.""",
                    "monitor_silent firing");
            h3.focus.add(new long[] {BASE + 19 * MIN, BASE + 23 * MIN});
            sources.add(new Patient("P-9202", (o, i) -> {
                double[] v = normal();
                if (o >= 20 * MIN && o < 22 * MIN + 30 * SEC) {
                    v[1] = 86 + rnd.nextInt(3);
                }
                return v;
            }, h3));

            Scenario h4 = scenario("H4 monitor silent", """
                    P-9401's monitor sends nothing from 30:00 to 35:00 min: monitor_silent fires 2 min
                    after the last reading before the gap, and the first reading after it resolves it.""",
                    "monitor_silent firing", "monitor_silent resolved", "monitor_silent firing");
            sources.add(new Patient("P-9401", new Script() {
                @Override
                public double[] at(long offset, int index) {
                    return normal();
                }

                @Override
                public boolean silent(long offset) {
                    return offset >= 30 * MIN && offset < 35 * MIN;
                }
            }, h4));

            Scenario h5 = scenario("H5 rising fever", """
                    P-9501's temperature is 36.8 until 30:00 min, rises by 0.24 per minute to 39.2 at
                    40:00, stays at 39.1 to 39.3 until 55:00, falls back to 37.0 by 65:00 and stays at
                    36.9. Every 2 min the last 10 minutes are judged: fever_rising fires at the first
                    judgement where the last reading is 38 or more and 1.0 above the first one, and
                    resolves when the plateau fills the window.""",
                    "fever_rising firing", "fever_rising resolved", "monitor_silent firing");
            sources.add(new Patient("P-9501", (o, i) -> {
                double[] v = normal();
                double m = o / (double) MIN;
                double temp;
                if (m < 30) {
                    temp = 36.8;
                } else if (m < 40) {
                    temp = 36.8 + 0.24 * (m - 30);
                } else if (m < 55) {
                    temp = 39.1 + rnd.nextInt(3) / 10.0;
                } else if (m < 65) {
                    temp = 39.2 - 0.22 * (m - 55);
                } else {
                    temp = 36.9;
                }
                v[2] = Math.round(temp * 10) / 10.0;
                return v;
            }, h5));

            Scenario h6 = scenario("H6 bradycardia", """
                    P-9601 has four readings in a row at 36, 34, 37 and 35 bpm from 50:00 min. The first
                    low reading's attempt completes at the third, the second's at the fourth (each within
                    a minute): two alerts. The third and fourth readings' attempts find no more low
                    readings and expire.""",
                    "bradycardia firing", "bradycardia firing", "monitor_silent firing");
            int[] slow = {36, 34, 37, 35};
            int[] startIndex = {-1};
            sources.add(new Patient("P-9601", (o, i) -> {
                double[] v = normal();
                if (o >= 50 * MIN && startIndex[0] < 0) {
                    startIndex[0] = i;
                }
                if (startIndex[0] >= 0 && i - startIndex[0] < slow.length) {
                    v[0] = slow[i - startIndex[0]];
                }
                return v;
            }, h6));

            for (int i = 1; i <= patients - 6; i++) {
                sources.add(new Patient(String.format(Locale.ROOT, "P-%04d", 1000 + i), null, null));
            }
        }

        @Override
        void derive() {
            long end = last + longest();
            Scenario silences = scenario("H0 end of the recording", """
                    When the recording ends, the clock runs on for 10 min (the longest duration in
                    health.rules): every background patient's monitor is then silent for 2 min, and
                    monitor_silent fires for each, 2 min after their last reading. (The scenario
                    patients' end-of-recording alerts are listed with their scenarios.)""");
            for (Scenario sc : scenarios) {
                if (sc == silences) {
                    continue;
                }
                List<Ev> evs = sc.events;
                String id = evs.get(0).s("patientId");
                List<Alert> raw = new ArrayList<>();
                raw.addAll(Derive.sliding("tachycardia", "critical", "patientId", evs, MIN, 0, end,
                        w -> w.size() >= 2 && Derive.avg(w, "heartRate") > 120,
                        w -> "Patient " + id + ": average heart rate " + f1(Derive.avg(w, "heartRate")) + " bpm over "
                                + w.size() + " readings"));
                raw.addAll(Derive.sliding("low_spo2", "critical", "patientId", evs, MIN, 2 * MIN, end,
                        w -> !w.isEmpty() && Derive.max(w, "spo2") < 90,
                        w -> "Patient " + id + ": SpO2 " + (int) Derive.max(w, "spo2") + " % or less over the last minute"));
                raw.addAll(Derive.hopping("fever_rising", "warning", "patientId", evs, 10 * MIN, 2 * MIN, end,
                        w -> w.get(w.size() - 1).d("temperature") >= 38.0
                                && w.get(w.size() - 1).d("temperature") - w.get(0).d("temperature") >= 1.0,
                        w -> "Patient " + id + ": temperature " + f1(w.get(0).d("temperature")) + " to "
                                + f1(w.get(w.size() - 1).d("temperature")) + " C over the last 10 minutes"));
                raw.addAll(Derive.times("bradycardia", "critical", "patientId", evs,
                        e -> e.i("heartRate") < 40, 3, MIN,
                        m -> "Patient " + id + ": heart rate " + m.get(0).i("heartRate") + ", " + m.get(1).i("heartRate")
                                + ", " + m.get(2).i("heartRate") + " bpm"));
                raw.addAll(Derive.silence("monitor_silent", "high", "patientId", evs, 2 * MIN, end,
                        "Patient " + id + ": no vital signs for 2 minutes"));
                sc.alerts.addAll(raw);
            }
            for (Map.Entry<String, Long> e : lastReading.entrySet()) {
                if (e.getKey().startsWith("P-9")) {
                    continue;
                }
                silences.intended.add("monitor_silent firing");
                silences.alerts.add(new Alert("monitor_silent", "firing", "patientId", e.getKey(),
                        e.getValue() + 2 * MIN, "high", "Patient " + e.getKey() + ": no vital signs for 2 minutes",
                        "the last reading was at " + iso(e.getValue()) + ", and the input ends"));
            }
            check(last >= BASE + 70 * MIN, "too few events for the health scenarios: the recording must last"
                    + " 70 minutes at least (more --events, or fewer --patients)");
        }
    }

    // =============================================================================================
    // Derivations: the spec's semantics, rule form by rule form, over one key's events

    static final class Derive {
        private Derive() {
        }

        static <K> Map<K, List<Ev>> groupBy(List<Ev> evs, Function<Ev, K> key) {
            Map<K, List<Ev>> out = new LinkedHashMap<>();
            for (Ev e : evs) {
                out.computeIfAbsent(key.apply(e), k -> new ArrayList<>()).add(e);
            }
            return out;
        }

        static double sum(List<Ev> w, String field) {
            double s = 0;
            for (Ev e : w) {
                s += e.d(field);
            }
            return s;
        }

        static double avg(List<Ev> w, String field) {
            return sum(w, field) / w.size();
        }

        static double max(List<Ev> w, String field) {
            double m = Double.NEGATIVE_INFINITY;
            for (Ev e : w) {
                m = Math.max(m, e.d(field));
            }
            return m;
        }

        static long distinct(List<Ev> w, String field) {
            return w.stream().map(e -> e.get(field)).distinct().count();
        }

        interface Pair<T> {
            T of(Ev a, Ev b);
        }

        /**
         * `a: T(A) -> b: T(B) by KEY within D` over one key's events: every event matching A starts
         * an attempt, completed by the first later event matching B; the attempt is dropped when that
         * event is D or more after a (within is half-open). Each completion is an alert at b's time.
         */
        static List<Alert> followedBy(String rule, String severity, String keyName, List<Ev> evs, Predicate<Ev> first,
                                      Pair<Boolean> then, long within, Pair<String> message, String why) {
            List<Alert> out = new ArrayList<>();
            for (int i = 0; i < evs.size(); i++) {
                Ev a = evs.get(i);
                if (!first.test(a)) {
                    continue;
                }
                for (int j = i + 1; j < evs.size(); j++) {
                    Ev b = evs.get(j);
                    if (b.t - a.t >= within) {
                        break;
                    }
                    if (then.of(a, b)) {
                        out.add(new Alert(rule, "firing", keyName, (String) a.get(keyName), b.t, severity,
                                message.of(a, b), String.format(Locale.ROOT, why, f2(a.d("amount")), iso(a.t),
                                        f2(b.d("amount")), iso(b.t))));
                        break;
                    }
                }
            }
            return out;
        }

        /**
         * `a: T(A) times N by KEY within D`: every event matching A starts an attempt that collects
         * the next N-1 matching events; an alert at the last one's time when it is less than D after
         * the first.
         */
        static List<Alert> times(String rule, String severity, String keyName, List<Ev> evs, Predicate<Ev> match,
                                 int n, long within, Function<List<Ev>, String> message) {
            List<Ev> m = evs.stream().filter(match).toList();
            List<Alert> out = new ArrayList<>();
            for (int i = 0; i + n - 1 < m.size(); i++) {
                List<Ev> run = m.subList(i, i + n);
                Ev lastOne = run.get(n - 1);
                if (lastOne.t - run.get(0).t < within) {
                    out.add(new Alert(rule, "firing", keyName, (String) run.get(0).get(keyName), lastOne.t, severity,
                            message.apply(run), n + " matching readings from " + iso(run.get(0).t) + " to "
                                    + iso(lastOne.t) + ", within " + duration(within)));
                }
            }
            return out;
        }

        /** Tracks one key's condition: firing when it becomes true (after `for`), resolved when false. */
        static final class Lifecycle {
            final String rule;
            final String severity;
            final String keyName;
            final String key;
            final long forMillis;
            final List<Alert> out = new ArrayList<>();
            boolean firing;
            long since = -1;
            String pendingMessage;
            String pendingWhy;
            Function<List<Ev>, String> message;

            Lifecycle(String rule, String severity, String keyName, String key, long forMillis,
                      Function<List<Ev>, String> message) {
                this.rule = rule;
                this.severity = severity;
                this.keyName = keyName;
                this.key = key;
                this.forMillis = forMillis;
                this.message = message;
            }

            /** Runs a pending `for` timer due at or before now (timers before events of the same time). */
            void timers(long now) {
                if (since >= 0 && since + forMillis <= now) {
                    firing = true;
                    out.add(new Alert(rule, "firing", keyName, key, since + forMillis, severity, pendingMessage,
                            "the condition held from " + iso(since) + " for " + duration(forMillis) + " (last judged: "
                                    + pendingWhy + ")"));
                    since = -1;
                }
            }

            void judge(long now, boolean cond, List<Ev> window, String why) {
                timers(now);
                if (cond) {
                    if (!firing && since < 0) {
                        if (forMillis == 0) {
                            firing = true;
                            out.add(new Alert(rule, "firing", keyName, key, now, severity, message.apply(window), why));
                        } else {
                            since = now;
                        }
                    }
                    if (since >= 0) {
                        pendingMessage = message.apply(window);
                        pendingWhy = why;
                    }
                } else {
                    since = -1;
                    if (firing) {
                        firing = false;
                        out.add(new Alert(rule, "resolved", keyName, key, now, severity, null, why));
                    }
                }
            }
        }

        /**
         * A sliding window of D over one key's events, judged whenever an event enters (at its time)
         * or leaves (D after its time; the window is (t-D, t]); at one time, leaving comes first.
         */
        static List<Alert> sliding(String rule, String severity, String keyName, List<Ev> evs, long size,
                                   long forMillis, long end, Predicate<List<Ev>> cond,
                                   Function<List<Ev>, String> message) {
            if (evs.isEmpty()) {
                return List.of();
            }
            Lifecycle lc = new Lifecycle(rule, severity, keyName, (String) evs.get(0).get(keyName), forMillis, message);
            TreeMap<Long, Integer> changes = new TreeMap<>();
            for (Ev e : evs) {
                changes.merge(e.t, 1, (a, b) -> a | b);
                if (e.t + size <= end) {
                    changes.merge(e.t + size, 2, (a, b) -> a | b);
                }
            }
            for (Map.Entry<Long, Integer> c : changes.entrySet()) {
                long now = c.getKey();
                // An event entering as another leaves is settled by the spec (the expiry first), and
                // this window does that; `for` ending as an event leaves is not: two timers at one time.
                check(!(lc.since >= 0 && lc.since + forMillis == now && c.getValue() != 1), rule + ": `for` ends at "
                        + iso(now) + " as an event leaves the window; try another --seed");
                List<Ev> w = evs.stream().filter(e -> e.t <= now && e.t + size > now).toList();
                boolean holds = !w.isEmpty() && cond.test(w);
                lc.judge(now, holds, w, describe(w, c.getValue() == 1 ? "an event enters" : "an event slides out",
                        now, holds));
            }
            lc.timers(end);
            return lc.out;
        }

        /** A session window with gap G over one key's events: judged at every event and when a session closes. */
        static List<Alert> session(String rule, String severity, String keyName, List<Ev> evs, long gap, long end,
                                   Predicate<List<Ev>> cond, Function<List<Ev>, String> message) {
            if (evs.isEmpty()) {
                return List.of();
            }
            Lifecycle lc = new Lifecycle(rule, severity, keyName, (String) evs.get(0).get(keyName), 0, message);
            List<Ev> session = new ArrayList<>();
            for (Ev e : evs) {
                if (!session.isEmpty() && session.get(session.size() - 1).t + gap <= e.t) {
                    long closes = session.get(session.size() - 1).t + gap;
                    session.clear();
                    lc.judge(closes, false, session, "the session closed (" + duration(gap) + " after its last event)");
                }
                session.add(e);
                boolean holds = cond.test(session);
                lc.judge(e.t, holds, session, describe(session, "an event joins the session", e.t, holds));
            }
            long closes = session.get(session.size() - 1).t + gap;
            if (closes <= end) {
                lc.judge(closes, false, List.of(), "the session closed (" + duration(gap) + " after its last event)");
            }
            return lc.out;
        }

        /**
         * A hopping window of D every E (tumbling: E = D) over one key's events: judged at every
         * multiple T of E over [T-D, T), from the first window holding an event to the end of input.
         */
        static List<Alert> hopping(String rule, String severity, String keyName, List<Ev> evs, long size, long every,
                                   long end, Predicate<List<Ev>> cond, Function<List<Ev>, String> message) {
            if (evs.isEmpty()) {
                return List.of();
            }
            Lifecycle lc = new Lifecycle(rule, severity, keyName, (String) evs.get(0).get(keyName), 0, message);
            long t = (evs.get(0).t / every + 1) * every;
            for (; t <= end; t += every) {
                long now = t;
                for (Ev e : evs) {
                    check(e.t != now && e.t != now - size, rule + ": an event on a window boundary, " + iso(now));
                }
                List<Ev> w = evs.stream().filter(e -> e.t >= now - size && e.t < now).toList();
                boolean holds = !w.isEmpty() && cond.test(w);
                lc.judge(now, holds, w, describe(w, "window [" + iso(now - size) + ", " + iso(now) + ")", now, holds));
            }
            return lc.out;
        }

        /** A window of the last N events of one key, judged at every event. */
        static List<Alert> lastN(String rule, String severity, String keyName, List<Ev> evs, int n,
                                 Predicate<List<Ev>> cond, Function<List<Ev>, String> message) {
            if (evs.isEmpty()) {
                return List.of();
            }
            Lifecycle lc = new Lifecycle(rule, severity, keyName, (String) evs.get(0).get(keyName), 0, message);
            for (int i = 0; i < evs.size(); i++) {
                List<Ev> w = evs.subList(Math.max(0, i - n + 1), i + 1);
                boolean holds = cond.test(w);
                lc.judge(evs.get(i).t, holds, w, describe(w, "a count arrives", evs.get(i).t, holds));
            }
            return lc.out;
        }

        /** `absent T by KEY for D`: fires D after an event not followed by another within D; the next resolves. */
        static List<Alert> silence(String rule, String severity, String keyName, List<Ev> evs, long d, long end,
                                   String message) {
            List<Alert> out = new ArrayList<>();
            for (int i = 0; i < evs.size(); i++) {
                long t = evs.get(i).t;
                long nextT = i + 1 < evs.size() ? evs.get(i + 1).t : Long.MAX_VALUE;
                String key = (String) evs.get(i).get(keyName);
                if (nextT >= t + d && t + d <= end) {
                    out.add(new Alert(rule, "firing", keyName, key, t + d, severity, message,
                            "nothing after the reading at " + iso(t) + (nextT == Long.MAX_VALUE ? " (end of input)"
                                    : " until " + iso(nextT))));
                    if (nextT != Long.MAX_VALUE) {
                        out.add(new Alert(rule, "resolved", keyName, key, nextT, severity, null,
                                "the monitor reports again"));
                    }
                }
            }
            return out;
        }

        /** Keeps a rule's firing alerts only when no alert of the same key was sent less than D before. */
        static List<Alert> throttle(List<Alert> alerts, String rule, long d) {
            List<Alert> sorted = new ArrayList<>(alerts);
            sorted.sort(Comparator.comparingLong(Alert::t));
            Map<String, Long> sent = new HashMap<>();
            List<Alert> out = new ArrayList<>();
            for (Alert a : sorted) {
                if (a.rule.equals(rule) && a.status.equals("firing")) {
                    Long prev = sent.get(a.keyValue);
                    if (prev != null && a.t < prev + d) {
                        System.out.println("(suppressed by throttle " + duration(d) + ": " + a.rule + " " + a.keyValue
                                + " at " + iso(a.t) + ", last sent " + iso(prev) + ")");
                        continue;
                    }
                    sent.put(a.keyValue, a.t);
                }
                out.add(a);
            }
            return out;
        }

        static String describe(List<Ev> w, String what, long now, boolean holds) {
            return what + " at " + iso(now) + ": " + w.size() + " in the window, condition " + holds;
        }
    }

    // =============================================================================================
    // Output helpers

    static void json(Ev e, StringBuilder sb) {
        sb.append("{\"type\": \"").append(e.type).append("\", \"id\": \"").append(e.id).append("\", \"data\": {");
        for (int i = 0; i < e.names.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append('"').append(e.names[i]).append("\": ");
            Object v = e.values[i];
            if (e.names[i].equals("at")) {
                sb.append('"').append(iso(e.t)).append('"');
            } else if (v instanceof String s) {
                sb.append(q(s));
            } else {
                sb.append(v);
            }
        }
        sb.append("}}\n");
    }

    static String data(Ev e) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < e.names.length; i++) {
            if (!e.names[i].equals("at")) {
                sb.append(sb.length() > 0 ? " " : "").append(e.names[i]).append("=").append(e.values[i]);
            }
        }
        return sb.toString();
    }

    static String q(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static long isoDay = Long.MIN_VALUE;
    private static String isoDate;

    /** ISO-8601 UTC with milliseconds; by hand, as it runs for every event of a large file. */
    static String iso(long t) {
        long day = Math.floorDiv(t, 86_400_000L);
        if (day != isoDay) {
            isoDate = ISO.format(Instant.ofEpochMilli(day * 86_400_000L)).substring(0, 11);
            isoDay = day;
        }
        int ms = (int) (t - day * 86_400_000L);
        char[] c = new char[13];
        two(c, 0, ms / 3_600_000);
        c[2] = ':';
        two(c, 3, ms / 60_000 % 60);
        c[5] = ':';
        two(c, 6, ms / 1000 % 60);
        c[8] = '.';
        int milli = ms % 1000;
        c[9] = (char) ('0' + milli / 100);
        c[10] = (char) ('0' + milli / 10 % 10);
        c[11] = (char) ('0' + milli % 10);
        c[12] = 'Z';
        return isoDate + new String(c);
    }

    private static void two(char[] c, int at, int v) {
        c[at] = (char) ('0' + v / 10);
        c[at + 1] = (char) ('0' + v % 10);
    }

    static String id(String prefix, long n) {
        String digits = Long.toString(n);
        StringBuilder sb = new StringBuilder(prefix.length() + 9).append(prefix).append('-');
        for (int i = digits.length(); i < 7; i++) {
            sb.append('0');
        }
        return sb.append(digits).toString();
    }

    static String duration(long ms) {
        if (ms % HOUR == 0) {
            return ms / HOUR + " h";
        }
        if (ms % MIN == 0) {
            return ms / MIN + " min";
        }
        return ms / 1000.0 + " s";
    }

    /** Numbers in messages: java.text.DecimalFormat, as the engine formats {x:0.00}. */
    static String f2(double d) {
        return new DecimalFormat("0.00", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(d);
    }

    static String f1(double d) {
        return new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT)).format(d);
    }

    static void check(boolean ok, String problem) {
        if (!ok) {
            throw new IllegalStateException(problem);
        }
    }
}
