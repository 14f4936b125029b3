package dev.vigil.engine.internal.alerting;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Event;
import dev.vigil.engine.Times;
import dev.vigil.engine.internal.epl.RulePlan;
import dev.vigil.engine.internal.time.Timers;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.Label;
import dev.vigil.rules.ast.Rule;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The alert lifecycle of one deployed rule: turns output rows into firing and resolved alerts,
 * applies {@code for} and {@code throttle}, and builds each alert (id, key, message, values,
 * events, with {@link AlertMessage} and {@link AlertIds}). Lives outside Esper, so the state of an unchanged rule survives a redeploy. Engine
 * thread only.
 */
public final class AlertLifecycle {
    private final RulePlan plan;
    private final RulePlan.Layout layout;
    private final AlertSink sink;
    private final Timers timers;
    private final Clock clock;
    private final Map<List<Object>, GroupState> groups = new HashMap<>();
    /**
     * The last sent firing per key of a throttled rule, forgotten once it can no longer suppress
     * anything: a Caffeine cache whose clock is the engine's event time ({@link #eventNanos}), so an
     * entry written at event time T expires at T + throttle whatever the wall clock does. Entries
     * are never forgotten early (an entry's time is at most the time it was written at); expired
     * ones are dropped as the cache is used, on the engine thread. Null for a rule without throttle.
     */
    private final Map<List<Object>, Long> lastSent;
    private final com.github.benmanes.caffeine.cache.Cache<List<Object>, Long> throttleCache;
    /** The latest event time this lifecycle was told of (never decreases), for the throttle cache. */
    private long eventNow = Long.MIN_VALUE;
    private final AlertMessage message;
    private final Map<String, String> labels;
    private final List<String> channels;
    private final String title;
    private final boolean keepAllGroups;
    /**
     * {@code mode shadow}: set at construction and by a deploy that keeps the rule (the mode is not
     * part of its text, so switching modes keeps its state). Engine thread only.
     */
    private boolean shadow;

    public final AtomicLong matched = new AtomicLong();
    public final AtomicLong sent = new AtomicLong();
    /** Of {@link #sent}, the alerts raised in {@code mode shadow}: stored and shown, never sent. */
    public final AtomicLong shadowed = new AtomicLong();
    public final AtomicLong suppressed = new AtomicLong();
    public final AtomicLong failures = new AtomicLong();
    /** Pattern attempts not started because the rule held its maximum of partial matches. */
    public final AtomicLong partialMatchesRefused = new AtomicLong();
    public volatile long lastAlertTime = Long.MIN_VALUE;
    /** Keys the rule held at the last measurement ({@code EsperHost.DeployedRule#state}); -1: not grouped or not yet measured. */
    public volatile long stateKeys = -1;
    /** Events in the rule's windows at the last measurement; -1: not an aggregate or absence rule, or not yet measured. */
    public volatile long stateEvents = -1;
    /** Measurements that found the rule at or over {@code maxKeys}. */
    public final AtomicLong keysOverLimit = new AtomicLong();
    /** Measurements that found the rule at or over {@code maxWindowEvents}. */
    public final AtomicLong eventsOverLimit = new AtomicLong();
    /** Alerts of a recovery replay dropped because they come before the checkpoint. */
    public final AtomicLong recovered = new AtomicLong();
    /**
     * While recovering: alerts with an event time before this were stored (or were never raised)
     * before the restart, and are dropped; {@link Long#MIN_VALUE} otherwise.
     */
    private long suppressBefore = Long.MIN_VALUE;
    /** A key's latest stored firing: its event time and whether it was a shadow alert. */
    private record Episode(long time, boolean shadow) {
    }

    /**
     * While recovering: per key, the latest firing the store holds; the replay raises it again, and
     * it takes the mode it was stored with, not the rule's mode now (the rule may have gone live or
     * shadow since). Engine thread.
     */
    private Map<List<Object>, Episode> episodes = Map.of();
    /** Set when a deploy removed or replaced the rule ({@link #retire}). */
    private boolean retired;

    private static final class GroupState {
        boolean firing;
        /** The open firing was raised in {@code mode shadow}: its resolution is a shadow alert too. */
        boolean firedInShadow;
        long pendingSince = -1;
        Object[] lastRow;
        Object[] previousRow;
    }

