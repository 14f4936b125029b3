package dev.vigil.bench;

import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Seeded generator of the rule sets of measurement 2's mixed form (issue 14): N rules over the
 * fraud events of {@code examples/generator/Generate.java}, like the rules of many teams or
 * tenants. Rule i is of kind {@code i % 5} (round-robin over {@link Kind}), and draws its own
 * thresholds, filter values and durations from small sets, so many rules share a shape (the same
 * text but for their literals), and a few are equal but for their ids, as two tenants' rules can be.
 *
 * <p>The same {@code (n, seed)} gives the same text; {@link #changed} gives it again with one rule's
 * threshold moved, and every other rule's text unchanged, for the hot swap.
 *
 * <pre>RuleMix --n 1000 --seed 1 --out mix.rules     (then: vigil check mix.rules)</pre>
 */
public final class RuleMix {
    /** The event declaration of {@code rules/fraud.rules}. */
    static final String EVENTS = """
            event Transaction {
                cardId    string
                amount    double
                merchant  string
                country   string
                at        timestamp
            }
            """;

    /**
     * What the fraud generator emits (Generate.java, {@code Fraud.MERCHANTS} and {@code COUNTRIES}):
     * merchants {@code m-0001} to {@code m-0800} uniformly; countries weighted, US 10 of 22, CA 3,
     * GB and DE 2, the others 1; amounts log-normal around 45, clipped to [5, 400]; each card's
     * purchases at least 15 minutes apart (30 on average), about 330 events per minute of event time
     * for 10,000 cards. The thresholds below are drawn so that each kind fires now and then on that
     * traffic, not on every event.
     */
    static final int MERCHANTS = 800;
    static final List<String> COUNTRIES = List.of("US", "CA", "GB", "FR", "DE", "ES", "IT", "NL", "MX");

    /** The five kinds of the mix. */
    enum Kind {
        /** {@code Transaction(amount > T and merchant == M)} or {@code ... and country == C}, key cardId. */
        FILTER,
        /** {@code Transaction(country == C) by cardId over sliding W having count() >= K}. */
        CARD_COUNT,
        /** {@code Transaction(country == C) by merchant over sliding W having sum(amount) > T}. */
        MERCHANT_SUM,
        /** {@code a: Transaction(amount < X and country == C) -> b: Transaction(amount > Y) by cardId within W}. */
        PATTERN,
        /** {@code absent Transaction(merchant == M) by merchant for D}. */
        SILENCE
    }

    private static final List<Kind> KINDS = List.of(Kind.values());

    private RuleMix() {
    }

    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        String text = rules(o.getInt("n", 1000), Long.parseLong(o.get("seed", "1")));
        compile("mix.rules", text);
        Files.writeString(Path.of(o.require("out")), text);
    }

    /** The event declarations and n rules of the mix, ids {@code mix_00000} up. */
    public static String rules(int n, long seed) {
        return changed(n, seed, -1, 0);
    }

    /**
     * The same text as {@link #rules}, except that rule {@code index} has its threshold (its count,
     * sum, amount or silence) moved by {@code bump} units.
     */
    public static String changed(int n, long seed, int index, int bump) {
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative: " + n);
        }
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder(EVENTS);
        for (int i = 0; i < n; i++) {
            sb.append(rule(i, rnd, i == index ? bump : 0)).append('\n');
        }
        return sb.toString();
    }

    /** n rules {@code when Transaction by cardId over sliding 5 min having sum(amount) > T_i}, as ScalingBench's vigil form. */
    public static String thresholds(int n) {
        StringBuilder sb = new StringBuilder(EVENTS);
        for (int i = 0; i < n; i++) {
            sb.append("rule ").append(id(i)).append(" { when Transaction by cardId over sliding 5 min having sum(amount) > ")
                    .append(ScalingBench.threshold(i)).append(" }\n");
        }
        return sb.toString();
    }

    public static String id(int i) {
        return String.format(Locale.ROOT, "mix_%05d", i);
    }

    public static Kind kind(int i) {
        return KINDS.get(i % KINDS.size());
    }

    /** The kind of rule {@code id} of {@link #rules}. */
    public static Kind kind(String id) {
        return kind(Integer.parseInt(id.substring("mix_".length())));
    }

    /** The first rule at or after {@code from} of the given kind. */
    public static int firstOf(Kind kind, int from) {
        int i = from;
        while (kind(i) != kind) {
            i++;
        }
        return i;
    }

    /** Compiles a generated rules file as {@code vigil check} does; throws, naming every error, when it does not compile. */
    public static RuleSet compile(String name, String text) {
        return RulesCompiler.compile(new SourceFile(name, text)).orThrow();
    }

    /**
     * One rule of the mix. Every rule draws the same number of values in the same order whatever
     * {@code bump} is, so a bump changes this rule alone.
     */
    private static String rule(int i, Random rnd, int bump) {
        String id = id(i);
        String merchant = String.format(Locale.ROOT, "m-%04d", 1 + rnd.nextInt(MERCHANTS));
        String country = COUNTRIES.get(rnd.nextInt(COUNTRIES.size()));
        boolean byMerchant = rnd.nextBoolean();
        int a = rnd.nextInt(20);
        int b = rnd.nextInt(3);
        int c = rnd.nextInt(2);
        return switch (kind(i)) {
            // amount > 200 on about 3 % of the events; a merchant has some 250 events in 10 hours.
            case FILTER -> "rule " + id + " { when Transaction(amount > " + (200 + 10 * a + bump) + " and "
                    + (byMerchant ? "merchant == \"" + merchant + "\"" : "country == \"" + country + "\"") + ") key cardId }";
            // A card's purchases are at least 15 min apart: three or more within 30 min are the
            // generator's planted scenarios (two within 30 min would fire on most cards' purchases).
            case CARD_COUNT -> "rule " + id + " { when Transaction(country == \"" + country + "\") by cardId over sliding "
                    + (c == 0 ? "10 min" : "30 min") + " having count() >= " + (3 + b + bump) + " }";
            // A merchant has about 0.4 events a minute (0.2 in the US): sums over 300 in 10 min are rare.
            case MERCHANT_SUM -> "rule " + id + " { when Transaction(country == \"" + country + "\") by merchant over sliding "
                    + (c == 0 ? "5 min" : "10 min") + " having sum(amount) > " + (300 + 50 * (a % 15) + bump) + " }";
            // Amounts under 10 are about 3 % of the events, over 150 about 6 %.
            case PATTERN -> "rule " + id + " { when a: Transaction(amount < " + (6 + 2 * b) + " and country == \"" + country
                    + "\") -> b: Transaction(amount > " + (150 + 25 * (a % 8) + bump) + ") by cardId within "
                    + (c == 0 ? "10 min" : "30 min") + " }";
            // A merchant's events are about 2.4 min apart on average: 15 min of silence is rare.
            case SILENCE -> "rule " + id + " { when absent Transaction(merchant == \"" + merchant + "\") by merchant for "
                    + (15 + 5 * b + bump) + " min }";
        };
    }
}
