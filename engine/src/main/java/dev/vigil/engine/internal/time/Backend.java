package dev.vigil.engine.internal.time;

import dev.vigil.engine.DeployException;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.internal.alerting.AlertLifecycle;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.decode.JsonEventDecoder;
import dev.vigil.engine.internal.epl.RulePlan;
import dev.vigil.engine.internal.esper.EsperHost;
import dev.vigil.rules.RuleSet;

import java.util.List;

/**
 * What runs the rules behind the {@link Sequencer}: one {@link ShardCore}, or shards that each own
 * one (design.md, "Scale"). The sequencer hands it events in time order and moves its clock; the
 * effects (alerts) may wait until {@link #flush}. Engine thread.
 */
public interface Backend {
    DeployResult deploy(RuleSet rules) throws DeployException;

    JsonEventDecoder decoder();

    /** Event time: the last time the clock moved to. */
    long now();

    /** Moves the clock to the event's time (timers on the way fire), then processes it. */
    void process(DecodedEvent e);

    /** Processes an event at the current time (processing time). */
    void send(DecodedEvent e);

    /** Moves the clock to {@code t}, every timer on the way firing at its own time. */
    void advanceTo(long t);

    /** The longest duration any deployed rule uses. */
    long longestDuration();

    /** The rules running, in rule-set order, each with its runs (one per shard it runs in). */
    List<RuleRun> rules();

    /**
     * Completes what was handed over since the last call: every event processed and every alert
     * delivered to the sink, in event-time order. After it, the engine thread may read and change
     * the rules' state (recovery, measurements) until it hands over more.
     *
     * @return the events that failed in a shard since the last call (logged there), to count as dropped
     */
    long flush();

    void destroy();

    /** A deployed rule and its runs: one per shard that runs it (one without shards). */
    record RuleRun(RulePlan plan, List<EsperHost.DeployedRule> runs) {
        public RuleRun {
            runs = List.copyOf(runs);
        }

        /** The first run's lifecycle: what every run shares (the rule, its restore needs). */
        public AlertLifecycle lifecycle() {
            return runs.get(0).lifecycle();
        }
    }
}
