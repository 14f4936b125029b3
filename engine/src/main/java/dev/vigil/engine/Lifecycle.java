package dev.vigil.engine;

import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.Label;
import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.Rule;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The alert lifecycle of one deployed rule: turns output rows into firing and resolved alerts,
 * applies {@code for} and {@code throttle}, and builds each alert (id, key, message, values,
 * events). Lives outside Esper, so the state of an unchanged rule survives a redeploy. Engine
 * thread only.
 */
final class Lifecycle {
    /** Schedules a callback at an event time; the engine runs it before Esper's timers of that time. */
    interface Timers {
        void schedule(long at, Runnable action);
    }

    private final RulePlan plan;
    private final RulePlan.Layout layout;
    private final AlertSink sink;
    private final Timers timers;
    private final Clock clock;
    private final Map<List<Object>, GroupState> groups = new HashMap<>();
    private final Map<List<Object>, Long> lastSent = new HashMap<>();
    private final DecimalFormat[] formats;
    private final Map<String, String> labels;
    private final List<String> channels;
    private final String title;
    private final boolean keepAllGroups;
    private long nextThrottleSweep;

    final AtomicLong matched = new AtomicLong();
    final AtomicLong sent = new AtomicLong();
    final AtomicLong suppressed = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    volatile long lastAlertTime = Long.MIN_VALUE;

    private static final class GroupState {
        boolean firing;
        long pendingSince = -1;
        Object[] lastRow;
        Object[] previousRow;
    }

    Lifecycle(RulePlan plan, AlertSink sink, Timers timers, Clock clock) {
        this.plan = plan;
        this.layout = plan.layout();
        this.sink = sink;
        this.timers = timers;
        this.clock = clock;
        Rule rule = plan.rule();
        List<DecimalFormat> fs = new ArrayList<>();
        for (MessageTemplate.Part p : layout.messageParts()) {
            if (p instanceof MessageTemplate.Placeholder ph) {
                fs.add(ph.pattern().map(pt -> new DecimalFormat(pt, DecimalFormatSymbols.getInstance(Locale.ROOT)))
                        .orElse(null));
            }
        }
        formats = fs.toArray(new DecimalFormat[0]);
        Map<String, String> ls = new LinkedHashMap<>();
        for (Label l : rule.labels()) {
            ls.put(l.name(), l.value());
        }
        labels = ls;
        channels = rule.channels().stream().map(Ident::name).toList();
        title = rule.title().orElse(rule.id());
        keepAllGroups = rule.when() instanceof dev.vigil.rules.ast.Condition.Absence;
    }

    RulePlan plan() {
        return plan;
    }

    /** One output row of a listened statement laid out as {@code rowLayout}, at engine time {@code now}. */
    void onRow(Object[] row, RulePlan.Layout rowLayout, long now) {
        if (plan.kind() == RulePlan.Kind.FIRE_ONLY) {
            raise(Alert.Status.FIRING, row, rowLayout, now, null);
        } else {
            judge(row, now);
        }
    }

    /**
     * Hopping windows: the rows read from the window at a judgement time; groups with an open
     * alert or pending {@code for} that have no row are judged on an empty window.
     */
    void onJudgement(List<Object[]> rows, long now) {
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
    boolean hasOpenGroups() {
        return !groups.isEmpty();
    }

    private List<Object> groupOf(Object[] row) {
        int[] cols = layout.groupCols();
        if (cols.length == 0) {
            return List.of();
        }
        Object[] values = new Object[cols.length];
        for (int i = 0; i < cols.length; i++) {
            values[i] = row[cols[i]];
        }
        return Arrays.asList(values);
    }

    private void judge(Object[] row, long now) {
        boolean cond = Boolean.TRUE.equals(row[layout.conditionCol()]);
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

    private void forElapsed(List<Object> group, GroupState st, long since) {
        if (groups.get(group) != st || st.pendingSince != since || st.firing) {
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
        String id = alertId(rule.id(), status, key, time, plan.kind() == RulePlan.Kind.FIRE_ONLY ? events : List.of());
        long throttle = rule.throttle().map(t -> t.millis()).orElse(0L);
        Alert alert = new Alert(id, rule.id(), title, status, rule.severity(), key, message(row, layout), time,
                clock.millis(), labels, values, events, channels, throttle);
        lastAlertTime = time;
        if (status == Alert.Status.FIRING) {
            matched.incrementAndGet();
            if (throttle > 0) {
                List<Object> k = new ArrayList<>(key.values());
                Long last = lastSent.get(k);
                if (last != null && time < last + throttle) {
                    suppressed.incrementAndGet();
                    sink.onSuppressed(alert, "throttled: a firing alert for this key was sent at "
                            + Times.format(last) + ", throttle " + throttle + " ms");
                    return;
                }
                lastSent.put(k, time);
                sweepThrottle(time, throttle);
            }
        }
        sent.incrementAndGet();
        sink.onAlert(alert);
    }

    /** Forgets throttle entries that can no longer suppress anything, so memory stays bounded. */
    private void sweepThrottle(long now, long throttle) {
        if (now < nextThrottleSweep) {
            return;
        }
        nextThrottleSweep = now + throttle;
        for (Iterator<Long> it = lastSent.values().iterator(); it.hasNext(); ) {
            if (it.next() + throttle <= now) {
                it.remove();
            }
        }
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

    private String message(Object[] row, RulePlan.Layout layout) {
        List<MessageTemplate.Part> parts = layout.messageParts();
        if (parts.isEmpty()) {
            return plan.rule().message().isPresent() ? "" : title;
        }
        StringBuilder sb = new StringBuilder();
        int ph = 0;
        for (MessageTemplate.Part p : parts) {
            if (p instanceof MessageTemplate.Text t) {
                sb.append(t.text());
            } else {
                Object v = row[layout.messageCols()[ph]];
                sb.append(format(v, formats[ph], layout.timestampMessage().get(ph)));
                ph++;
            }
        }
        return sb.toString();
    }

    private static String format(Object v, DecimalFormat pattern, boolean timestamp) {
        if (v == null) {
            return "null";
        }
        if (timestamp && v instanceof Long l) {
            return Times.format(l);
        }
        if (pattern != null && v instanceof Number n) {
            return pattern.format(n instanceof BigDecimal ? n : (Object) n.doubleValue());
        }
        if (v instanceof Double d) {
            return formatDouble(d);
        }
        if (v instanceof Event e) {
            return e.data().toString();
        }
        return v.toString();
    }

    static String formatDouble(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d) || Math.abs(d) < 1e7) {
            return Double.toString(d);
        }
        return BigDecimal.valueOf(d).toPlainString();
    }

    private static Object jsonValue(Object v) {
        if (v instanceof BigDecimal b) {
            return b.doubleValue();
        }
        if (v instanceof Event e) {
            return e.data();
        }
        return v;
    }

    static String alertId(String rule, Alert.Status status, Map<String, Object> key, long time, List<Event> events) {
        StringBuilder sb = new StringBuilder(rule).append('\u0000').append(status.text()).append('\u0000');
        for (Map.Entry<String, Object> e : key.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\u0001');
        }
        sb.append('\u0000').append(time);
        for (Event e : events) {
            sb.append('\u0000').append(e.effectiveId());
        }
        return Digests.hex128(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
