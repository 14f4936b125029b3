package dev.vigil.engine.internal.tables;

import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.TableDecl;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of an engine's reference tables (rules-language.md, "Reference tables"), looked up by
 * the rules' Esper statements through {@code EplFunctions}. One store per engine, shared by its
 * shards. Changed only by the engine thread between two events (a table replaced whole); read by
 * the engine thread and the shards' workers, which the engine hands work to after the change, so
 * each table's map is never changed once published (a new map per change). Row maps are plain
 * {@code HashMap}s, not {@code Map.copyOf}: the immutable map probes linearly, and keys such as
 * {@code m-1, m-2, ...} have neighbouring hash codes, so its lookups in a table of 10 M rows
 * compared strings for most of the time (measured: 240 k lookups/s against 1.2 M with HashMap).
 */
public final class TableStore {
    /** One table: its declaration, field positions and rows by key. */
    private record Table(TableDecl decl, Map<String, Integer> fields, Map<Object, Object[]> rows, long changedAt) {
    }

    private volatile Map<String, Table> tables = Map.of();
    /** Tables read through on demand (JDBC {@code lookup: true}): by name, a cache in front of a loader. */
    private final Map<String, Lookup> lookups = new java.util.concurrent.ConcurrentHashMap<>();

    /** A read-through table: rows by key from the loader, kept in a bounded, expiring cache. */
    private record Lookup(com.github.benmanes.caffeine.cache.LoadingCache<Object, java.util.Optional<Object[]>> cache,
                          java.util.function.Function<Object[], Object[]> loader) {
    }

    /**
     * Makes a table read-through: a lookup whose key is not cached calls {@code loader} (on the
     * thread evaluating the rule) and keeps its answer, a row in declaration order or null for none,
     * for {@code ttl}, at most {@code size} keys. A loader that throws (the database is down) gives
     * no row for that lookup, and nothing is cached.
     */
    public void readThrough(String name, java.util.function.Function<Object[], Object[]> loader, long size,
                            java.time.Duration ttl) {
        var cache = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().maximumSize(size).expireAfterWrite(ttl)
                .recordStats()
                .build((Object k) -> {
                    try {
                        return java.util.Optional.ofNullable(loader.apply(k instanceof List<?> l
                                ? l.toArray() : new Object[] {k}));
                    } catch (RuntimeException e) {
                        return null; // not cached: the next lookup of the key tries again
                    }
                });
        lookups.put(name, new Lookup(cache, loader));
    }

    /** The hit rate of a read-through table's cache (0 to 1), or -1 when it is not one. */
    public double hitRate(String name) {
        Lookup l = lookups.get(name);
        return l == null ? -1 : l.cache.stats().hitRate();
    }

    private Object[] readThrough(Lookup l, Object[] key) {
        for (Object k : key) {
            if (k == null) {
                return null;
            }
        }
        java.util.Optional<Object[]> row = l.cache.get(key(key));
        return row == null ? null : row.orElse(null);
    }

    /**
     * The tables of a deployed rule set: a table whose declaration is unchanged keeps its rows; a new
     * or changed one starts empty; one no longer declared is dropped. Engine thread.
     *
     * @return the tables that (re)started empty because their declaration is new or changed
     */
    public synchronized List<String> declare(List<TableDecl> decls, long now) {
        Map<String, Table> next = new HashMap<>();
        List<String> fresh = new java.util.ArrayList<>();
        for (TableDecl d : decls) {
            Table old = tables.get(d.name());
            if (old != null && old.decl.sameShape(d)) {
                next.put(d.name(), old);
            } else {
                next.put(d.name(), new Table(d, positions(d), Map.of(), now));
                if (old != null) {
                    fresh.add(d.name());
                }
            }
        }
        tables = Map.copyOf(next);
        return fresh;
    }

    private static Map<String, Integer> positions(TableDecl d) {
        Map<String, Integer> out = new HashMap<>();
        for (int i = 0; i < d.fields().size(); i++) {
            out.put(d.fields().get(i).name(), i);
        }
        return Map.copyOf(out);
    }

