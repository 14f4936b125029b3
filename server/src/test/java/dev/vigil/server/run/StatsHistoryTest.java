package dev.vigil.server.run;

import dev.vigil.engine.Alert;
import dev.vigil.rules.ast.Severity;
import dev.vigil.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stats history's rates and ring buffer, sampled by hand against a test clock. */
class StatsHistoryTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static Alert alert(Severity severity) {
        return new Alert("a", "r", "T", Alert.Status.FIRING, severity, Map.of(), "m", T0.toEpochMilli(),
                T0.toEpochMilli(), Map.of(), Map.of(), List.of(), List.of(), 0);
    }

    @Test
    void aSample_isTheRatesPerSecondSinceTheLastOne_andTheGaugesAsTheyStand() {
        MutableClock clock = new MutableClock(T0);
        AtomicReference<StatsHistory.Reading> now = new AtomicReference<>(
                new StatsHistory.Reading(100, 90, 10, OptionalLong.empty(), 0));
        try (StatsHistory h = new StatsHistory(Duration.ofSeconds(5), clock)) {
            h.begin(now::get);
            now.set(new StatsHistory.Reading(150, 140, 10, OptionalLong.of(2_500), 3));
            h.onAlert(alert(Severity.HIGH));
            h.onAlert(alert(Severity.HIGH));
            h.onAlert(alert(Severity.CRITICAL));
            clock.advance(Duration.ofSeconds(5));
            h.sample();

            assertThat(h.samples()).containsExactly(new StatsHistory.Sample(T0.plusSeconds(5), 10.0, 10.0,
                    Map.of(Severity.CRITICAL, 0.2, Severity.HIGH, 0.4, Severity.WARNING, 0.0, Severity.INFO, 0.0),
                    10, OptionalLong.of(2_500), 3));

            // The next sample counts from this one; a clock that did not move uses the nominal interval.
            now.set(new StatsHistory.Reading(160, 160, 0, OptionalLong.of(100), 0));
            h.sample();
            StatsHistory.Sample second = h.samples().get(1);
            assertThat(second.eventsIn()).isEqualTo(2.0);
            assertThat(second.eventsOut()).isEqualTo(4.0);
            assertThat(second.alerts().get(Severity.HIGH)).isZero();
        }
    }

    @Test
    void theRingBuffer_keepsFifteenMinutes_oldestFirst() {
        MutableClock clock = new MutableClock(T0);
        try (StatsHistory h = new StatsHistory(Duration.ofSeconds(5), clock)) {
            h.begin(() -> new StatsHistory.Reading(0, 0, 0, OptionalLong.empty(), 0));
            for (int i = 0; i < 200; i++) {
                clock.advance(Duration.ofSeconds(5));
                h.sample();
            }
            List<StatsHistory.Sample> samples = h.samples();
            assertThat(samples).hasSize(180);
            assertThat(samples.get(0).time()).isEqualTo(T0.plusSeconds(5 * 21));
            assertThat(samples.get(179).time()).isEqualTo(T0.plusSeconds(5 * 200));
        }
    }

    @Test
    void aReadingThatFails_isSkipped_andSamplingGoesOn() {
        MutableClock clock = new MutableClock(T0);
        AtomicReference<RuntimeException> fail = new AtomicReference<>();
        try (StatsHistory h = new StatsHistory(Duration.ofSeconds(1), clock)) {
            h.begin(() -> {
                if (fail.get() != null) {
                    throw fail.get();
                }
                return new StatsHistory.Reading(0, 0, 0, OptionalLong.empty(), 0);
            });
            fail.set(new IllegalStateException("the store is closed"));
            clock.advance(Duration.ofSeconds(1));
            h.sample();
            assertThat(h.samples()).isEmpty();
            fail.set(null);
            clock.advance(Duration.ofSeconds(1));
            h.sample();
            assertThat(h.samples()).hasSize(1);
        }
    }

    @Test
    void aNonPositiveInterval_isRefused() {
        assertThatThrownBy(() -> new StatsHistory(Duration.ZERO, new MutableClock(T0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stats history interval must be positive: PT0S");
    }
}
