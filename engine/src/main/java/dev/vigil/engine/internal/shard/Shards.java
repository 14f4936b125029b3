package dev.vigil.engine.internal.shard;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.DeployException;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.decode.EventShape;
import dev.vigil.engine.internal.decode.JsonEventDecoder;
import dev.vigil.engine.internal.epl.ShardKeys;
import dev.vigil.engine.internal.esper.EsperHost;
import dev.vigil.engine.internal.esper.Sharding;
import dev.vigil.engine.internal.time.Backend;
import dev.vigil.engine.internal.time.ShardCore;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Rule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Shards (design.md, "Scale"): {@code N} Esper runtimes, each a {@link ShardCore}. Shard 0 runs every
 * rule; the others run the keyed rules ({@link ShardKeys}), each statement reading the events whose
 * key hashes to its shard. The engine thread sequences events (one watermark) and routes each once
 * per shard its rules' keys hash to; at {@link #flush} the shards process what they were given in
 * parallel (shard 0 on the engine thread, the others on workers), every shard's clock ends at the
 * same event time, and their alerts are merged into event-time order and handed to the sink on the
 * engine thread. Between flushes every shard is idle, so the engine thread may read and change any
 * shard's state (deploys, recovery, measurements).
 *
 * <p>Alerts are those of one engine over the same events, ids and times included (each rule's state
 * for a key lives in one shard and sees every event of that key in the same order, and every shard
 * fires its timers at the same event times); only alerts of different rules at the same moment may
 * come in another order (by rule-set order here).
 */
