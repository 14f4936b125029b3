package dev.vigil.engine.internal.epl;

import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Rule;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Which rules are keyed across shards, and the hash that must agree between an event's row and a stored key. */
class ShardKeysTest {
    private static final String EVENTS = "event Tx { card string  merchant string  amount double  n int  at timestamp }\n";

    private static Optional<List<String>> fields(String when) {
        RuleSet set = TestRules.compile(EVENTS + "rule r { " + when + " }\n");
        Rule rule = set.rules().get(0);
        return ShardKeys.fields(rule);
    }

    @Test
    void keyedRules_areThoseWhoseStateBelongsToOneKey() {
        assertThat(fields("when Tx by card over sliding 1 min having count() > 2")).contains(List.of("card"));
        assertThat(fields("when Tx by card, merchant over sliding 1 min having count() > 2"))
                .contains(List.of("card", "merchant"));
        assertThat(fields("when a: Tx -> b: Tx(amount > 5) by card within 1 min")).contains(List.of("card"));
        assertThat(fields("when absent Tx by merchant for 1 min")).contains(List.of("merchant"));
        assertThat(fields("when Tx(amount > 5) key card throttle 1 min")).contains(List.of("card"));
        assertThat(fields("when Tx by card over sliding 1 min having count() > 2 key card")).contains(List.of("card"));
    }

    @Test
    void unkeyedRules_runInShardZero() {
        assertThat(fields("when Tx(amount > 5)")).isEmpty();
        assertThat(fields("when Tx(amount > 5) throttle 1 min")).isEmpty();
        assertThat(fields("when Tx(amount > 5) key lower(card)")).isEmpty();
        assertThat(fields("when Tx over sliding 1 min having count() > 2")).isEmpty();
        assertThat(fields("when a: Tx -> b: Tx(card == a.card) within 1 min")).isEmpty();
        // A key other than the `by` fields: throttles and open alerts span the by-groups.
        assertThat(fields("when Tx by card, merchant over sliding 1 min having count() > 2 key card")).isEmpty();
        assertThat(fields("when a: Tx -> b: Tx by card within 1 min key a.merchant")).isEmpty();
    }

    @Test
    void numbers_hashByValue_whateverTheirType() {
        for (int shards : List.of(2, 3, 4, 7, 64)) {
            int of5 = ShardKeys.shard(shards, 5);
            assertThat(ShardKeys.shard(shards, 5L)).isEqualTo(of5);
            assertThat(ShardKeys.shard(shards, 5.0)).isEqualTo(of5);
            assertThat(ShardKeys.shard(shards, 5.0f)).isEqualTo(of5);
            assertThat(ShardKeys.shard(shards, new BigDecimal("5.00"))).isEqualTo(of5);
            assertThat(ShardKeys.shard(shards, BigInteger.valueOf(5))).isEqualTo(of5);
            assertThat(ShardKeys.shard(shards, 0.0)).isEqualTo(ShardKeys.shard(shards, -0.0));
            assertThat(ShardKeys.shard(shards, 2.5)).isEqualTo(ShardKeys.shard(shards, new BigDecimal("2.5")));
            assertThat(ShardKeys.shard(shards, "c1", 5)).isEqualTo(ShardKeys.shard(shards, "c1", 5L));
        }
    }

    @Test
    void keys_spreadOverEveryShard() {
        for (int shards : List.of(2, 3, 4, 8)) {
            Set<Integer> seen = new HashSet<>();
            int[] counts = new int[shards];
            for (int i = 0; i < 10_000; i++) {
                int s = ShardKeys.shard(shards, "card-" + i);
                assertThat(s).isBetween(0, shards - 1);
                seen.add(s);
                counts[s]++;
            }
            assertThat(seen).hasSize(shards);
            for (int c : counts) {
                assertThat(c).as("keys per shard of %d", shards).isBetween(10_000 / shards * 8 / 10, 10_000 / shards * 12 / 10);
            }
        }
    }
}
