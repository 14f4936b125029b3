package dev.vigil.engine.internal.time;

import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.DeployException;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.Json;
import dev.vigil.engine.Rejection;
import dev.vigil.engine.Times;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.decode.EventShape;
import dev.vigil.engine.internal.decode.JsonEventDecoder;
import dev.vigil.engine.internal.esper.EsperHost;
import dev.vigil.engine.internal.esper.Sharding;
import dev.vigil.engine.internal.shard.Shards;
import dev.vigil.engine.internal.tables.TableStore;
import dev.vigil.rules.RuleSet;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The single-threaded front of the pipeline behind {@link Engine}: the sequencer (lateness buffer,
 * watermark, late rejections, quiet live input) in front of the {@link Backend} that runs the rules
 * (one {@link ShardCore}, or {@link Shards} with {@code engine.shards} above 1). Not thread-safe:
 * the engine thread owns it.
 */
public final class Sequencer {
    private final EngineOptions options;
    private final long lateness;
    private final Backend backend;
    private final TableStore tables;
    /** The single core without shards (for tests that reach into it), else null. */
    private final ShardCore single;
    private final PriorityQueue<Held> held = new PriorityQueue<>();
    private long sequence;
    private long newest = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private final boolean processingTime;
    /**
     * Live input counts as quiet after {@code lateness} without events, but never sooner than
     * this: with {@code lateness: 0s} every gap between two requests would otherwise let the clock
     * run ahead of the events still coming.
     */
    static final long MIN_QUIET_MILLIS = 1000;
    private final boolean live;
    /** Wall-clock time of the last event's arrival (live input), or MIN_VALUE before the first. */
    private long lastArrivalWall = Long.MIN_VALUE;
    /** Live input gone quiet: event time follows the wall clock from {@link #quietBase}. */
    private boolean quiet;
    private long quietBase;
    private long quietWall;

    /** Replaying input from before a restart: events are not live arrivals. */
    private boolean recovering;

    public long processed;
    public long late;
    public long dropped;

    /** A held event; equal times keep their arrival order. */
    private record Held(DecodedEvent event, long seq) implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            int c = Long.compare(event.time(), o.event.time());
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    public Sequencer(EngineOptions options, AlertSink sink) {
        this(options, sink, new TableStore());
    }

    /** @param tables the engine's reference tables (kept across a {@code rebuild}) */
    public Sequencer(EngineOptions options, AlertSink sink, TableStore tables) {
        this.tables = tables;
        this.options = options;
        this.lateness = options.lateness().toMillis();
        this.processingTime = options.timeMode() == EngineOptions.TimeMode.PROCESSING;
        this.live = options.live() || processingTime;
        if (options.shards() > 1) {
            this.single = null;
            this.backend = new Shards(options, sink, tables);
        } else {
            this.single = new ShardCore(options, sink, Sharding.NONE, tables);
            this.backend = new Single(single);
        }
    }

    /** The backend without shards: one core on the engine thread. */
    private record Single(ShardCore core) implements Backend {
        @Override
        public DeployResult deploy(RuleSet rules) throws DeployException {
            return core.deploy(rules, null);
        }

        @Override
        public JsonEventDecoder decoder() {
            return core.host().decoder();
        }

        @Override
        public long now() {
            return core.now();
        }

        @Override
        public void process(DecodedEvent e) {
            core.process(e);
        }

        @Override
        public void send(DecodedEvent e) {
            core.send(e);
        }

        @Override
        public void advanceTo(long t) {
            core.advanceTo(t);
        }

        @Override
        public long longestDuration() {
            return core.host().longestDuration();
        }

        @Override
        public List<RuleRun> rules() {
            List<RuleRun> out = new ArrayList<>();
            for (EsperHost.DeployedRule r : core.host().rules()) {
                out.add(new RuleRun(r.plan(), List.of(r)));
            }
            return out;
        }

        @Override
        public long flush() {
            return 0;
        }

        @Override
        public void destroy() {
            core.destroy();
        }
    }

    public DeployResult deploy(RuleSet rules) throws DeployException {
        DeployResult r = backend.deploy(rules);
        tables.declare(rules.tables(), options.clock().millis());
        return r;
    }

    /** The reference tables the rules look up. */
    public TableStore tables() {
        return tables;
    }

    public JsonEventDecoder decoder() {
        return backend.decoder();
    }

