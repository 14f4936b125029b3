package dev.vigil.testing;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class MutableClockTest {
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void newClock_standsStillAtItsStart_inUtc() {
        MutableClock clock = new MutableClock(START);
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.millis()).isEqualTo(START.toEpochMilli());
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void advanceAndSet_moveTheClock() {
        MutableClock clock = new MutableClock(START);
        clock.advance(Duration.ofSeconds(5));
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(5));
        clock.set(START.minusSeconds(1));
        assertThat(clock.instant()).isEqualTo(START.minusSeconds(1));
        clock.set(START.toEpochMilli() + 42);
        assertThat(clock.millis()).isEqualTo(START.toEpochMilli() + 42);
    }

    @Test
    void withZone_sharesTheTime_soMovingEitherMovesBoth() {
        MutableClock clock = new MutableClock(START);
        MutableClock paris = clock.withZone(ZoneId.of("Europe/Paris"));
        assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        clock.advance(Duration.ofMinutes(1));
        assertThat(paris.instant()).isEqualTo(START.plusSeconds(60));
        paris.advance(Duration.ofMinutes(1));
        Clock utc = clock;
        assertThat(utc.instant()).isEqualTo(START.plusSeconds(120));
    }
}
