package dev.vigil.engine;

import java.util.List;

/**
 * A snapshot of what the engine has done.
 *
 * @param eventsProcessed events sent to Esper
 * @param eventsLate events rejected as late
 * @param eventsDropped events whose type was undeployed before they were processed
 * @param queueDepth items waiting in the engine queue
 * @param rules per deployed rule
 */
public record EngineStats(long eventsProcessed, long eventsLate, long eventsDropped, long alertsSent,
                          long alertsSuppressed, int queueDepth, List<RuleStats> rules) {
    public EngineStats {
        rules = List.copyOf(rules);
    }

    /**
     * @param matched firing alerts raised, suppressed ones included
     * @param lastAlertTime event time of the last alert, or {@code Long.MIN_VALUE}
     * @param partialMatchesRefused pattern attempts not started at the rule's cap of partial matches
     * @param horizonMillis the rule's horizon, at most {@link EngineOptions#maxHorizon()} (an
     *     unbounded rule counts as that)
     * @param stateKeys keys with events in the rule's window at the last measurement (-1: none measured)
     * @param stateEvents events in the rule's windows at the last measurement (-1: none measured)
     * @param keysOverLimit measurements at or over {@link EngineOptions#maxKeys()}
     * @param eventsOverLimit measurements at or over {@link EngineOptions#maxWindowEvents()}
     * @param shadow of {@code sent}, the alerts raised in {@code mode shadow} (stored, never sent)
     */
    public record RuleStats(String id, long matched, long sent, long suppressed, long failures, long lastAlertTime,
                            long partialMatchesRefused, long horizonMillis, long stateKeys, long stateEvents,
                            long keysOverLimit, long eventsOverLimit, long shadow) {
    }
}
