package dev.vigil.engine.internal.esper;

import dev.vigil.engine.internal.alerting.AlertLifecycle;
import dev.vigil.engine.internal.shared.HavingEval;
import dev.vigil.rules.ast.Expr;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands a shared statement's rows to its members. A member whose condition is a numeric column
 * compared with a literal ({@code sum(amount) > 500}), with no {@code for}, is indexed: members of
 * one column and operator are sorted by their literal, so the members whose condition holds for a
 * value are a prefix or a suffix, and for each row only those whose condition differs between the
 * key's previous row and this one are told (a binary search each side). That such a member is
 * firing for a key exactly when its condition held at the key's previous row is what its lifecycle
 * does with every row (no {@code for}: it fires when the condition turns true, resolves when it
 * turns false), so telling it only the transitions raises the same alerts. The other members, and
 * members that joined a running group (their state does not follow the group's past rows), are
 * judged on every row. Engine thread.
 */
final class GroupDispatch {
    private static final Logger LOG = LoggerFactory.getLogger(GroupDispatch.class);

    /** Members in rule-set order. */
    private final EsperHost.DeployedRule[] members;
    /** Positions of the members judged on every row. */
    private final int[] everyRow;
    private final Index[] indexes;
    private final int[] groupCols;
    /** The previous row of each key, and the group's counts: kept by the group across deploys. */
    private final Rows rows;
    private final int countCol;

    /**
     * What a group remembers of its rows: the previous row of each key (in a one-element holder, so
     * a row costs one lookup; a key of one field is its value), which is the indexed members'
     * past, and from the rows' {@code count(*)} the keys with events in the window and the events
     * in it, kept as rows arrive, so the state is measured without a pass over Esper's groups
     * (a pass over a million groups stalls the engine thread for 0.3-0.5 s).
     */
    static final class Rows {
        final Map<Object, Object[][]> last = new HashMap<>();
        long keys;
        long events;
    }
    private final int[] changed;

    /** Members of one column and operator, sorted by literal. */
    private record Index(int column, Expr.BinaryOp op, double[] literals, int[] positions) {
        /** The range [from, to) of positions whose condition holds for {@code value} (null: none). */
        long range(Object value) {
            int n = literals.length;
            if (!(value instanceof Number num)) {
                return 0;
            }
            double x = num.doubleValue();
            return switch (op) {
                case GT -> pack(0, lowerBound(x));
                case GE -> pack(0, upperBound(x));
                case LT -> pack(upperBound(x), n);
                case LE -> pack(lowerBound(x), n);
                default -> throw new IllegalStateException("not an indexed operator: " + op);
            };
        }

        /** The first position whose literal is at least x. */
        private int lowerBound(double x) {
            int lo = 0;
            int hi = literals.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (literals[mid] < x) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /** The first position whose literal is more than x. */
        private int upperBound(double x) {
            int lo = 0;
            int hi = literals.length;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (literals[mid] <= x) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        private static long pack(int from, int to) {
            return ((long) from << 32) | (to & 0xffffffffL);
        }
    }

    /**
     * @param members the group's members in rule-set order
     * @param indexable per member, whether it may be indexed (its state follows the group's rows)
     */
    GroupDispatch(EsperHost.DeployedRule[] members, boolean[] indexable, int[] groupCols,
                  int countCol, Rows rows) {
        this.members = members;
        this.groupCols = groupCols;
        this.countCol = countCol;
        this.rows = rows;
        Map<String, List<Integer>> byColumnAndOp = new HashMap<>();
        List<Integer> rest = new ArrayList<>();
        for (int i = 0; i < members.length; i++) {
            HavingEval.Threshold t = indexable[i] ? indexed(members[i]) : null;
            if (t == null) {
                rest.add(i);
            } else {
                byColumnAndOp.computeIfAbsent(t.column() + " " + t.op(), k -> new ArrayList<>()).add(i);
            }
        }
        List<Index> built = new ArrayList<>();
        for (List<Integer> list : byColumnAndOp.values()) {
            list.sort((a, b) -> Double.compare(threshold(members[a]).literalAsDouble(),
                    threshold(members[b]).literalAsDouble()));
            HavingEval.Threshold first = threshold(members[list.get(0)]);
            double[] literals = new double[list.size()];
            int[] positions = new int[list.size()];
            for (int i = 0; i < list.size(); i++) {
                positions[i] = list.get(i);
                literals[i] = threshold(members[positions[i]]).literalAsDouble();
            }
            built.add(new Index(first.column(), first.op(), literals, positions));
        }
        this.indexes = built.toArray(new Index[0]);
        this.everyRow = rest.stream().mapToInt(Integer::intValue).toArray();
        this.changed = new int[members.length];
    }

    private static HavingEval.Threshold threshold(EsperHost.DeployedRule m) {
        return m.condition().threshold().orElseThrow();
    }

    /** The threshold a member is indexed by, or null when it is judged on every row. */
    private static HavingEval.Threshold indexed(EsperHost.DeployedRule m) {
        if (m.plan().forMillis() > 0 || m.condition().threshold().isEmpty()) {
            return null;
        }
        HavingEval.Threshold t = m.condition().threshold().get();
        boolean ordered = switch (t.op()) {
            case GT, GE, LT, LE -> true;
            default -> false;
        };
        return ordered && t.exactInDouble() && !Double.isNaN(t.literalAsDouble()) ? t : null;
    }

    /** The members that need each row (everyRow), or the rows where their condition changes. */
    void onRow(Object[] row, long now) {
        int n = 0;
        Object key = groupCols.length == 1 ? AlertLifecycle.normalized(row[groupCols[0]])
                : AlertLifecycle.groupKey(row, groupCols);
        Object[][] holder = rows.last.get(key);
        Object[] previous = holder == null ? null : holder[0];
        boolean anyTrue = false;
        for (Index index : indexes) {
            long before = previous == null ? 0 : index.range(previous[index.column()]);
            long after = index.range(row[index.column()]);
            n = addChanged(index, before, after, n);
            anyTrue |= (int) (after >>> 32) != (int) after;
        }
        long was = previous == null ? 0 : count(previous);
        long is = count(row);
        rows.events += is - was;
        rows.keys += (is > 0 ? 1 : 0) - (was > 0 ? 1 : 0);
        if (anyTrue || is > 0) {
            if (holder == null) {
                rows.last.put(key, new Object[][] {row});
            } else {
                holder[0] = row;
            }
        } else if (holder != null) {
            rows.last.remove(key); // nothing holds for the key and its window is empty
        }
        if (n > 1) {
            Arrays.sort(changed, 0, n);
        }
        // Merge the changed indexed members and the every-row members, in rule-set order.
        int c = 0;
        int e = 0;
        while (c < n || e < everyRow.length) {
            if (e >= everyRow.length || (c < n && changed[c] < everyRow[e])) {
                EsperHost.DeployedRule m = members[changed[c++]];
                try {
                    m.lifecycle().onTransition(row, m.condition().isTrue(row), previous, now);
                } catch (RuntimeException ex) {
                    failed(m, ex);
                }
            } else {
                EsperHost.DeployedRule m = members[everyRow[e++]];
                try {
                    m.lifecycle().onSharedRow(row, m.condition().isTrue(row), now);
                } catch (RuntimeException ex) {
                    failed(m, ex);
                }
            }
        }
    }

    private long count(Object[] row) {
        return row[countCol] instanceof Number count ? count.longValue() : 0;
    }

    /** Adds the positions in one range and not the other. */
    private int addChanged(Index index, long before, long after, int n) {
        int bFrom = (int) (before >>> 32);
        int bTo = (int) before;
        int aFrom = (int) (after >>> 32);
        int aTo = (int) after;
        if (bFrom == bTo) {
            bFrom = aFrom;
            bTo = aFrom;
        }
        if (aFrom == aTo) {
            aFrom = bFrom;
            aTo = bFrom;
        }
        // Both ranges are prefixes (GT, GE) or suffixes (LT, LE) of the sorted literals, or empty:
        // their difference is [min(from), max(from)) and [min(to), max(to)).
        for (int i = Math.min(bFrom, aFrom); i < Math.max(bFrom, aFrom); i++) {
            changed[n++] = index.positions()[i];
        }
        for (int i = Math.min(bTo, aTo); i < Math.max(bTo, aTo); i++) {
            changed[n++] = index.positions()[i];
        }
        return n;
    }

    private static void failed(EsperHost.DeployedRule m, RuntimeException e) {
        m.lifecycle().failures.incrementAndGet();
        LOG.error("rule {} failed on an output row", m.plan().rule().id(), e);
    }
}