public final class Shards implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(Shards.class);
    /** Items a shard buffers before the engine thread hands them over without waiting for the batch's end. */
    private static final int ROUND_ITEMS = 4096;

    private final int count;
    private final ShardCore[] cores;
    private final Collector[] collectors;
    private final Worker[] workers;
    private final AlertSink sink;
    private final List<List<Item>> pending;
    private long clock;
    private long step;
    private boolean dirty;
    /** Per event type shape: where its events go. Replaced by each deploy. */
    private Map<EventShape, Route> routes = new IdentityHashMap<>();
    /** Rule id to its position in the rule set, for the order of simultaneous alerts. */
    private Map<String, Integer> ruleOrder = Map.of();

    /** Where a type's events go: shard 0 (rules without key) and the shard of each key its rules use. */
    private record Route(boolean leader, int[][] keys) {
    }

    /**
     * A unit of a shard's work: an event to process (the clock moved to its time first), an event to
     * send at the engine's clock (processing time: the clock moved to {@code time} first), or a clock move.
     */
    private record Item(int kind, DecodedEvent event, long time, long step) {
        static final int PROCESS = 0;
        static final int SEND = 1;
        static final int ADVANCE = 2;
    }

    public Shards(EngineOptions options, AlertSink sink, dev.vigil.engine.internal.tables.TableStore tables) {
        this.count = options.shards();
        this.sink = sink;
        this.cores = new ShardCore[count];
        this.collectors = new Collector[count];
        this.workers = new Worker[count];
        this.pending = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            collectors[i] = new Collector(this);
            cores[i] = new ShardCore(options, collectors[i], new Sharding(i, count), tables);
            pending.add(new ArrayList<>());
            if (i > 0) {
                workers[i] = new Worker("vigil-shard-" + i);
            }
        }
        this.clock = cores[0].now();
    }

    // ---------------------------------------------------------------- deploy

    @Override
    public DeployResult deploy(RuleSet rules) throws DeployException {
        flush();
        DeployResult result = cores[0].deploy(rules, null);
        EsperHost leader = cores[0].host();
        List<CompletableFuture<Object>> done = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            ShardCore core = cores[i];
            done.add(workers[i].submit(() -> core.deploy(rules, leader)));
        }
        for (int i = 0; i < done.size(); i++) {
            try {
                await(done.get(i));
            } catch (RuntimeException e) {
                if (e.getCause() instanceof DeployException d) {
                    // Shard 0 compiled every statement; another shard refusing one is a defect.
                    throw new IllegalStateException("shard " + (i + 1) + " refused rules shard 0 deployed: "
                            + d.getMessage(), d);
                }
                throw e;
            }
        }
        routes = routes(leader);
        Map<String, Integer> order = new HashMap<>();
        for (Rule r : rules.rules()) {
            order.putIfAbsent(r.id(), order.size());
        }
        ruleOrder = order;
        return result;
    }

    /** The routes of the deployed types: for each, whether shard 0 needs every event, and the keys' fields. */
    private Map<EventShape, Route> routes(EsperHost leader) {
        Map<String, Boolean> toLeader = new HashMap<>();
        Map<String, Set<List<String>>> keys = new HashMap<>();
        for (EsperHost.DeployedRule r : leader.rules()) {
            var fields = ShardKeys.fields(r.plan().rule());
            for (String type : r.plan().types()) {
                if (fields.isPresent()) {
                    keys.computeIfAbsent(type, t -> new LinkedHashSet<>()).add(fields.get());
                } else {
                    toLeader.put(type, true);
                }
            }
        }
        Map<EventShape, Route> out = new IdentityHashMap<>();
        JsonEventDecoder decoder = leader.decoder();
        for (String type : decoder.types()) {
            EventShape shape = decoder.shape(type);
            List<int[]> indexes = new ArrayList<>();
            for (List<String> fields : keys.getOrDefault(type, Set.of())) {
                int[] idx = new int[fields.size()];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = shape.fieldIndex(fields.get(i));
                    if (idx[i] < 0) {
                        throw new IllegalStateException("type " + type + " has no field " + fields.get(i));
                    }
                }
                indexes.add(idx);
            }
            out.put(shape, new Route(toLeader.getOrDefault(type, false), indexes.toArray(new int[0][])));
        }
        return out;
    }

    @Override
    public JsonEventDecoder decoder() {
        return cores[0].host().decoder();
    }

    @Override
    public long now() {
        return clock;
    }

    @Override
    public long longestDuration() {
        return cores[0].host().longestDuration();
    }

    @Override
    public List<RuleRun> rules() {
        List<RuleRun> out = new ArrayList<>();
        for (EsperHost.DeployedRule r : cores[0].host().rules()) {
            List<EsperHost.DeployedRule> runs = new ArrayList<>(List.of(r));
            for (int i = 1; i < count; i++) {
                EsperHost.DeployedRule other = cores[i].host().rule(r.plan().rule().id());
                if (other != null) {
                    runs.add(other);
                }
            }
            out.add(new RuleRun(r.plan(), runs));
        }
        return out;
    }

    // ---------------------------------------------------------------- events

    @Override
    public void process(DecodedEvent e) {
        if (e.time() > clock) {
            clock = e.time();
        }
        route(e, Item.PROCESS);
    }

    @Override
    public void send(DecodedEvent e) {
        route(e, Item.SEND);
    }

    private void route(DecodedEvent e, int kind) {
        long s = step++;
        dirty = true;
        Route r = routes.get(e.shape());
        if (r == null) {
            return; // read by no rule (a type no rule reads is still decoded, and counted)
        }
        long mask = r.leader ? 1L : 0L;
        if (r.keys.length > 0) {
            Object[] row = e.row();
            for (int[] key : r.keys) {
                Object[] values = new Object[key.length];
                for (int i = 0; i < key.length; i++) {
                    values[i] = row[key[i]];
                }
                mask |= 1L << ShardKeys.shard(count, values);
            }
        }
        // At the engine's clock: the event's time in event time; the wall clock's in processing time.
        Item item = new Item(kind, e, clock, s);
        boolean full = false;
        for (int i = 0; mask != 0; i++, mask >>>= 1) {
            if ((mask & 1) != 0) {
                List<Item> p = pending.get(i);
                p.add(item);
                full |= p.size() >= ROUND_ITEMS;
            }
        }
        if (full) {
            flush();
        }
    }

    @Override
    public void advanceTo(long t) {
        if (t > clock) {
            clock = t;
            dirty = true;
        }
    }

    // ---------------------------------------------------------------- rounds

    @Override
    public long flush() {
        if (!dirty) {
            return 0;
        }
        dirty = false;
        List<CompletableFuture<Object>> done = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            pending.get(i).add(new Item(Item.ADVANCE, null, clock, step));
        }
        for (int i = 1; i < count; i++) {
            List<Item> items = pending.get(i);
            int shard = i;
            done.add(workers[i].submit(() -> run(shard, items)));
            pending.set(i, new ArrayList<>(Math.min(ROUND_ITEMS, items.size() * 2)));
        }
        List<Item> mine = pending.get(0);
        pending.set(0, new ArrayList<>(Math.min(ROUND_ITEMS, mine.size() * 2)));
        long failed = run(0, mine);
        for (CompletableFuture<Object> f : done) {
            failed += (Long) await(f);
        }
        emit();
        return failed;
    }

    /** Processes one shard's items; the events that failed (logged and skipped). */
    private long run(int shard, List<Item> items) {
        ShardCore core = cores[shard];
        Collector out = collectors[shard];
        long failed = 0;
        for (Item item : items) {
            try {
                switch (item.kind) {
                    case Item.PROCESS -> {
                        out.at(Collector.TIMERS, 0);
                        core.advanceTo(item.time);
                        out.at(Collector.EVENT, item.step);
                        core.send(item.event);
                    }
                    case Item.SEND -> {
                        out.at(Collector.TIMERS, 0);
                        core.advanceTo(item.time);
                        out.at(Collector.EVENT, item.step);
                        core.send(item.event);
                    }
                    default -> {
                        out.at(Collector.TIMERS, 0);
                        core.advanceTo(item.time);
                    }
                }
            } catch (RuntimeException ex) {
                failed++;
                LOG.error("event {} failed in shard {} and was dropped", item.event, shard, ex);
            }
        }
        return failed;
    }

    /** Hands the shards' alerts to the sink in event-time order: timers before events at one time, events in order. */
    private void emit() {
        List<Collected> all = null;
        for (Collector c : collectors) {
            if (c.out.isEmpty()) {
                continue;
            }
            if (all == null) {
                all = c.out;
                c.out = new ArrayList<>();
            } else {
                all.addAll(c.out);
                c.out.clear();
            }
        }
        if (all == null) {
            return;
        }
        if (count > 1) {
            all.sort(ORDER);
        }
        for (Collected c : all) {
            if (c.reason == null) {
                sink.onAlert(c.alert);
            } else {
                sink.onSuppressed(c.alert, c.reason);
            }
        }
    }

    private static final Comparator<Collected> ORDER = Comparator.comparingLong((Collected c) -> c.alert.time())
            .thenComparingInt(c -> c.phase)
            .thenComparingLong(c -> c.step)
            .thenComparingInt(c -> c.rule);

    /** An alert a shard raised, with where it came from: timers or an event (its step), and its rule's position. */
    private record Collected(Alert alert, String reason, int phase, long step, int rule) {
    }

    /** A shard's sink: keeps its alerts, tagged, until the round's end. Used by one thread at a time. */
    private static final class Collector implements AlertSink {
        static final int TIMERS = 0;
        static final int EVENT = 1;
        private final Shards shards;
        private List<Collected> out = new ArrayList<>();
        private int phase;
        private long step;

        Collector(Shards shards) {
            this.shards = shards;
        }

        void at(int phase, long step) {
            this.phase = phase;
            this.step = step;
        }

        @Override
        public void onAlert(Alert alert) {
            out.add(new Collected(alert, null, phase, step, shards.ruleOrder.getOrDefault(alert.rule(), 0)));
        }

        @Override
        public void onSuppressed(Alert alert, String reason) {
            out.add(new Collected(alert, reason, phase, step, shards.ruleOrder.getOrDefault(alert.rule(), 0)));
        }
    }

    private static Object await(CompletableFuture<Object> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a shard", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("a shard failed: " + cause, cause);
        }
    }

    @Override
    public void destroy() {
        for (int i = 0; i < count; i++) {
            if (workers[i] != null) {
                workers[i].stop();
            }
            cores[i].destroy();
        }
    }

    /** A shard's thread: runs what the engine thread hands it, one task at a time. */
    private static final class Worker {
        private static final Runnable STOP = () -> { };
        private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(4);
        private final Thread thread;

        Worker(String name) {
            thread = new Thread(this::loop, name);
            thread.setDaemon(true);
            thread.start();
        }

        CompletableFuture<Object> submit(Callable<?> task) {
            CompletableFuture<Object> done = new CompletableFuture<>();
            try {
                tasks.put(() -> {
                    try {
                        done.complete(task.call());
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                done.completeExceptionally(e);
            }
            return done;
        }

        private void loop() {
            try {
                while (true) {
                    Runnable r = tasks.take();
                    if (r == STOP) {
                        return;
                    }
                    r.run();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void stop() {
            tasks.offer(STOP);
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
