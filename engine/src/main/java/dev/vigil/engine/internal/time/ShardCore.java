package dev.vigil.engine.internal.time;

import dev.vigil.engine.AlertSink;
import dev.vigil.engine.DeployException;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.esper.EsperHost;
import dev.vigil.engine.internal.esper.Sharding;
import dev.vigil.rules.RuleSet;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One Esper runtime and its clock: the lifecycle's timers and Esper's, run in time order as event
 * time moves. The engine has one (no shards) or one per shard ({@code engine.shards}). Not
 * thread-safe: one thread at a time owns it (the engine thread, or a shard's worker while the
 * engine thread waits for it).
 *
 * <p>Ties at one millisecond: lifecycle timers due at T run first, then Esper's timers due at T,
 * then events stamped T (language spec, "Time").
 */
public final class ShardCore implements Timers {
    private final EsperHost host;
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long sequence;
    private boolean stepping;

    private record Timer(long at, long seq, Runnable action) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    public ShardCore(EngineOptions options, AlertSink sink, Sharding sharding,
                     dev.vigil.engine.internal.tables.TableStore tables) {
        this.host = new EsperHost(options, sink, this, sharding, tables);
    }

    /** Deploys a rule set; {@code leader} is shard 0's host when this is another shard (types are shared), else null. */
    public DeployResult deploy(RuleSet rules, EsperHost leader) throws DeployException {
        DeployResult result = host.deploy(rules, leader);
        stepping = host.usesEngineTimers();
        return result;
    }

    public EsperHost host() {
        return host;
    }

    /** Event time of this runtime: the last time its clock moved to. */
    public long now() {
        return host.currentTime();
    }

    @Override
    public void schedule(long at, Runnable action) {
        timers.add(new Timer(at, sequence++, action));
    }

    /** Moves the clock to the event's time (timers on the way fire), then hands the event to Esper. */
    public void process(DecodedEvent e) {
        advanceTo(e.time());
        host.send(e);
    }

    /** Hands an event to Esper at the current time (processing time: the clock follows the wall clock). */
    public void send(DecodedEvent e) {
        host.send(e);
    }

    /**
     * Moves event time to {@code t}: every lifecycle and Esper timer up to {@code t} runs at its own
     * time, lifecycle timers before Esper's at the same millisecond.
     */
    public void advanceTo(long t) {
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