    /** The Esper host without shards (tests reach into it); shards have one each. */
    public EsperHost host() {
        if (single == null) {
            throw new IllegalStateException("an engine with shards has one Esper host per shard");
        }
        return single.host();
    }

    /** The rules running, each with its runs (one per shard it runs in). */
    public List<Backend.RuleRun> rules() {
        return backend.rules();
    }

    /** Completes what was handed to the shards (alerts delivered); nothing to do without shards. */
    public void flush() {
        dropped += backend.flush();
    }

    /** Event time of the engine: the last time its clock moved to. */
    public long now() {
        return backend.now();
    }

    /** Takes one event: held for reordering, released in time order, or rejected as late. */
    public void onEvent(DecodedEvent e) {
        if (live && !recovering) {
            long wall = options.clock().millis();
            lastArrivalWall = wall;
            quiet = false;
            if (processingTime) {
                advanceTo(wall);
                DecodedEvent current = current(e);
                if (current == null) {
                    dropped++;
                    return;
                }
                backend.send(current);
                processed++;
                return;
            }
        }
        long t = e.time();
        if (t < watermark || t < now()) {
            late++;
            options.rejections().accept(new Rejection(e.type() + (e.id().isPresent() ? " " + e.id().get() : ""),
                    "late event: time " + Times.format(t) + " is behind the watermark "
                            + Times.format(Math.max(watermark, now()))
                            + " (lateness " + lateness + " ms)", Rejection.Kind.LATE, e.type()));
            return;
        }
        if (t > newest) {
            newest = t;
            watermark = newest - lateness;
        }
        if (lateness == 0 && held.isEmpty()) {
            process(e);
            return;
        }
        held.add(new Held(e, sequence++));
        while (!held.isEmpty() && held.peek().event.time() <= watermark) {
            process(held.poll().event);
        }
    }

    /**
     * Recovery replay on or off. While on, events are replayed input, not arrivals: they do not
     * reset the quiet-input clock, and in processing time they keep their recorded order only.
     */
    public void recovering(boolean on) {
        recovering = on;
    }

    /** Releases every held event, in time order (end of input, or live input gone quiet). */
    void releaseHeld() {
        while (!held.isEmpty()) {
            process(held.poll().event);
        }
    }

    /**
     * Live input: called every few milliseconds with the wall clock. In processing time the clock
     * follows it. In event time, once no event has arrived for {@code lateness}, held events are
     * released and event time advances at wall-clock pace from the newest event time.
     */
    public void tick(long wallNow) {
        if (processingTime) {
            advanceTo(wallNow);
            return;
        }
        long quietAfter = Math.max(lateness, MIN_QUIET_MILLIS);
        if (lastArrivalWall == Long.MIN_VALUE || wallNow - lastArrivalWall < quietAfter) {
            return;
        }
        if (!quiet) {
            quiet = true;
            releaseHeld();
            quietBase = Math.max(newest, now());
            quietWall = lastArrivalWall + quietAfter;
        }
        long target = quietBase + (wallNow - quietWall);
        if (target > now()) {
            advanceTo(target);
        }
    }

    /** End of finite input: release held events, then let the longest rule duration pass. */
    public void finish() {
        releaseHeld();
        advanceTo(now() + backend.longestDuration());
    }

    private void process(DecodedEvent e) {
        DecodedEvent current = current(e);
        if (current == null) {
            backend.advanceTo(e.time());
            dropped++;
            return;
        }
        backend.process(current);
        processed++;
    }

    /**
     * The event as the deployed declaration of its type reads it: itself, or (decoded against a
     * declaration that has since changed) decoded again from its data; null when its type is no
     * longer deployed or its data no longer fits.
     */
    private DecodedEvent current(DecodedEvent e) {
        JsonEventDecoder decoder = backend.decoder();
        EventShape current = decoder.shape(e.type());
        if (current == e.shape()) {
            return e;
        }
        if (current == null) {
            return null;
        }
        com.fasterxml.jackson.databind.node.ObjectNode envelope = Json.mapper().createObjectNode();
        envelope.put("type", e.type());
        e.id().ifPresent(id -> envelope.put("id", id));
        envelope.put("time", e.time());
        envelope.set("data", e.tree());
        Decoded again = decoder.decode(envelope, "");
        return again instanceof Decoded.Accepted a ? (DecodedEvent) a.event() : null;
    }

    void advanceTo(long t) {
        backend.advanceTo(t);
    }

    public void destroy() {
        backend.destroy();
    }
}