    public AlertLifecycle(RulePlan plan, AlertSink sink, Timers timers, Clock clock) {
        this.plan = plan;
        this.layout = plan.layout();
        this.sink = sink;
        this.timers = timers;
        this.clock = clock;
        Rule rule = plan.rule();
        Map<String, String> ls = new LinkedHashMap<>();
        for (Label l : rule.labels()) {
            ls.put(l.name(), l.value());
        }
        labels = ls;
        channels = rule.channels().stream().map(Ident::name).toList();
        title = rule.title().orElse(rule.id());
        message = new AlertMessage(rule, layout.messageParts(), title);
        keepAllGroups = rule.when() instanceof dev.vigil.rules.ast.Condition.Absence;
        shadow = rule.shadow();
        long throttle = rule.throttle().map(t -> t.millis()).orElse(0L);
        throttleCache = throttle <= 0 ? null : com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
                .expireAfterWrite(java.time.Duration.ofMillis(throttle))
                .ticker(this::eventNanos)
                .executor(Runnable::run)
                .<List<Object>, Long>build();
        lastSent = throttleCache == null ? null : throttleCache.asMap();
    }

    RulePlan plan() {
        return plan;
    }

    /** One output row of a listened statement laid out as {@code rowLayout}, at engine time {@code now}. */
    public void onRow(Object[] row, RulePlan.Layout rowLayout, long now) {
        if (plan.kind() == RulePlan.Kind.FIRE_ONLY) {
            raise(Alert.Status.FIRING, row, rowLayout, now, null);
        } else {
            judge(row, now);
        }
    }

    /**
     * One row of a statement shared with other rules (aggregate rules over one stream), with this
     * rule's condition judged on it outside Esper.
     */
    public void onSharedRow(Object[] row, boolean condition, long now) {
        judge(row, condition, now);
    }

    /**
     * A row of a shared statement on which this rule's condition differs from the key's previous
     * row (the group dispatches only those to a rule whose alert state follows its condition row by
     * row: no {@code for}). {@code previousRow} is the key's previous row, which a rule told of every
     * row would have remembered (the events of a resolving row whose window is empty).
     */
    public void onTransition(Object[] row, boolean condition, Object[] previousRow, long now) {
        List<Object> group = groupOf(row);
        GroupState st = groups.get(group);
        if (condition) {
            if (st != null && st.firing) {
                return;
            }
            st = new GroupState();
            groups.put(group, st);
            remember(st, row);
            st.firing = true;
            raise(Alert.Status.FIRING, row, layout, now, st);
        } else if (st != null && st.firing) {
            st.lastRow = previousRow;
            remember(st, row);
            st.firing = false;
            raise(Alert.Status.RESOLVED, row, layout, now, st);
            groups.remove(group);
        }
    }

    /** A row's group as the lifecycles key it: the values of {@code cols}, numbers normalized. */
    public static List<Object> groupKey(Object[] row, int[] cols) {
        if (cols.length == 0) {
            return List.of();
        }
        Object[] values = new Object[cols.length];
        for (int i = 0; i < cols.length; i++) {
            values[i] = normalized(row[cols[i]]);
        }
        return Arrays.asList(values);
    }

    /**
     * Hopping windows: the rows read from the window at a judgement time; groups with an open
     * alert or pending {@code for} that have no row are judged on an empty window.
     */
    public void onJudgement(List<Object[]> rows, long now) {
        Set<List<Object>> seen = new java.util.HashSet<>();
        for (Object[] row : rows) {
            seen.add(groupOf(row));
            judge(row, now);
        }
        List<Map.Entry<List<Object>, GroupState>> absent = new ArrayList<>();
        for (Map.Entry<List<Object>, GroupState> e : groups.entrySet()) {
            if (!seen.contains(e.getKey())) {
                absent.add(e);
            }
        }
        for (Map.Entry<List<Object>, GroupState> e : absent) {
            Object[] empty = Arrays.copyOf(e.getValue().lastRow, layout.width());
            for (int col : layout.eventCols()) {
                empty[col] = null;
            }
            empty[layout.conditionCol()] = Boolean.FALSE;
            judge(empty, now);
        }
    }

    /** True when a hopping window still has groups to judge on an empty window. */
    public boolean hasOpenGroups() {
        return !groups.isEmpty();
    }

    private List<Object> groupOf(Object[] row) {
        return groupKey(row, layout.groupCols());
    }

    /**
     * A key value as a map key: integral numbers as Long, others as Double, so a key read back from
     * the store (JSON) equals the one Esper's row gave.
     */
    public static Object normalized(Object v) {
        return switch (v) {
            case Integer i -> i.longValue();
            case Short i -> i.longValue();
            case Byte i -> i.longValue();
            case java.math.BigInteger i -> i.longValue();
            case Float f -> f.doubleValue();
            case BigDecimal d -> d.doubleValue();
            case null, default -> v;
        };
    }

