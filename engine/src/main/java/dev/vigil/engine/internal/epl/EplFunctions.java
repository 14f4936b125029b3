package dev.vigil.engine.internal.epl;

import com.espertech.esper.common.client.hook.expr.EPLMethodInvocationContext;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * The scalar functions of the rules language, registered with Esper as single-row functions.
 * Public only because Esper's generated code calls these methods; not part of Vigil's API.
 * Every function returns null for a null argument, as comparisons with null are false.
 */
public final class EplFunctions {
    private EplFunctions() {
    }

    public static Double abs(Number x) {
        return x == null ? null : Math.abs(x.doubleValue());
    }

    public static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    public static String upper(String s) {
        return s == null ? null : s.toUpperCase(Locale.ROOT);
    }

    public static Integer length(String s) {
        return s == null ? null : s.length();
    }

    /** Rounds half up to {@code digits} decimal places, on the decimal value as printed. */
    public static Double round(Number x, Number digits) {
        if (x == null || digits == null) {
            return null;
        }
        double v = x.doubleValue();
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        return BigDecimal.valueOf(v).setScale(digits.intValue(), RoundingMode.HALF_UP).doubleValue();
    }

    /**
     * The shard of a key ({@code engine.shards}): a keyed rule's statements in shard {@code s} read
     * the events with {@code vigil_shard(N, key...) = s}, Esper's filter index evaluating it once per
     * event. The router computes the same function to send each event where its keys live.
     */
    public static int shard(int shards, Object... values) {
        return ShardKeys.shard(shards, values);
    }

    // ---------------------------------------------------------------- reference tables

    /**
     * Where each Esper runtime finds its engine's tables: set by the engine's hosts (one per shard)
     * as they start, read by the lookups below through Esper's invocation context.
     */
    public static final java.util.Map<String, dev.vigil.engine.internal.tables.TableStore> TABLES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static Object lookup(String table, String field, Object[] key, EPLMethodInvocationContext ctx) {
        var store = TABLES.get(ctx.getRuntimeURI());
        return store == null ? null : store.get(table, field, key);
    }

    /** {@code T[k].field} of a string field: the row's value, or null when there is no such row. */
    public static String tableString(String table, String field, Object[] key, EPLMethodInvocationContext ctx) {
        return lookup(table, field, key, ctx) instanceof String v ? v : null;
    }

    public static Integer tableInt(String table, String field, Object[] key, EPLMethodInvocationContext ctx) {
        return lookup(table, field, key, ctx) instanceof Integer v ? v : null;
    }

    public static Long tableLong(String table, String field, Object[] key, EPLMethodInvocationContext ctx) {
        return lookup(table, field, key, ctx) instanceof Long v ? v : null;
    }

    public static Double tableDouble(String table, String field, Object[] key, EPLMethodInvocationContext ctx) {
        return lookup(table, field, key, ctx) instanceof Double v ? v : null;
    }

    public static Boolean tableBoolean(String table, String field, Object[] key, EPLMethodInvocationContext ctx) {
        return lookup(table, field, key, ctx) instanceof Boolean v ? v : null;
    }

    /** {@code k in T}: whether the table has a row with that key; null for a null key. */
    public static Boolean inTable(String table, Object[] key, EPLMethodInvocationContext ctx) {
        var store = TABLES.get(ctx.getRuntimeURI());
        return store == null ? Boolean.FALSE : store.contains(table, key);
    }
}
