package dev.vigil.engine;

import dev.vigil.engine.internal.alerting.AlertLifecycle;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.esper.EsperHost;
import dev.vigil.engine.internal.time.Backend.RuleRun;
import dev.vigil.engine.internal.time.Sequencer;
import dev.vigil.engine.internal.epl.ShardKeys;
import dev.vigil.rules.Horizon;
import dev.vigil.rules.RuleSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * The rule engine: one thread owns Esper, and events and commands (deploy, finish) reach it through
 * one queue, so a redeploy happens between two events and none is lost or processed twice. Alerts
 * leave through the {@link AlertSink}, on the engine thread.
 *
 * <p>The queue holds at most {@link EngineOptions#queueCapacity()} events: a source takes a place
 * per event before it queues (waiting for one, or refused when there is none), and the engine
 * thread gives the places back once the events are processed. A batch takes all its places at
 * once or none ({@link #ingest}), so concurrent sources never split one. Commands take no place.
 *
 * <p>Thread-safety: every public method may be called from any thread.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    /** How long {@link #submit} waits for a place before it checks that the engine still runs. */
    private static final long SUBMIT_RECHECK_MILLIS = 100;
    /** How often live input looks at the wall clock: the precision of expiries during silence. */
    private static final long TICK_MILLIS = 20;
    private static final Object STOP = new Object();

    private final EngineOptions options;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    /** Free places for events in the queue. */
    private final Semaphore room;
    private final Thread thread;
    /** The pipeline; replaced by {@link #rebuild} (engine thread only after the start). */
    private Sequencer core;
    private final AlertSink counting;
    /** The reference tables' rows: one store for every shard, kept across a rebuild. */
    private final dev.vigil.engine.internal.tables.TableStore tables = new dev.vigil.engine.internal.tables.TableStore();
    /** The rule set last deployed, for {@link #rebuild}. Engine thread. */
    private RuleSet lastRules;
    /** The same, for readers on other threads. */
    private volatile RuleSet declared;
    /** Held while a batch goes into an {@link EventLog} and the queue, so both have one order. */
    private final Object ingestLock = new Object();
    private final AtomicLong alertsSent = new AtomicLong();
    private final AtomicLong alertsSuppressed = new AtomicLong();
    private volatile EventDecoder decoder;
    private volatile boolean closed;
    private volatile Throwable failure;
    /** The engine's event-time clock after the last batch, readable without a round trip. */
    private volatile long clockSnapshot = Long.MIN_VALUE;
    private volatile Counts counts = new Counts(0, 0, 0);
    /** The rules running, replaced by each deploy on the engine thread. */
    private volatile List<RuleRun> deployed = List.of();
    private ScheduledExecutorService ticker;
    /** A tick is queued and not yet run. */
    private final AtomicBoolean pendingTick = new AtomicBoolean();

    /** A command run on the engine thread between two events. */
    private record Command<T>(Function<Sequencer, T> action, CompletableFuture<T> done) {
        /**
         * Runs the action after what came before it is complete (shards flushed), completes what it
         * started, then {@code publish} (so the caller sees its effects in the stats), then answers.
         */
        void run(Sequencer core, Runnable publish) {
            T result;
            try {
                core.flush();
                result = action.apply(core);
                core.flush();
            } catch (RuntimeException | Error e) {
                publish.run();
                done.completeExceptionally(e);
                return;
            }
            publish.run();
            done.complete(result);
        }
    }

    /** Events queued together; they hold one place each. */
    private record Batch(List<DecodedEvent> events) {
    }

    private Engine(EngineOptions options, AlertSink sink) {
        this.options = options;
        this.room = new Semaphore(options.queueCapacity());
        this.counting = new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
                alertsSent.incrementAndGet();
                sink.onAlert(alert);
            }

            @Override
            public void onSuppressed(Alert alert, String reason) {
                alertsSuppressed.incrementAndGet();
                sink.onSuppressed(alert, reason);
            }
        };
        this.core = new Sequencer(options, counting, tables);
        this.decoder = core.decoder();
        this.thread = new Thread(this::loop, "vigil-engine");
        this.thread.setDaemon(true);
    }

    /** Starts an engine with nothing deployed. */
    public static Engine start(EngineOptions options, AlertSink sink) {
        requireNonNull(options, "options is null");
        requireNonNull(sink, "sink is null");
        Engine engine = new Engine(options, sink);
        engine.thread.start();
        if (options.live() || options.timeMode() == EngineOptions.TimeMode.PROCESSING) {
            engine.startTicker();
        }
        return engine;
    }

    /**
     * Deploys a complete rule set, replacing what runs: all or nothing; unchanged rules keep their
     * state. Waits until the engine thread has applied it.
     *
     * @throws DeployException when Esper refuses a rule; nothing changed
     */
    public DeployResult deploy(RuleSet rules) throws DeployException, InterruptedException {
        requireNonNull(rules, "rules is null");
        try {
            return call(core -> {
                try {
                    DeployResult r = core.deploy(rules);
                    lastRules = rules;
                    declared = rules;
                    decoder = core.decoder();
                    deployed = List.copyOf(core.rules());
                    return r;
                } catch (DeployException e) {
                    throw new WrappedDeploy(e);
                }
            });
        } catch (WrappedDeploy e) {
            throw e.deploy;
        }
    }

    /**
     * Compiles a complete rule set as {@link #deploy} compiles it for an engine with nothing
     * deployed, and deploys nothing: every event type and every enabled rule, on the caller's
     * thread, with no engine and no state involved. A set that passes deploys without a
     * {@link DeployException} (a running engine compiles only the rules that changed; the others
     * compiled when they were deployed).
     *
     * @param options the options of the engine that would deploy it (raw EPL allowed or not, the
     *     cap of partial matches)
     * @throws DeployException with the problems {@link #deploy} would report
     */
    public static void check(RuleSet rules, EngineOptions options) throws DeployException {
        requireNonNull(rules, "rules is null");
        requireNonNull(options, "options is null");
        EsperHost.check(rules, options);
    }

    /** {@link #check(RuleSet, EngineOptions)} as this engine would deploy it. */
    public void checkDeployable(RuleSet rules) throws DeployException {
        check(rules, options);
    }

    private static final class WrappedDeploy extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient DeployException deploy;

        WrappedDeploy(DeployException deploy) {
            super(deploy.getMessage(), deploy, false, false);
            this.deploy = deploy;
        }
    }

    /** The decoder for the deployed event types; replaced by each deploy. */
    public EventDecoder decoder() {
        return decoder;
    }

    /** Hands an event to the engine, waiting while the queue is full (file replay). */
    public void submit(Event event) throws InterruptedException {
        DecodedEvent e = DecodedEvent.of(requireNonNull(event, "event is null"));
        checkOpen();
        while (!room.tryAcquire(SUBMIT_RECHECK_MILLIS, TimeUnit.MILLISECONDS)) {
            checkOpen();
        }
        queue.add(e);
    }

    /** Hands an event to the engine unless the queue is full (a Kafka source pauses then). */
    public boolean offer(Event event) {
        DecodedEvent e = DecodedEvent.of(requireNonNull(event, "event is null"));
        checkOpen();
        if (!room.tryAcquire()) {
            return false;
        }
        queue.add(e);
        return true;
    }

    /**
     * Decodes a batch with the deployed event types and hands its valid events to the engine
     * together: all of them, or none when the queue has no room for all (HTTP ingest answers 429
     * then). Rejected inputs are in the result either way; they never block the valid ones.
     */
    public Ingested ingest(List<? extends EventInput> inputs) {
        try {
            return ingest(inputs, null);
        } catch (IOException e) {
            throw new IllegalStateException(e); // cannot happen without a log
        }
    }

    /**
     * {@link #ingest(List)}, appending the valid events to {@code log} before they are queued: a
     * batch is in the log, in queue order, before it is queued, or (when the log fails) neither
     * logged nor queued.
     *
     * @param log where the batch is made durable first, or null for none
     * @throws IOException when the log could not take the batch; nothing was queued
     */
    public Ingested ingest(List<? extends EventInput> inputs, EventLog log) throws IOException {
        requireNonNull(inputs, "inputs is null");
        checkOpen();
        EventDecoder d = decoder;
        List<Decoded> decoded = new ArrayList<>(inputs.size());
        List<DecodedEvent> events = new ArrayList<>(inputs.size());
        for (EventInput input : inputs) {
            Decoded r = input.decodeWith(d);
            decoded.add(r);
            if (r instanceof Decoded.Accepted a) {
                events.add(DecodedEvent.of(a.event()));
            }
        }
        if (events.isEmpty()) {
            return new Ingested(decoded, true);
        }
        if (!room.tryAcquire(events.size())) {
            return new Ingested(decoded, false);
        }
        if (log == null) {
            queue.add(new Batch(events));
            return new Ingested(decoded, true);
        }
        synchronized (ingestLock) {
            boolean fresh;
            try {
                fresh = log.append(java.util.Collections.<Event>unmodifiableList(events));
            } catch (IOException | RuntimeException e) {
                room.release(events.size());
                throw e;
            }
            if (!fresh) {
                room.release(events.size());
                return new Ingested(decoded, true);
            }
            queue.add(new Batch(events));
        }
        return new Ingested(decoded, true);
    }

    /**
     * End of finite input: releases held events and lets the longest rule duration pass, so pending
     * expiries fire. Waits until done.
     */
    public void finish() throws InterruptedException {
        call(core -> {
            core.finish();
            return null;
        });
    }

    // ---------------------------------------------------------------- recovery

    /**
     * What a deployed rule needs from the alert store to resume after a restart, beyond what a
     * replay of its horizon rebuilds.
     *
     * @param openAlerts the latest alert per key is needed: absence rules seed the keys whose latest
     *     alert is {@code firing} (a key silent longer than the horizon still has its open alert),
     *     and every rule with resolutions takes the mode (shadow or live) its open episodes fired in
     * @param throttleMillis the rule's throttle; the last sent firing per key within it is needed
     */
    public record RestoreNeed(String rule, boolean openAlerts, long throttleMillis) {
        public RestoreNeed {
            requireNonNull(rule, "rule is null");
        }
    }

    /**
     * One alert the store held for a rule and key before the checkpoint.
     *
     * @param sent true unless the throttle held it back
     * @param latest true when it is the key's latest alert before the checkpoint
     * @param shadow it was a shadow alert ({@code mode shadow}): an episode open at the restart
     *     keeps the mode it fired in, whatever the rule's mode now
     * @param episode it is the key's latest stored firing, at any time (before the checkpoint or
     *     after it): the recovery replay raises it again, and it keeps the mode it was stored with
     */
    public record PriorAlert(String rule, Map<String, Object> key, Alert.Status status, boolean sent, boolean latest,
            long time, boolean shadow, boolean episode) {
        public PriorAlert {
            requireNonNull(rule, "rule is null");
            requireNonNull(key, "key is null");
            requireNonNull(status, "status is null");
        }
    }

    /** What the deployed rules need from the store to resume ({@link #beginRecovery}). */
    public List<RestoreNeed> restoreNeeds() {
        List<RestoreNeed> out = new ArrayList<>();
        for (RuleRun r : deployed) {
            out.add(r.lifecycle().restoreNeed());
        }
        return out;
    }

    /**
     * Starts replaying input from before a restart (language-independent: design.md, "State and
     * recovery"). Until {@link #endRecovery}, alerts with an event time before {@code checkpoint}
     * are dropped (they are in the store, or the replay raised them only because it started with
     * partial state), replayed events do not count as live arrivals (no quiet-input clock), and
     * each rule's throttle and open absence alerts are restored from {@code prior}. Waits until the
     * engine thread has applied it.
     */
    public void beginRecovery(long checkpoint, List<PriorAlert> prior) throws InterruptedException {
        requireNonNull(prior, "prior is null");
        Map<String, List<PriorAlert>> byRule = new java.util.HashMap<>();
        for (PriorAlert p : prior) {
            byRule.computeIfAbsent(p.rule(), k -> new ArrayList<>()).add(p);
        }
        call(core -> {
            core.recovering(true);
            for (RuleRun r : core.rules()) {
                List<PriorAlert> mine = byRule.getOrDefault(r.plan().rule().id(), List.of());
                List<String> fields = ShardKeys.fields(r.plan().rule()).orElse(List.of());
                int shards = r.runs().size();
                for (int i = 0; i < shards; i++) {
                    // With shards, each run of a keyed rule resumes the keys that hash to its shard.
                    List<PriorAlert> its = shards == 1 ? mine : ofShard(mine, fields, i, shards);
                    r.runs().get(i).lifecycle().beginRecovery(checkpoint, its);
                }
            }
            return null;
        });
    }

    private static List<PriorAlert> ofShard(List<PriorAlert> prior, List<String> fields, int shard, int shards) {
        List<PriorAlert> out = new ArrayList<>();
        for (PriorAlert p : prior) {
            Object[] values = new Object[fields.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = p.key().get(fields.get(i));
            }
            if (ShardKeys.shard(shards, values) == shard) {
                out.add(p);
            }
        }
        return out;
    }

    /** Ends the recovery replay once every replayed event is queued: what follows is live. */
    public void endRecovery() throws InterruptedException {
        call(core -> {
            core.recovering(false);
            for (RuleRun r : core.rules()) {
                r.runs().forEach(run -> run.lifecycle().endRecovery());
            }
            return null;
        });
    }

    /**
     * Starts the engine over with no state: a fresh Esper runtime with the rules last deployed, the
     * clock unset, every window, pattern, timer and lifecycle empty (counters carry on). What is
     * queued before the call is processed first. For a recovery of a new Kafka assignment: the
     * caller then replays every source from the horizon in recovery mode ({@link #beginRecovery}).
     */
    public void rebuild() throws InterruptedException {
        call(old -> {
            Sequencer fresh = new Sequencer(options, counting, tables);
            if (lastRules != null) {
                try {
                    fresh.deploy(lastRules);
                } catch (DeployException e) {
                    fresh.destroy();
                    throw new IllegalStateException("the rules deployed before no longer deploy: " + e.getMessage(), e);
                }
            }
            fresh.processed = old.processed;
            fresh.late = old.late;
            fresh.dropped = old.dropped;
            old.destroy();
            core = fresh;
            decoder = fresh.decoder();
            deployed = List.copyOf(fresh.rules());
            return null;
        });
    }

    /**
     * Replaces every row of a reference table declared by the deployed rules, atomically, between
     * two events: events queued before the call see the old rows, events after it the new ones
     * (every shard at the same point). Rule state is not touched. Waits until applied.
     *
     * @throws IllegalArgumentException when the deployed rules declare no such table, or the rows
     *     were checked against another declaration of it
     */
    public void replaceTable(TableRows rows) throws InterruptedException {
        requireNonNull(rows, "rows is null");
        call(core -> {
            var decl = lastRules == null ? null : lastRules.table(rows.decl().name()).orElse(null);
            if (decl == null) {
                throw new IllegalArgumentException("no table " + rows.decl().name() + " is declared in the rules");
            }
            if (!decl.sameShape(rows.decl())) {
                throw new IllegalArgumentException("table " + decl.name() + " is declared differently now");
            }
            core.tables().replace(decl.name(), rows.rows(), options.clock().millis());
            return null;
        });
    }

    /**
     * Upserts rows into a table and deletes keys from it, together and atomically, between two
     * events (as {@link #replaceTable}).
     *
     * @param deletes keys to delete, each its values in key-field order (checked by the caller)
     */
    public void patchTable(TableRows upserts, List<Object[]> deletes) throws InterruptedException {
        requireNonNull(upserts, "upserts is null");
        requireNonNull(deletes, "deletes is null");
        call(core -> {
            var decl = lastRules == null ? null : lastRules.table(upserts.decl().name()).orElse(null);
            if (decl == null || !decl.sameShape(upserts.decl())) {
                throw new IllegalArgumentException("no table " + upserts.decl().name() + " is declared in the rules");
            }
            core.tables().patch(decl.name(), upserts.rows(), deletes, options.clock().millis());
            return null;
        });
    }

    /**
     * Makes a declared table read-through (a database's {@code lookup: true}): each key not in the
     * cache is read by {@code loader} on the thread evaluating the rule, its row (declaration
     * order) or null kept for {@code ttl}, at most {@code size} keys. The table's own rows are not
     * used. Takes effect between two events.
     */
    public void readThroughTable(String table, java.util.function.Function<Object[], Object[]> loader, long size,
                                 java.time.Duration ttl) throws InterruptedException {
        call(core -> {
            core.tables().readThrough(table, loader, size, ttl);
            return null;
        });
    }

    /** A read-through table's cache hit rate (0 to 1), or -1 for a table that is not one. */
    public double tableHitRate(String table) {
        return tables.hitRate(table);
    }

    /** Every row of a table, each in its declared field order. */
    public List<Object[]> tableRows(String table) {
        return tables.rows(table);
    }

    /** The table declarations of the deployed rules. */
    public List<dev.vigil.rules.ast.TableDecl> tableDecls() {
        RuleSet r = declared;
        return r == null ? List.of() : r.tables();
    }

    /** A row of a table as its fields to values, or empty; read without waiting behind queued events. */
    public java.util.Optional<Map<String, Object>> tableRow(String table, Object... key) {
        return java.util.Optional.ofNullable(tables.row(table, key));
    }

    /** The declared tables: name to {rows, last change (epoch millis)}. */
    public Map<String, long[]> tables() {
        return tables.summary();
    }

    /** The engine's shards ({@link EngineOptions#shards()}). */
    public int shards() {
        return options.shards();
    }

    /** Alerts dropped by recovery replays so far, all rules. */
    public long recoveredAlerts() {
        long n = 0;
        for (RuleRun r : deployed) {
            for (EsperHost.DeployedRule run : r.runs()) {
                n += run.lifecycle().recovered.get();
            }
        }
        return n;
    }

    /** Event time of the engine's clock. */
    public long now() throws InterruptedException {
        return call(Sequencer::now);
    }

    /** The EPL each rule of a set compiles to, by rule id (event types first), without running it. */
    public static Map<String, String> explain(RuleSet rules) {
        return EsperHost.explain(rules);
    }

    /**
     * What the engine has done, as published by the engine thread after its last batch of queue
     * items: read without waiting behind queued events, so the admin API answers at once under load.
     */
    public EngineStats stats() {
        Counts c = counts;
        List<EngineStats.RuleStats> rs = new ArrayList<>();
        for (RuleRun r : deployed) {
            long matched = 0;
            long sent = 0;
            long suppressed = 0;
            long failures = 0;
            long lastAlert = Long.MIN_VALUE;
            long refused = 0;
            long keys = -1;
            long events = -1;
            long keysOver = 0;
            long eventsOver = 0;
            long shadow = 0;
            // Shards: each run counts its own keys; the rule's figures are their sums.
            for (EsperHost.DeployedRule run : r.runs()) {
                AlertLifecycle l = run.lifecycle();
                matched += l.matched.get();
                sent += l.sent.get();
                suppressed += l.suppressed.get();
                failures += l.failures.get();
                lastAlert = Math.max(lastAlert, l.lastAlertTime);
                refused += l.partialMatchesRefused.get();
                keys = plus(keys, l.stateKeys);
                events = plus(events, l.stateEvents);
                keysOver += l.keysOverLimit.get();
                eventsOver += l.eventsOverLimit.get();
                shadow += l.shadowed.get();
            }
            rs.add(new EngineStats.RuleStats(r.plan().rule().id(), matched, sent, suppressed, failures, lastAlert,
                    refused, Horizon.cappedMillis(r.plan().rule(), options.maxHorizon()), keys, events, keysOver,
                    eventsOver, shadow));
        }
        return new EngineStats(c.processed, c.late, c.dropped, alertsSent.get(), alertsSuppressed.get(),
                queueDepth(), rs);
    }

    /**
     * The engine's horizon: the longest horizon of the deployed rules (disabled rules are not
     * deployed), each at most {@link EngineOptions#maxHorizon()}, and an unbounded one counted as
     * that; 0 with nothing deployed. Read from what the engine thread published at its last
     * deploy, without waiting behind queued events.
     */
    public long horizonMillis() {
        return Horizon.longestMillis(deployed.stream().map(r -> r.plan().rule()).toList(), options.maxHorizon());
    }

    /** The sum of two measurements, either of which may be -1 (none). */
    private static long plus(long a, long b) {
        return a < 0 ? b : b < 0 ? a : a + b;
    }

    /** The sequencer's counters as of the engine thread's last batch. */
    private record Counts(long processed, long late, long dropped) {
    }

    private void publish() {
        clockSnapshot = core.now();
        counts = new Counts(core.processed, core.late, core.dropped);
    }

    /**
     * The engine's event time as of the last batch it processed, without waiting for the engine
     * thread; {@link Long#MIN_VALUE} before any. For gauges (engine lag).
     */
    public long clockSnapshot() {
        return clockSnapshot;
    }

    /** Free places in the queue: how many events {@link #offer} can take now, at most. */
    public int remainingCapacity() {
        return room.availablePermits();
    }

    /** Events waiting in the queue. */
    public int queueDepth() {
        return options.queueCapacity() - room.availablePermits();
    }

    private <T> T call(Function<Sequencer, T> action) throws InterruptedException {
        checkOpen();
        CompletableFuture<T> done = new CompletableFuture<>();
        queue.add(new Command<>(action, done));
        try {
            return done.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    private void checkOpen() {
        if (failure != null) {
            throw new IllegalStateException("the engine thread failed", failure);
        }
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
    }

    private void loop() {
        List<Object> batch = new ArrayList<>(1024);
        try {
            while (true) {
                Object first = queue.take();
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (Object item : batch) {
                    switch (item) {
                        case DecodedEvent e -> {
                            process(e);
                            room.release();
                        }
                        case Batch b -> {
                            for (DecodedEvent e : b.events()) {
                                process(e);
                            }
                            room.release(b.events().size());
                        }
                        case Command<?> c -> c.run(core, this::publish);
                        default -> {
                            if (item == STOP) {
                                return;
                            }
                            throw new IllegalStateException("unknown item in the engine queue: " + item);
                        }
                    }
                }
                batch.clear();
                core.flush();
                publish();
                measureState();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("the engine thread failed", e);
            for (Object item : batch) {
                if (item instanceof Command<?> c) {
                    c.done.completeExceptionally(e);
                }
            }
        } finally {
            core.destroy();
        }
    }

    /** How often, at most, the keys each grouped rule holds are counted (a pass over its groups, on this thread). */
    static final long STATE_MILLIS = 10_000;
    /**
     * A pass over a million groups takes 0.3-0.5 s here (Esper computes each group's row); the next
     * pass waits at least this many times the last one's length, so counting costs at most 2 % of
     * the engine thread.
     */
    static final long STATE_COST_FACTOR = 50;
    private long lastStateMeasure = Long.MIN_VALUE;
    private long stateIntervalMillis = STATE_MILLIS;

    /**
     * Every {@link #STATE_MILLIS} of the clock (longer when a pass is slow), counts the keys of each
     * aggregate or absence rule (up to {@code maxKeys}, so a pass costs at most that) and the events
     * in its windows, and reports a rule at or over either limit, logged once per 360 counts of the rule.
     */
    private void measureState() {
        long now = options.clock().millis();
        if (lastStateMeasure != Long.MIN_VALUE && now - lastStateMeasure < stateIntervalMillis) {
            return;
        }
        lastStateMeasure = now;
        long started = System.nanoTime();
        long max = options.maxKeys();
        long maxEvents = options.maxWindowEvents();
        for (RuleRun r : core.rules()) {
            AlertLifecycle l = r.lifecycle();
            long keys = -1;
            long events = -1;
            for (EsperHost.DeployedRule run : r.runs()) {
                EsperHost.State st = run.state(max > 0 ? max : Long.MAX_VALUE);
                run.lifecycle().stateKeys = st.keys();
                run.lifecycle().stateEvents = st.events();
                keys = plus(keys, st.keys());
                events = plus(events, st.events());
            }
            EsperHost.State state = new EsperHost.State(keys, events);
            if (max > 0 && state.keys() >= max) {
                if (l.keysOverLimit.getAndIncrement() % 360 == 0) {
                    LOG.warn("rule {} holds {} keys or more (rules.maxKeys): its state grows with every new key;"
                            + " give it a narrower key, a shorter window, or a filter", r.plan().rule().id(), max);
                }
            }
            if (maxEvents > 0 && state.events() >= maxEvents) {
                if (l.eventsOverLimit.getAndIncrement() % 360 == 0) {
                    LOG.warn("rule {} holds {} events or more in its windows (rules.maxWindowEvents): give it a"
                            + " shorter window or a filter", r.plan().rule().id(), state.events());
                }
            }
        }
        long passMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        stateIntervalMillis = Math.max(STATE_MILLIS, passMillis * STATE_COST_FACTOR);
    }

    private void process(DecodedEvent e) {
        try {
            core.onEvent(e);
        } catch (RuntimeException ex) {
            core.dropped++;
            LOG.error("event {} failed in the engine and was dropped", e, ex);
        }
    }

    private void startTicker() {
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-engine-ticker");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> {
            if (closed || failure != null) {
                return;
            }
            long wall = options.clock().millis();
            // One tick waiting is enough: while the engine is behind, more would only pile up.
            if (pendingTick.compareAndSet(false, true)) {
                queue.add(new Command<Void>(core -> {
                    pendingTick.set(false);
                    core.tick(wall);
                    return null;
                }, new CompletableFuture<>()));
            }
        }, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Stops the engine thread after what is queued; undelivered events are dropped. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ticker != null) {
            ticker.shutdownNow();
        }
        queue.add(STOP);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