    private static List<Object> normalizedKey(java.util.Collection<Object> values) {
        List<Object> out = new ArrayList<>(values.size());
        for (Object v : values) {
            out.add(normalized(v));
        }
        return out;
    }

    // ---------------------------------------------------------------- recovery

    /** What this rule's lifecycle needs from the store to resume after a restart. */
    public Engine.RestoreNeed restoreNeed() {
        return new Engine.RestoreNeed(plan.rule().id(), seedsOpenAlerts() || plan.kind() == RulePlan.Kind.STATEFUL,
                plan.rule().throttle().map(t -> t.millis()).orElse(0L));
    }

    /**
     * Absence rules remember every key they saw, however long ago; a replay from a horizon back
     * cannot rebuild an open alert of a key silent for longer, so it comes from the store. Only
     * when the alert key is the group (no key expression of its own).
     */
    private boolean seedsOpenAlerts() {
        return keepAllGroups && Arrays.equals(layout.keyCols(), layout.groupCols());
    }

    /**
     * Starts a recovery replay: alerts before {@code checkpoint} are dropped (the store has them,
     * or an uninterrupted run never raised them: the replay starts with partial state), and the
     * state a replay cannot rebuild is restored from {@code prior}, what the store held for this
     * rule before the checkpoint: the last sent firing per key (throttle) and the keys with an
     * open absence alert. Engine thread.
     */
    public void beginRecovery(long checkpoint, List<Engine.PriorAlert> prior) {
        suppressBefore = checkpoint;
        long throttle = plan.rule().throttle().map(t -> t.millis()).orElse(0L);
        Map<List<Object>, Episode> stored = new HashMap<>();
        for (Engine.PriorAlert p : prior) {
            List<Object> key = normalizedKey(p.key().values());
            if (p.episode()) {
                stored.put(key, new Episode(p.time(), p.shadow()));
                continue;
            }
            if (throttle > 0 && p.status() == Alert.Status.FIRING && p.sent()) {
                advanceEventTime(checkpoint);
                lastSent.merge(key, p.time(), Math::max);
            }
            if (seedsOpenAlerts() && p.latest() && p.status() == Alert.Status.FIRING) {
                GroupState st = new GroupState();
                st.firing = true;
                st.firedInShadow = p.shadow();
                groups.put(key, st);
            }
        }
        episodes = stored;
    }

    /** Ends the recovery replay: from now on every alert goes out (the store drops known ids). */
    public void endRecovery() {
        suppressBefore = Long.MIN_VALUE;
        episodes = Map.of();
    }

    private void judge(Object[] row, long now) {
        judge(row, Boolean.TRUE.equals(row[layout.conditionCol()]), now);
    }

    private void judge(Object[] row, boolean cond, long now) {
        if (!cond && !keepAllGroups && groups.isEmpty()) {
            return; // the common row: nothing open, nothing pending, nothing to remember
        }
        List<Object> group = groupOf(row);
        GroupState st = groups.get(group);
        if (cond) {
            if (st == null) {
                st = new GroupState();
                groups.put(group, st);
            }
            remember(st, row);
            if (!st.firing && st.pendingSince < 0) {
                if (plan.forMillis() == 0) {
                    st.firing = true;
                    raise(Alert.Status.FIRING, row, layout, now, st);
                } else {
                    long since = now;
                    st.pendingSince = since;
                    GroupState pending = st;
                    timers.schedule(since + plan.forMillis(), () -> forElapsed(group, pending, since));
                }
            }
        } else {
            if (st == null) {
                if (!keepAllGroups) {
                    return;
                }
                st = new GroupState();
                groups.put(group, st);
            }
            remember(st, row);
            st.pendingSince = -1;
            if (st.firing) {
                st.firing = false;
                raise(Alert.Status.RESOLVED, row, layout, now, st);
            }
            if (!keepAllGroups) {
                groups.remove(group);
            }
        }
    }

    private static void remember(GroupState st, Object[] row) {
        st.previousRow = st.lastRow;
        st.lastRow = row;
    }

    /**
     * The rule was removed or replaced by a deploy: its pending {@code for} timers do nothing (a
     * changed rule starts fresh, a removed one raises nothing more). Engine thread.
     */
    public void retire() {
        retired = true;
    }

