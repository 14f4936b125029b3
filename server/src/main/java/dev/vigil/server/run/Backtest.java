package dev.vigil.server.run;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.DeployException;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.EventInput;
import dev.vigil.engine.Json;
import dev.vigil.engine.TableRows;
import dev.vigil.engine.Times;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.TableDecl;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * A backtest (docs/backtests.md): a candidate rule set and a baseline (the version running, or the
 * old files of {@code vigil replay --compare}) run over the same events, each in a fresh engine of
 * its own with one shard, on the calling thread and the two engines' threads (never the live
 * engine's), and their alerts compared by id, per rule.
 *
 * <p>Both engines read every event in the order the source gives it, as {@code vigil replay} does:
 * in event time, with the lateness given; at the end of the input the clock advances by the
 * longest rule duration so pending expiries fire ({@link Engine#finish}). So the candidate's alerts
 * are exactly those {@code vigil replay} raises over the same events.
 *
 * <p>Suppressed alerts (a {@code throttle}) are left out of the alerts and the comparison, as
 * {@code vigil replay} leaves them out of its output: what is compared is what would have been
 * sent. Each rule's suppressed alerts are counted. Shadow alerts are compared like the others.
 *
 * <p>Not thread-safe: one {@link #run} at a time per instance.
 */
public final class Backtest {
    /** Events in flight to each engine: as {@code vigil replay}. */
    private static final int QUEUE = 4096;

    private final RuleSet candidate;
    private final RuleSet baseline;
    private final Supplier<EngineOptions.Builder> options;
    private final Function<TableDecl, Optional<TableRows>> tables;
    private final Limits limits;
    private final int keepAlerts;
    private final Consumer<Alert> candidateAlerts;
    private final LongSupplier nanoTime;

    /**
     * How far a backtest may go: events read, time taken reading them, and alerts either engine
     * raised (each one's id is held until the comparison: the bound on the memory a backtest takes).
     */
    public record Limits(long maxEvents, Duration timeLimit, long maxAlerts) {
        /** The defaults of {@code server.backtest}: a million events, 30 seconds, 250,000 alerts. */
        public static final Limits DEFAULT = new Limits(1_000_000, Duration.ofSeconds(30));
        /** Alerts one engine of a backtest over HTTP may raise: some 30 MB of ids each. */
        public static final long DEFAULT_MAX_ALERTS = 250_000;

        /** With the default bound on alerts. */
        public Limits(long maxEvents, Duration timeLimit) {
            this(maxEvents, timeLimit, DEFAULT_MAX_ALERTS);
        }

        public Limits {
            requireNonNull(timeLimit, "timeLimit is null");
            if (maxEvents < 1) {
                throw new IllegalArgumentException("maxEvents must be positive: " + maxEvents);
            }
            if (maxAlerts < 1) {
                throw new IllegalArgumentException("maxAlerts must be positive: " + maxAlerts);
            }
            if (timeLimit.isNegative() || timeLimit.isZero()) {
                throw new IllegalArgumentException("timeLimit must be positive: " + timeLimit);
            }
        }
    }

    /** Where a backtest's events come from: handed to {@code sink} in order until it answers false. */
    @FunctionalInterface
    public interface Source {
        void read(Sink sink) throws IOException, InterruptedException;
    }

    /** Takes one event of a {@link Source}; false: no more (a limit was reached). */
    @FunctionalInterface
    public interface Sink {
        boolean accept(EventInput input) throws InterruptedException;
    }

    /** Which limit stopped a backtest before the end of its events. */
    public enum Truncated {
        EVENTS, TIME, ALERTS;

        /** As in the answer: {@code events}, {@code time} or {@code alerts}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How a rule's text differs between the baseline and the candidate. */
    public enum TextChange {
        /** The same text in both, over the same declarations of the event types and tables it names. */
        SAME,
        /** In both, with a different text, or over a changed declaration of a type or table it names. */
        CHANGED,
        /** Only in the candidate. */
        NEW,
        /** Only in the baseline. */
        DELETED;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One rule's alerts compared, ids in the order raised.
     *
     * @param added ids the candidate raised and the baseline did not
     * @param removed ids the baseline raised and the candidate did not
     * @param unchanged ids both raised
     * @param suppressedCandidate alerts the candidate's throttle suppressed (not compared)
     * @param suppressedBaseline the same for the baseline
     */
    public record RuleComparison(String rule, TextChange text, List<String> added, List<String> removed,
                                 List<String> unchanged, long suppressedCandidate, long suppressedBaseline) {
        public RuleComparison {
            requireNonNull(rule, "rule is null");
            requireNonNull(text, "text is null");
            added = List.copyOf(added);
            removed = List.copyOf(removed);
            unchanged = List.copyOf(unchanged);
        }
    }

    /**
     * What a backtest found.
     *
     * @param events events read from the source (each handed to both engines)
     * @param rejectedCandidate events the candidate's engine refused (undeclared type, invalid, late)
     * @param rejectedBaseline the same for the baseline's
     * @param from the earliest event time read; {@link Long#MIN_VALUE} when none was
     * @param to the latest event time read; {@link Long#MIN_VALUE} when none was
     * @param alerts the candidate's alerts in the order raised, at most the builder's {@code keepAlerts}
     * @param alertsTotal how many alerts the candidate raised in all
     * @param rules every rule of either set: the candidate's in order, then those only the baseline has
     */
    public record Result(long events, long rejectedCandidate, long rejectedBaseline, long from, long to,
                         Limits limits, Optional<Truncated> truncated, long millis, List<Alert> alerts,
                         long alertsTotal, List<RuleComparison> rules) {
        public Result {
            requireNonNull(limits, "limits is null");
            requireNonNull(truncated, "truncated is null");
            alerts = List.copyOf(alerts);
            rules = List.copyOf(rules);
        }

        public long added() {
            return rules.stream().mapToLong(r -> r.added().size()).sum();
        }

        public long removed() {
            return rules.stream().mapToLong(r -> r.removed().size()).sum();
        }

        public long unchanged() {
            return rules.stream().mapToLong(r -> r.unchanged().size()).sum();
        }

        /**
         * The answer's JSON (docs/backtests.md): at most {@code maxAlerts} alerts and, per rule and
         * kind, {@code maxIds} ids; the counts are always complete.
         */
        public ObjectNode toJson(int maxAlerts, int maxIds) {
            ObjectNode o = Json.mapper().createObjectNode();
            o.put("events", events);
            o.putObject("rejected").put("candidate", rejectedCandidate).put("baseline", rejectedBaseline);
            time(o, "from", from);
            time(o, "to", to);
            o.putObject("limits").put("maxEvents", limits.maxEvents()).put("timeLimit", limits.timeLimit().toString())
                    .put("maxAlerts", limits.maxAlerts());
            if (truncated.isPresent()) {
                o.put("truncated", truncated.get().text());
            } else {
                o.putNull("truncated");
            }
            o.put("millis", millis);
            o.put("alertsTotal", alertsTotal);
            ArrayNode list = o.putArray("alerts");
            alerts.stream().limit(maxAlerts).forEach(a -> list.add(a.toJsonNode()));
            o.putObject("totals").put("added", added()).put("removed", removed()).put("unchanged", unchanged());
            ArrayNode rs = o.putArray("rules");
            for (RuleComparison r : rules) {
                ObjectNode ro = rs.addObject();
                ro.put("rule", r.rule());
                ro.put("text", r.text().text());
                ro.put("added", r.added().size());
                ro.put("removed", r.removed().size());
                ro.put("unchanged", r.unchanged().size());
                ro.putObject("suppressed").put("candidate", r.suppressedCandidate())
                        .put("baseline", r.suppressedBaseline());
                ObjectNode ids = ro.putObject("ids");
                ids.set("added", Json.mapper().valueToTree(r.added().stream().limit(maxIds).toList()));
                ids.set("removed", Json.mapper().valueToTree(r.removed().stream().limit(maxIds).toList()));
                ids.set("unchanged", Json.mapper().valueToTree(r.unchanged().stream().limit(maxIds).toList()));
                ro.put("idsTruncated", r.added().size() > maxIds || r.removed().size() > maxIds
                        || r.unchanged().size() > maxIds);
            }
            return o;
        }

        private static void time(ObjectNode o, String name, long t) {
            if (t == Long.MIN_VALUE) {
                o.putNull(name);
            } else {
                o.put(name, Times.format(t));
            }
        }
    }

    /** The options of a backtest; {@link #build()} checks them. */
    public static final class Builder {
        private final RuleSet candidate;
        private final RuleSet baseline;
        private Supplier<EngineOptions.Builder> options = EngineOptions::newBuilder;
        private Function<TableDecl, Optional<TableRows>> tables = d -> Optional.empty();
        private Limits limits = Limits.DEFAULT;
        private int keepAlerts = 1000;
        private Consumer<Alert> candidateAlerts = a -> { };
        private LongSupplier nanoTime = System::nanoTime;

        private Builder(RuleSet candidate, RuleSet baseline) {
            this.candidate = requireNonNull(candidate, "candidate is null");
            this.baseline = requireNonNull(baseline, "baseline is null");
        }

        /**
         * The engine options both engines start from (lateness, rule limits as the live engine's);
         * the backtest sets shards, queue, rejections and event time itself. Called once per engine.
         */
        public Builder engineOptions(Supplier<EngineOptions.Builder> options) {
            this.options = requireNonNull(options, "options is null");
            return this;
        }

        /** The rows of each declared table, asked for each table of each set before the first event. */
        public Builder tables(Function<TableDecl, Optional<TableRows>> tables) {
            this.tables = requireNonNull(tables, "tables is null");
            return this;
        }

        public Builder limits(Limits limits) {
            this.limits = requireNonNull(limits, "limits is null");
            return this;
        }

        /** How many of the candidate's alerts the result keeps whole (the count is always exact). */
        public Builder keepAlerts(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("keepAlerts must not be negative: " + n);
            }
            this.keepAlerts = n;
            return this;
        }

        /** Also hands each of the candidate's alerts here, on its engine's thread, as raised. */
        public Builder candidateAlerts(Consumer<Alert> sink) {
            this.candidateAlerts = requireNonNull(sink, "sink is null");
            return this;
        }

        /** The ticker the time limit is measured with. */
        public Builder nanoTime(LongSupplier ticker) {
            this.nanoTime = requireNonNull(ticker, "ticker is null");
            return this;
        }

        public Backtest build() {
            return new Backtest(this);
        }
    }

    public static Builder newBuilder(RuleSet candidate, RuleSet baseline) {
        return new Builder(candidate, baseline);
    }

    private Backtest(Builder b) {
        this.candidate = b.candidate;
        this.baseline = b.baseline;
        this.options = b.options;
        this.tables = b.tables;
        this.limits = b.limits;
        this.keepAlerts = b.keepAlerts;
        this.candidateAlerts = b.candidateAlerts;
        this.nanoTime = b.nanoTime;
    }

    /** The alerts of one engine, by rule; written on its thread, read once it finished. */
    private static final class Collected implements AlertSink {
        final Map<String, LinkedHashSet<String>> ids = new LinkedHashMap<>();
        final Map<String, Long> suppressed = new LinkedHashMap<>();
        final List<Alert> kept = new ArrayList<>();
        final int keep;
        final Consumer<Alert> also;
        long total;
        long rejected;

        Collected(int keep, Consumer<Alert> also) {
            this.keep = keep;
            this.also = also;
        }

        @Override
        public synchronized void onAlert(Alert alert) {
            ids.computeIfAbsent(alert.rule(), r -> new LinkedHashSet<>()).add(alert.id());
            total++;
            if (kept.size() < keep) {
                kept.add(alert);
            }
            also.accept(alert);
        }

        @Override
        public synchronized void onSuppressed(Alert alert, String reason) {
            suppressed.merge(alert.rule(), 1L, Long::sum);
        }

        synchronized void rejected() {
            rejected++;
        }

        synchronized long total() {
            return total;
        }

        synchronized Set<String> of(String rule) {
            return ids.getOrDefault(rule, new LinkedHashSet<>());
        }
    }

    /**
     * Runs both sets over the source's events, up to the limits.
     *
     * @throws DeployException when the engine refuses either set (the message names the rule)
     * @throws IOException when the source cannot be read
     */
    public Result run(Source source) throws DeployException, IOException, InterruptedException {
        requireNonNull(source, "source is null");
        long start = nanoTime.getAsLong();
        long deadline = start + limits.timeLimit().toNanos();
        Collected cand = new Collected(keepAlerts, candidateAlerts);
        Collected base = new Collected(0, a -> { });
        long[] read = {0};
        long[] span = {Long.MAX_VALUE, Long.MIN_VALUE};
        Truncated[] stopped = {null};
        try (Engine ce = start(cand); Engine be = start(base)) {
            prepare(ce, candidate);
            prepare(be, baseline);
            try {
                source.read(input -> {
                    if (read[0] >= limits.maxEvents()) {
                        stopped[0] = Truncated.EVENTS;
                        return false;
                    }
                    if (nanoTime.getAsLong() - deadline > 0) {
                        stopped[0] = Truncated.TIME;
                        return false;
                    }
                    if (cand.total() >= limits.maxAlerts() || base.total() >= limits.maxAlerts()) {
                        stopped[0] = Truncated.ALERTS;
                        return false;
                    }
                    read[0]++;
                    submit(ce, cand, input, span);
                    submit(be, base, input, span);
                    return true;
                });
            } finally {
                ce.finish();
                be.finish();
            }
        }
        List<RuleComparison> rules = new ArrayList<>();
        Map<String, Rule> before = new LinkedHashMap<>();
        baseline.rules().forEach(r -> before.put(r.id(), r));
        for (Rule r : candidate.rules()) {
            Rule old = before.remove(r.id());
            rules.add(compare(r.id(), old == null ? TextChange.NEW
                    : old.text().equals(r.text()) && sameDeclarations(r, candidate, baseline) ? TextChange.SAME
                    : TextChange.CHANGED, cand, base));
        }
        for (String id : before.keySet()) {
            rules.add(compare(id, TextChange.DELETED, cand, base));
        }
        long millis = Duration.ofNanos(nanoTime.getAsLong() - start).toMillis();
        synchronized (cand) {
            return new Result(read[0], cand.rejected, base.rejected, read[0] == 0 ? Long.MIN_VALUE : span[0],
                    read[0] == 0 ? Long.MIN_VALUE : span[1], limits, Optional.ofNullable(stopped[0]), millis,
                    cand.kept, cand.total, rules);
        }
    }

    /**
     * Whether every event type and table the rule names (one of its tokens, as the engine decides
     * which rules a changed table redeploys) has the same fields, types and keys in both sets.
     */
    static boolean sameDeclarations(Rule rule, RuleSet a, RuleSet b) {
        String tokens = " " + rule.text() + " ";
        Set<String> names = new LinkedHashSet<>();
        a.events().forEach(e -> names.add(e.name()));
        b.events().forEach(e -> names.add(e.name()));
        a.tables().forEach(t -> names.add(t.name()));
        b.tables().forEach(t -> names.add(t.name()));
        for (String name : names) {
            if (tokens.contains(" " + name + " ") && !signature(a, name).equals(signature(b, name))) {
                return false;
            }
        }
        return true;
    }

    /** A declaration's fields, types and keys, without positions: "event E(k string, v int)". */
    private static String signature(RuleSet set, String name) {
        StringBuilder sb = new StringBuilder();
        set.event(name).ifPresent(e -> {
            sb.append("event ").append(name).append('(');
            e.fields().forEach(f -> sb.append(f.name()).append(' ').append(f.type().keyword()).append(','));
            sb.append(')');
        });
        set.table(name).ifPresent(t -> {
            sb.append("table ").append(name).append('(');
            t.fields().forEach(f -> sb.append(f.name()).append(' ').append(f.type().keyword()).append(','));
            sb.append(") key ").append(t.keys());
        });
        return sb.toString();
    }

    private Engine start(Collected into) {
        EngineOptions o = options.get()
                .shards(1)
                .queueCapacity(QUEUE)
                .live(false)
                .requireEventTime(true)
                .rejections(r -> into.rejected())
                .build();
        return Engine.start(o, into);
    }

    private void prepare(Engine engine, RuleSet rules) throws DeployException, InterruptedException {
        engine.deploy(rules);
        for (TableDecl t : rules.tables()) {
            Optional<TableRows> rows = tables.apply(t);
            if (rows.isPresent()) {
                engine.replaceTable(rows.get());
            }
        }
    }

    private static void submit(Engine engine, Collected into, EventInput input, long[] span)
            throws InterruptedException {
        Decoded d = input.decodeWith(engine.decoder());
        switch (d) {
            case Decoded.Accepted a -> {
                span[0] = Math.min(span[0], a.event().time());
                span[1] = Math.max(span[1], a.event().time());
                engine.submit(a.event());
            }
            case Decoded.Rejected r -> into.rejected();
        }
    }

    private static RuleComparison compare(String rule, TextChange text, Collected cand, Collected base) {
        Set<String> c = cand.of(rule);
        Set<String> b = base.of(rule);
        List<String> added = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        for (String id : c) {
            (b.contains(id) ? unchanged : added).add(id);
        }
        List<String> removed = b.stream().filter(id -> !c.contains(id)).toList();
        return new RuleComparison(rule, text, added, removed, unchanged,
                cand.suppressed.getOrDefault(rule, 0L), base.suppressed.getOrDefault(rule, 0L));
    }
}
