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
import dev.vigil.rules.RuleSet;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The single-threaded pipeline behind {@link Engine}: the sequencer (lateness buffer, watermark,
 * late rejections), the clock (Esper's and the lifecycle's timers, in time order) and the Esper
 * host. Not thread-safe: the engine thread owns it.
 *
 * <p>Ties at one millisecond: lifecycle timers due at T run first, then Esper's timers due at T,
 * then events stamped T (language spec, "Time").
 */
public final class Sequencer implements Timers {
    private final EngineOptions options;
    private final long lateness;
    private final EsperHost host;
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final PriorityQueue<Held> held = new PriorityQueue<>();
    private long sequence;
    private long newest = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    private boolean stepping;
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

    private record Timer(long at, long seq, Runnable action) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /** A held event; equal times keep their arrival order. */
    private record Held(DecodedEvent event, long seq) implements Comparable<Held> {
        @Override
        public int compareTo(Held o) {
            int c = Long.compare(event.time(), o.event.time());
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    public Sequencer(EngineOptions options, AlertSink sink) {
        this.options = options;
        this.lateness = options.lateness().toMillis();
        this.processingTime = options.timeMode() == EngineOptions.TimeMode.PROCESSING;
        this.live = options.live() || processingTime;
        this.host = new EsperHost(options, sink, this);
    }

    public DeployResult deploy(RuleSet rules) throws DeployException {
        DeployResult result = host.deploy(rules);
        stepping = host.usesEngineTimers();
        return result;
    }

    public JsonEventDecoder decoder() {
        return host.decoder();
    }

    public EsperHost host() {
        return host;
    }

    /** Event time of the engine: the last time its clock moved to. */
    public long now() {
        return host.currentTime();
    }

    @Override
    public void schedule(long at, Runnable action) {
        timers.add(new Timer(at, sequence++, action));
    }

    /** Takes one event: held for reordering, released in time order, or rejected as late. */
    public void onEvent(DecodedEvent e) {
        if (live && !recovering) {
            long wall = options.clock().millis();
            lastArrivalWall = wall;
            quiet = false;
            if (processingTime) {
                advanceTo(wall);
                send(e);
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
        advanceTo(now() + host.longestDuration());
    }

    private void process(DecodedEvent e) {
        advanceTo(e.time());
        send(e);
    }

    private void send(DecodedEvent e) {
        if (host.send(e)) {
            processed++;
            return;
        }
        // Decoded against a declaration that has since changed: decode again from its data.
        EventShape current = host.decoder().shape(e.type());
        if (current != null) {
            com.fasterxml.jackson.databind.node.ObjectNode envelope = Json.mapper().createObjectNode();
            envelope.put("type", e.type());
            e.id().ifPresent(id -> envelope.put("id", id));
            envelope.put("time", e.time());
            envelope.set("data", e.tree());
            Decoded again = host.decoder().decode(envelope, "");
            if (again instanceof Decoded.Accepted a && host.send((DecodedEvent) a.event())) {
                processed++;
                return;
            }
        }
        dropped++;
    }

    /**
     * Moves event time to {@code t}: every lifecycle and Esper timer up to {@code t} runs at its own
     * time, lifecycle timers before Esper's at the same millisecond.
     */
    void advanceTo(long t) {
        if (!stepping && timers.isEmpty()) {
            host.advanceTo(t);
            return;
        }
        while (true) {
            long mine = timers.isEmpty() ? Long.MAX_VALUE : timers.peek().at;
            long esper = host.nextScheduledTime();
            if (mine <= t && mine <= esper) {
                List<Timer> due = new ArrayList<>();
                while (!timers.isEmpty() && timers.peek().at == mine) {
                    due.add(timers.poll());
                }
                for (Timer timer : due) {
                    timer.action.run();
                }
            } else if (esper <= t && esper > host.currentTime()) {
                host.advanceTo(esper);
            } else {
                break;
            }
        }
        host.advanceTo(t);
    }

    public void destroy() {
        host.destroy();
    }
}
