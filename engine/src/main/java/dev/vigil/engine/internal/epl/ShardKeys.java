package dev.vigil.engine.internal.epl;

import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.Expr;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.KeyExpr;
import dev.vigil.rules.ast.Rule;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The key a rule's state is partitioned by across shards, and the hash that places a key in a
 * shard: the same function in the router (on the event's row) and in the rules' Esper filters
 * ({@code vigil_shard(N, f1, ...) = s}), and for keys read back from the store (recovery).
 *
 * <p>A rule is keyed when everything it remembers belongs to one value of its key fields: a
 * pattern, aggregate or absence rule with {@code by} fields and no {@code key} other than them
 * (the alert key decides throttles and open alerts), or a filter whose {@code key} is plain fields
 * (its only state is the throttle per key). Every other rule runs in shard 0 over all its events.
 */
public final class ShardKeys {
    private ShardKeys() {
    }

    /** The fields a rule is partitioned by, in order, or empty when it runs unpartitioned. */
    public static Optional<List<String>> fields(Rule rule) {
        List<Ident> by = switch (rule.when()) {
            case Condition.Pattern p -> p.by();
            case Condition.Aggregate a -> a.by();
            case Condition.Absence a -> a.by();
            case Condition.Filter f -> null;
            case Condition.Epl e -> List.of();
        };
        List<KeyExpr> key = rule.key();
        if (by == null) {
            if (key.isEmpty()) {
                return Optional.empty();
            }
            List<String> out = new ArrayList<>();
            for (KeyExpr k : key) {
                if (!(k.expr() instanceof Expr.FieldRef f) || f.tag().isPresent() || f.index().isPresent()) {
                    return Optional.empty();
                }
                out.add(f.field());
            }
            return Optional.of(List.copyOf(out));
        }
        if (by.isEmpty()) {
            return Optional.empty();
        }
        if (!key.isEmpty()) {
            if (key.size() != by.size()) {
                return Optional.empty();
            }
            for (int i = 0; i < key.size(); i++) {
                if (!(key.get(i).expr() instanceof Expr.FieldRef f) || f.tag().isPresent() || f.index().isPresent()
                        || !f.field().equals(by.get(i).name()) || !key.get(i).text().equals(f.field())) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(by.stream().map(Ident::name).toList());
    }

    /** The shard of a key: its values hashed (numbers by value, whatever their Java type), modulo {@code shards}. */
    public static int shard(int shards, Object... values) {
        int h = 1;
        for (Object v : values) {
            h = 31 * h + hash(v);
        }
        // Spread the bits (the finaliser of MurmurHash3) so that keys differing in a low digit spread.
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return Math.floorMod(h, shards);
    }

    private static int hash(Object v) {
        return switch (v) {
            case null -> 0;
            case Integer i -> Long.hashCode(i);
            case Long l -> Long.hashCode(l);
            case Short s -> Long.hashCode(s);
            case Byte b -> Long.hashCode(b);
            case Double d -> hashDouble(d);
            case Float f -> hashDouble(f);
            case BigInteger b -> b.bitLength() < 64 ? Long.hashCode(b.longValue()) : hashDouble(b.doubleValue());
            case BigDecimal b -> {
                try {
                    yield Long.hashCode(b.longValueExact());
                } catch (ArithmeticException e) {
                    yield hashDouble(b.doubleValue());
                }
            }
            default -> v.hashCode();
        };
    }

    /** A whole double hashes as the long of the same value, so {@code 5} and {@code 5.0} share a shard. */
    private static int hashDouble(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 0x1p63) {
            return Long.hashCode((long) d);
        }
        return Double.hashCode(d == 0.0 ? 0.0 : d);
    }
}
