package dev.vigil.engine.internal.esper;

import dev.vigil.engine.internal.epl.ShardKeys;
import dev.vigil.rules.ast.Rule;

/**
 * Which shard an Esper runtime is, of how many ({@code engine.shards}): shard 0 runs every rule,
 * the others only the keyed ones, each keyed statement reading the events whose key hashes to its
 * shard (design.md, "Scale").
 */
public record Sharding(int index, int count) {
    /** One engine, no shards: every rule, no shard filter. */
    public static final Sharding NONE = new Sharding(0, 1);

    public Sharding {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard " + index + " of " + count);
        }
    }

    /** Whether a rule runs in this shard: every rule in shard 0, keyed rules in every shard. */
    public boolean runsHere(Rule rule) {
        return index == 0 || ShardKeys.fields(rule).isPresent();
    }
}
