package dev.vigil.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import static java.util.Objects.requireNonNull;

/**
 * A clock that stands still until a test moves it, so that time-driven code (lateness, retries,
 * absence timers) is tested without sleeping.
 *
 * <p>Safe to read from any thread: a move made by the test thread is seen at once by the code under
 * test. {@link #withZone} gives a clock that shares this one's time.
 */
public final class MutableClock extends Clock {
    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    /** A clock standing at {@code start}, in UTC. */
    public MutableClock(Instant start) {
        this(new AtomicReference<>(requireNonNull(start, "start is null")), ZoneOffset.UTC);
    }

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /** Moves the clock forward by {@code d} (or back, when {@code d} is negative). */
    public void advance(Duration d) {
        requireNonNull(d, "d is null");
        now.updateAndGet(t -> t.plus(d));
    }

    /** Puts the clock at {@code instant}. */
    public void set(Instant instant) {
        now.set(requireNonNull(instant, "instant is null"));
    }

    /** Puts the clock at {@code epochMillis}. */
    public void set(long epochMillis) {
        now.set(Instant.ofEpochMilli(epochMillis));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public MutableClock withZone(ZoneId zone) {
        return new MutableClock(now, requireNonNull(zone, "zone is null"));
    }

    @Override
    public String toString() {
        return "MutableClock[" + now.get() + ", " + zone + "]";
    }
}