    private void forElapsed(List<Object> group, GroupState st, long since) {
        if (retired || groups.get(group) != st || st.pendingSince != since || st.firing) {
            return;
        }
        st.pendingSince = -1;
        st.firing = true;
        raise(Alert.Status.FIRING, st.lastRow, layout, since + plan.forMillis(), st);
    }

    private void raise(Alert.Status status, Object[] row, RulePlan.Layout layout, long time, GroupState st) {
        Rule rule = plan.rule();
        Map<String, Object> key = new LinkedHashMap<>();
        List<String> keyNames = layout.keyNames();
        for (int i = 0; i < keyNames.size(); i++) {
            key.put(keyNames.get(i), jsonValue(row[layout.keyCols()[i]]));
        }
        List<Event> events = events(row, layout);
        if (events.isEmpty() && st != null && st.previousRow != null) {
            events = events(st.previousRow, layout);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        List<String> valueNames = layout.valueNames();
        for (int i = 0; i < valueNames.size(); i++) {
            values.put(valueNames.get(i), jsonValue(row[layout.valueCols()[i]]));
        }
        String id = AlertIds.of(rule.id(), status, key, time, plan.kind() == RulePlan.Kind.FIRE_ONLY ? events : List.of());
        long throttle = rule.throttle().map(t -> t.millis()).orElse(0L);
        // An episode belongs to the mode it fired in: a receiver never gets the resolution of a
        // firing it did not get, when the rule went live in between.
        boolean shadowAlert = shadow;
        if (st != null) {
            if (status == Alert.Status.FIRING) {
                // A stored firing the recovery replay raises again keeps the mode it was stored with.
                Episode stored = suppressBefore == Long.MIN_VALUE ? null : episodes.get(normalizedKey(key.values()));
                st.firedInShadow = stored != null && stored.time() == time ? stored.shadow() : shadow;
                shadowAlert = st.firedInShadow;
            } else {
                shadowAlert = st.firedInShadow;
            }
        }
        if (time < suppressBefore) {
            recovered.incrementAndGet();
            return;
        }
        Alert alert = new Alert(id, rule.id(), title, status, rule.severity(), key, message.render(row, layout), time,
                clock.millis(), labels, values, events, channels, throttle, shadowAlert);
        lastAlertTime = time;
        if (status == Alert.Status.FIRING) {
            matched.incrementAndGet();
            if (throttle > 0) {
                advanceEventTime(time);
                List<Object> k = normalizedKey(key.values());
                Long last = lastSent.get(k);
                if (last != null && time < last + throttle) {
                    suppressed.incrementAndGet();
                    sink.onSuppressed(alert, "throttled: a firing alert for this key was sent at "
                            + Times.format(last) + ", throttle " + throttle + " ms");
                    return;
                }
                lastSent.put(k, time);
            }
        }
        sent.incrementAndGet();
        if (shadowAlert) {
            shadowed.incrementAndGet();
        }
        sink.onAlert(alert);
    }

    /**
     * Switches the rule between {@code mode shadow} and live, keeping every other piece of state:
     * alerts raised from now on carry the new mode. Engine thread.
     */
    public void shadow(boolean shadow) {
        this.shadow = shadow;
    }

    /** Keys whose last firing can still suppress one (0 without a throttle). Engine thread. */
    public long throttleEntries() {
        if (throttleCache == null) {
            return 0;
        }
        throttleCache.cleanUp();
        return throttleCache.estimatedSize();
    }

    private void advanceEventTime(long time) {
        eventNow = Math.max(eventNow, time);
    }

    /** The throttle cache's clock: event time in nanoseconds (epoch milliseconds fit until 2262). */
    private long eventNanos() {
        return eventNow == Long.MIN_VALUE ? Long.MIN_VALUE / 2 : eventNow * 1_000_000L;
    }

    private static List<Event> events(Object[] row, RulePlan.Layout layout) {
        int[] cols = layout.eventCols();
        if (cols.length == 0) {
            return List.of();
        }
        List<Event> out = new ArrayList<>(cols.length);
        for (int col : cols) {
            Object o = row[col];
            if (o instanceof Event e) {
                out.add(e);
            }
        }
        if (!layout.matchedEvents()) {
            java.util.Collections.reverse(out);
        }
        return out;
    }

    private static Object jsonValue(Object v) {
        if (v instanceof BigDecimal b) {
            return b.doubleValue();
        }
        if (v instanceof Event e) {
            return e.data(); // a copy: the alert leaves the engine thread
        }
        return v;
    }


}
