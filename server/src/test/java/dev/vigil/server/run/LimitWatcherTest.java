package dev.vigil.server.run;

import dev.vigil.engine.Alert;
import dev.vigil.engine.EngineStats;
import dev.vigil.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The self-monitoring watcher over counts it is given and a clock it does not own. */
class LimitWatcherTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T10:00:00Z"));
    private final AtomicReference<EngineStats> stats = new AtomicReference<>(stats(0, 0));
    private final List<Alert> alerts = new ArrayList<>();
    private final LimitWatcher watcher = new LimitWatcher(stats::get, alerts::add, clock, 100_000, 1_000_000, 5_000_000);

    private static EngineStats stats(long refused, long failures) {
        return new EngineStats(0, 0, 0, 0, 0, 0, List.of(
                new EngineStats.RuleStats("travel", 0, 0, 0, failures, Long.MIN_VALUE, refused, 0, -1, -1, 0, 0, 0),
                new EngineStats.RuleStats("quiet", 0, 0, 0, 0, Long.MIN_VALUE, 0, 0, -1, -1, 0, 0, 0)));
    }

    @Test
    void firstRefusal_sendsOneWarningNamingRuleLimitAndSetting() {
        assertThat(watcher.check()).isEmpty();
        stats.set(stats(3, 0));
        List<Alert> sent = watcher.check();
        assertThat(sent).hasSize(1);
        Alert a = sent.get(0);
        assertThat(a.rule()).isEqualTo("vigil");
        assertThat(a.severity().keyword()).isEqualTo("warning");
        assertThat(a.key()).isEqualTo(Map.of("rule", "travel", "limit", "maxPartialMatches"));
        assertThat(a.channels()).containsExactly("vigil");
        assertThat(a.message()).isEqualTo("rule travel is at its cap of 100000 partial matches (rules.maxPartialMatches):"
                + " new attempts of its pattern are not started (3 refused so far, counted as partialMatchesRefused"
                + " in /api/rules)");
        assertThat(a.id()).isEqualTo(LimitWatcher.id("travel", LimitWatcher.Limit.PARTIAL_MATCHES, clock.millis()));
        assertThat(alerts).containsExactly(a);
    }

    @Test
    void aRuleAtItsMaxKeys_sendsOneWarningNamingTheSetting() {
        assertThat(watcher.check()).isEmpty();
        stats.set(new EngineStats(0, 0, 0, 0, 0, 0, List.of(
                new EngineStats.RuleStats("velocity", 0, 0, 0, 0, Long.MIN_VALUE, 0, 300_000, 1_000_000, 3_000_000, 2, 0, 0))));
        List<Alert> sent = watcher.check();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).key()).isEqualTo(Map.of("rule", "velocity", "limit", "maxKeys"));
        assertThat(sent.get(0).message()).startsWith("rule velocity holds 1000000 keys or more (rules.maxKeys;");
    }

    @Test
    void aRuleAtItsMaxWindowEvents_sendsOneWarningNamingTheSetting() {
        assertThat(watcher.check()).isEmpty();
        stats.set(new EngineStats(0, 0, 0, 0, 0, 0, List.of(
                new EngineStats.RuleStats("spend", 0, 0, 0, 0, Long.MIN_VALUE, 0, 3_600_000, 12, 5_000_000, 0, 1, 0))));
        List<Alert> sent = watcher.check();
        assertThat(sent).hasSize(1);
        assertThat(sent.get(0).key()).isEqualTo(Map.of("rule", "spend", "limit", "maxWindowEvents"));
        assertThat(sent.get(0).message()).startsWith("rule spend holds 5000000 events or more in its windows"
                + " (rules.maxWindowEvents;");
    }

    @Test
    void moreRefusalsWithinTheHour_sendNothing_andAfterTheHourOneMore() {
        stats.set(stats(1, 0));
        assertThat(watcher.check()).hasSize(1);
        clock.advance(Duration.ofMinutes(59));
        stats.set(stats(50, 0));
        assertThat(watcher.check()).as("within the hour").isEmpty();
        clock.advance(Duration.ofMinutes(1));
        assertThat(watcher.check()).as("no new refusal since the last check").isEmpty();
        stats.set(stats(51, 0));
        assertThat(watcher.check()).as("a new refusal an hour after the alert").hasSize(1);
    }

    @Test
    void failureAndRefusal_areSeparateLimits_eachAlertedOnce() {
        stats.set(stats(1, 1));
        List<Alert> sent = watcher.check();
        assertThat(sent).extracting(a -> a.key().get("limit")).containsExactly("maxPartialMatches", "failures");
        assertThat(sent.get(1).message()).startsWith("rule travel failed in the engine (1 failure so far,");
        assertThat(sent.get(0).id()).isNotEqualTo(sent.get(1).id());
        stats.set(stats(2, 2));
        assertThat(watcher.check()).isEmpty();
    }
}