    /**
     * Replaces every row of a table (its rows in declaration order of the fields, already checked
     * against it). Engine thread, between two events.
     *
     * @throws IllegalArgumentException when no such table is declared, or a row does not fit
     */
    public synchronized void replace(String name, List<Object[]> rows, long now) {
        Table t = tables.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no table " + name + " is declared in the rules");
        }
        Map<Object, Object[]> byKey = new HashMap<>();
        List<FieldDecl> keys = t.decl.keyFields();
        int[] keyIndex = keys.stream().mapToInt(k -> t.fields.get(k.name())).toArray();
        for (Object[] row : rows) {
            if (row.length != t.decl.fields().size()) {
                throw new IllegalArgumentException("a row of " + name + " has " + row.length + " values, the table "
                        + t.decl.fields().size() + " fields");
            }
            Object[] key = new Object[keyIndex.length];
            for (int i = 0; i < keyIndex.length; i++) {
                key[i] = row[keyIndex[i]];
            }
            byKey.put(key(key), row.clone());
        }
        Map<String, Table> next = new HashMap<>(tables);
        next.put(name, new Table(t.decl, t.fields, byKey, now));
        tables = Map.copyOf(next);
    }

    /**
     * Upserts rows and deletes keys of a table, atomically (a new map, published at once). Engine
     * thread, between two events.
     *
     * @param deletes keys, each its values in key-field order
     */
    public synchronized void patch(String name, List<Object[]> upserts, List<Object[]> deletes, long now) {
        Table t = tables.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no table " + name + " is declared in the rules");
        }
        int[] keyIndex = t.decl.keyFields().stream().mapToInt(k -> t.fields.get(k.name())).toArray();
        Map<Object, Object[]> next = new HashMap<>(t.rows);
        for (Object[] key : deletes) {
            next.remove(key(key));
        }
        for (Object[] row : upserts) {
            Object[] key = new Object[keyIndex.length];
            for (int i = 0; i < keyIndex.length; i++) {
                key[i] = row[keyIndex[i]];
            }
            next.put(key(key), row.clone());
        }
        Map<String, Table> all = new HashMap<>(tables);
        all.put(name, new Table(t.decl, t.fields, next, now));
        tables = Map.copyOf(all);
    }

    /** Every row of a table, in no particular order (for persisting rows set through the API). */
    public List<Object[]> rows(String name) {
        Table t = tables.get(name);
        return t == null ? List.of() : t.rows.values().stream().map(Object[]::clone).toList();
    }

    /** A field of the row with this key, or null (no such table, field or row). */
    public Object get(String table, String field, Object... key) {
        Table t = tables.get(table);
        if (t == null) {
            return null;
        }
        Integer i = t.fields.get(field);
        if (i == null) {
            return null;
        }
        Lookup l = lookups.get(table);
        Object[] row = l != null ? readThrough(l, key) : t.rows.get(key(key));
        return row == null ? null : row[i];
    }

    /** Whether the table has a row with this key; null for a null key (as comparisons with null). */
    public Boolean contains(String table, Object... key) {
        for (Object k : key) {
            if (k == null) {
                return null;
            }
        }
        Table t = tables.get(table);
        Lookup l = lookups.get(table);
        if (t != null && l != null) {
            return readThrough(l, key) != null;
        }
        return t != null && t.rows.containsKey(key(key));
    }

    /** Rows of a table, or -1 when it is not declared. */
    public int size(String table) {
        Table t = tables.get(table);
        return t == null ? -1 : t.rows.size();
    }

    /** The declared tables with their row counts and last change (epoch millis, the engine's wall clock). */
    public Map<String, long[]> summary() {
        Map<String, long[]> out = new java.util.TreeMap<>();
        tables.forEach((n, t) -> out.put(n, new long[] {t.rows.size(), t.changedAt}));
        return out;
    }

    /** One row as its declared fields to values, or null. */
    public Map<String, Object> row(String table, Object... key) {
        Table t = tables.get(table);
        if (t == null) {
            return null;
        }
        Object[] row = t.rows.get(key(key));
        if (row == null) {
            return null;
        }
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (int i = 0; i < row.length; i++) {
            out.put(t.decl.fields().get(i).name(), row[i]);
        }
        return out;
    }

    /**
     * A key as the map holds it: numbers by value whatever their Java type (an {@code int} table key
     * is found by a {@code long} event field), one value as itself, several as a list.
     */
    static Object key(Object[] parts) {
        if (parts.length == 1) {
            return normal(parts[0]);
        }
        Object[] n = new Object[parts.length];
        for (int i = 0; i < parts.length; i++) {
            n[i] = normal(parts[i]);
        }
        return Arrays.asList(n);
    }

    private static Object normal(Object v) {
        return switch (v) {
            case Integer i -> (long) i;
            case Short s -> (long) s;
            case Byte b -> (long) b;
            case Float f -> normalDouble(f);
            case Double d -> normalDouble(d);
            case BigInteger b -> b.bitLength() < 64 ? (Object) b.longValue() : (Object) b.doubleValue();
            case BigDecimal b -> {
                try {
                    yield b.longValueExact();
                } catch (ArithmeticException e) {
                    yield b.doubleValue();
                }
            }
            case null -> null;
            default -> v;
        };
    }

    private static Object normalDouble(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
            return (long) d;
        }
        return d;
    }

}
