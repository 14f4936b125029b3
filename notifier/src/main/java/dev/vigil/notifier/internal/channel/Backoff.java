package dev.vigil.notifier.internal.channel;

import java.time.Duration;
import java.util.random.RandomGenerator;

import static java.util.Objects.requireNonNull;

/** How long to wait before the next attempt of a delivery that failed. */
@FunctionalInterface
public interface Backoff {
    /**
     * The first retry's delay, doubled for each further attempt (the spec's 1 s): quick enough
     * for a blip, and with the cap below it takes about nine attempts (some 8.5 minutes) to reach
     * the steady pace.
     */
    Duration DEFAULT_BASE = Duration.ofSeconds(1);

    /**
     * The longest delay between two attempts (the spec's 5 min): a receiver that comes back is
     * served within five minutes, and a day of outage costs about 290 attempts, not thousands.
     */
    Duration DEFAULT_CAP = Duration.ofMinutes(5);

    /**
     * The delay before the next attempt.
     *
     * @param attempts attempts made so far, at least 1
     */
    Duration delay(int attempts);

    /** The spec's backoff: 1 s doubling to 5 min, with jitter. */
    static Backoff standard() {
        return exponential(DEFAULT_BASE, DEFAULT_CAP, RandomGenerator.getDefault());
    }

    /**
     * {@code base}, doubled per attempt up to {@code cap}, with "equal jitter": a random delay
     * between half and all of that, so receivers recovering from an outage are not hit by every
     * sender at the same instant, and no retry comes sooner than half the nominal delay.
     */
    static Backoff exponential(Duration base, Duration cap, RandomGenerator random) {
        requireNonNull(base, "base is null");
        requireNonNull(cap, "cap is null");
        requireNonNull(random, "random is null");
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("base must be positive: " + base);
        }
        if (cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("cap must be at least base " + base + ": " + cap);
        }
        long baseNanos = base.toNanos();
        long capNanos = cap.toNanos();
        return attempts -> {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be positive: " + attempts);
            }
            int doublings = Math.min(attempts - 1, 62);
            long nominal = baseNanos > (capNanos >> doublings) ? capNanos : Math.min(capNanos, baseNanos << doublings);
            long half = nominal / 2;
            return Duration.ofNanos(half + (half > 0 ? random.nextLong(half + 1) : 0));
        };
    }
}
