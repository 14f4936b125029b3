package dev.vigil.engine;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;

import static java.util.Objects.requireNonNull;

/** How an {@link Engine} runs. Build with {@link #newBuilder()}. */
public final class EngineOptions {
    private final Duration lateness;
    private final Clock clock;
    private final long startTime;
    private final int queueCapacity;
    private final Consumer<Rejection> rejections;

    private EngineOptions(Builder b) {
        this.lateness = b.lateness;
        this.clock = b.clock;
        this.startTime = b.startTime;
        this.queueCapacity = b.queueCapacity;
        this.rejections = b.rejections;
    }

    public static Builder newBuilder() {
        return new Builder();
    }

    /** How long events are held back for reordering (language spec, "Time"). */
    public Duration lateness() {
        return lateness;
    }

    /** The wall clock: {@code raisedAt} of alerts, arrival time of events without a time. */
    public Clock clock() {
        return clock;
    }

    /** The engine's event time before the first event, epoch milliseconds. */
    public long startTime() {
        return startTime;
    }

    /** Capacity of the queue into the engine thread (events and commands). */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** Told about every late event, on the engine thread. */
    public Consumer<Rejection> rejections() {
        return rejections;
    }

    public static final class Builder {
        private Duration lateness = Duration.ZERO;
        private Clock clock = Clock.systemUTC();
        private long startTime;
        private int queueCapacity = 100_000;
        private Consumer<Rejection> rejections = r -> { };

        private Builder() {
        }

        public Builder lateness(Duration lateness) {
            this.lateness = requireNonNull(lateness, "lateness is null");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock is null");
            return this;
        }

        public Builder startTime(long startTime) {
            this.startTime = startTime;
            return this;
        }

        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
            return this;
        }

        public Builder rejections(Consumer<Rejection> rejections) {
            this.rejections = requireNonNull(rejections, "rejections is null");
            return this;
        }

        public EngineOptions build() {
            if (lateness.isNegative()) {
                throw new IllegalArgumentException("lateness must not be negative: " + lateness);
            }
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be positive: " + queueCapacity);
            }
            return new EngineOptions(this);
        }
    }
}
