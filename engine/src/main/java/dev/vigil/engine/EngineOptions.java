package dev.vigil.engine;

import dev.vigil.rules.Horizon;

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
    private final TimeMode timeMode;
    private final boolean live;
    private final Duration maxFuture;
    private final boolean allowRawEpl;
    private final long maxPartialMatches;
    private final long maxKeys;
    private final long maxWindowEvents;
    private final Duration compileBudget;
    private final Duration maxHorizon;
    private final boolean requireEventTime;
    private final int shards;
    /**
     * Partial matches a pattern rule keeps by default: an attempt per starting event still waiting for
     * the rest (about 200 bytes each), so 100,000 cost some 20 MB per rule. The fraud rules at 4,000
     * events/s start an hour-long attempt per transaction: unbounded, 14 million an hour.
     */
    public static final long DEFAULT_MAX_PARTIAL_MATCHES = 100_000;
    /**
     * Keys (groups with events in their window) one grouped rule may hold before it is reported: a
     * million keys of a sliding window hold about 700 MB (bench/README.md, measurement 6).
     */
    public static final long DEFAULT_MAX_KEYS = 1_000_000;
    /**
     * Events one aggregate or absence rule may hold in its windows before it is reported: each held
     * event costs a few hundred bytes (the event and its window entry), so five million are one to
     * two GB. A per-card count over an hour at 4,000 events/s holds 14 million.
     */
    public static final long DEFAULT_MAX_WINDOW_EVENTS = 5_000_000;
    /** The most shards an engine runs ({@link #shards()}). */
    public static final int MAX_SHARDS = 64;
    /**
     * The longest {@link #maxHorizon()}: recovery replays the journal back this far at every start,
     * and a year of events is far past what a restart should take.
     */
    public static final Duration MAX_MAX_HORIZON = Duration.ofDays(365);

    /** What drives the engine's clock (language spec, "Time"). */
    public enum TimeMode {
        /** The events' own times; the default. */
        EVENT,
        /** The wall clock: each event is processed at its arrival time. */
        PROCESSING
    }

    private EngineOptions(Builder b) {
        this.lateness = b.lateness;
        this.clock = b.clock;
        this.startTime = b.startTime;
        this.queueCapacity = b.queueCapacity;
        this.rejections = b.rejections;
        this.timeMode = b.timeMode;
        this.live = b.live;
        this.maxFuture = b.maxFuture;
        this.allowRawEpl = b.allowRawEpl;
        this.maxPartialMatches = b.maxPartialMatches;
        this.maxKeys = b.maxKeys;
        this.maxWindowEvents = b.maxWindowEvents;
        this.compileBudget = b.compileBudget;
        this.maxHorizon = b.maxHorizon;
        this.requireEventTime = b.requireEventTime;
        this.shards = b.shards;
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

    /**
     * The engine's clock before the first event, epoch milliseconds. In event time leave it at 0: no
     * event may be behind the clock, and the first event moves it. In processing time, the wall
     * clock's time at start.
     */
    public long startTime() {
        return startTime;
    }

    /** How many events the queue into the engine thread holds (commands take no place). */
    public int queueCapacity() {
        return queueCapacity;
    }

    /** Told about every late event, on the engine thread. */
    public Consumer<Rejection> rejections() {
        return rejections;
    }

    public TimeMode timeMode() {
        return timeMode;
    }

    /**
     * Live input ({@code vigil run}): a ticker looks at the wall clock. When no event has arrived
     * for {@code lateness}, held events are released and event time follows the wall clock from the
     * newest event time, so expiries fire while a stream is silent. Replays and tests are not live.
     */
    public boolean live() {
        return live;
    }

    /**
     * Live input in event time: an event stamped further than this ahead of the wall clock is
     * rejected, so one wrong clock cannot move the watermark and make every later event late.
     * Default 5 minutes; replays and tests are not checked.
     */
    public Duration maxFuture() {
        return maxFuture;
    }

    /**
     * Whether {@code when epl} rules may run (sandboxed: only plain values, EPL's functions and the
     * engine's). Off by default: raw EPL reaches more of the engine than the rules language, so a
     * service that takes rule files over its admin API must opt in.
     */
    public boolean allowRawEpl() {
        return allowRawEpl;
    }

    /**
     * The most partial matches one pattern rule keeps. At the cap a new attempt is not started (the
     * rule's {@code partialMatchesRefused} counts it, and the first is logged); the attempts under
     * way complete or expire as usual, and other rules are not affected. 0: no cap.
     */
    public long maxPartialMatches() {
        return maxPartialMatches;
    }

    /**
     * The keys a grouped rule may hold (measured every 10 s) before it is reported, 0 for no check:
     * Esper cannot refuse new groups, so the rule goes on; the report names it (log, /api/rules,
     * metrics, the {@code vigil} channel).
     */
    public long maxKeys() {
        return maxKeys;
    }

    /**
     * The events an aggregate or absence rule may hold in its windows (measured with the keys) before
     * it is reported, 0 for no check: like {@link #maxKeys()}, reported, not enforced (a window
     * that dropped events would change what the rule means).
     */
    public long maxWindowEvents() {
        return maxWindowEvents;
    }

    /**
     * How long one rule may take to compile (default 10 s; a rule of the shipped library takes tens
     * of milliseconds): past it the deploy refuses the rule, and nothing changes.
     */
    public Duration compileBudget() {
        return compileBudget;
    }

    /**
     * What an unbounded rule's horizon counts as, and the most any rule's counts as (default 24 h,
     * {@code Horizon.DEFAULT_MAX}): state older than this is not rebuilt on recovery.
     */
    public Duration maxHorizon() {
        return maxHorizon;
    }

    /**
     * Whether an event without a time (no timestamp field value, no envelope {@code time}) is
     * rejected rather than stamped with the wall clock: for recorded events (replays, tests), where
     * the wall clock is no time of the recording and would move the watermark to today.
     */
    public boolean requiresEventTime() {
        return requireEventTime;
    }

    /**
     * Engine shards ({@code engine.shards}): Esper runtimes on threads of their own, keyed rules
     * partitioned across them by key (design.md, "Scale"); 1 runs everything on the engine thread.
     */
    public int shards() {
        return shards;
    }

    /** Whether {@link #maxFuture()} applies: live input in event time. */
    public boolean checksFuture() {
        return live && timeMode == TimeMode.EVENT;
    }

    public static final class Builder {
        private Duration lateness = Duration.ZERO;
        private Clock clock = Clock.systemUTC();
        private long startTime;
        private int queueCapacity = 100_000;
        private Consumer<Rejection> rejections = r -> { };
        private TimeMode timeMode = TimeMode.EVENT;
        private boolean live;
        private boolean requireEventTime;
        private Duration maxFuture = Duration.ofMinutes(5);
        private boolean allowRawEpl;
        private long maxPartialMatches = DEFAULT_MAX_PARTIAL_MATCHES;
        private long maxKeys = DEFAULT_MAX_KEYS;
        private long maxWindowEvents = DEFAULT_MAX_WINDOW_EVENTS;
        private Duration compileBudget = Duration.ofSeconds(10);
        private Duration maxHorizon = Horizon.DEFAULT_MAX;
        private int shards = 1;

        private Builder() {
        }

        public Builder shards(int shards) {
            this.shards = shards;
            return this;
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

        public Builder timeMode(TimeMode timeMode) {
            this.timeMode = requireNonNull(timeMode, "timeMode is null");
            return this;
        }

        public Builder live(boolean live) {
            this.live = live;
            return this;
        }

        public Builder requireEventTime(boolean requireEventTime) {
            this.requireEventTime = requireEventTime;
            return this;
        }

        public Builder compileBudget(Duration compileBudget) {
            this.compileBudget = requireNonNull(compileBudget, "compileBudget is null");
            return this;
        }

        public Builder maxPartialMatches(long maxPartialMatches) {
            this.maxPartialMatches = maxPartialMatches;
            return this;
        }

        public Builder maxKeys(long maxKeys) {
            this.maxKeys = maxKeys;
            return this;
        }

        public Builder maxWindowEvents(long maxWindowEvents) {
            this.maxWindowEvents = maxWindowEvents;
            return this;
        }

        public Builder allowRawEpl(boolean allowRawEpl) {
            this.allowRawEpl = allowRawEpl;
            return this;
        }

        public Builder maxFuture(Duration maxFuture) {
            this.maxFuture = requireNonNull(maxFuture, "maxFuture is null");
            return this;
        }

        public Builder maxHorizon(Duration maxHorizon) {
            this.maxHorizon = requireNonNull(maxHorizon, "maxHorizon is null");
            return this;
        }

        public EngineOptions build() {
            if (maxHorizon.isNegative() || maxHorizon.isZero() || maxHorizon.compareTo(MAX_MAX_HORIZON) > 0) {
                throw new IllegalArgumentException("maxHorizon must be positive and at most 365 days: " + maxHorizon);
            }
            if (maxFuture.isNegative() || maxFuture.compareTo(Duration.ofDays(36_500)) > 0) {
                throw new IllegalArgumentException("maxFuture must be between 0 and 36500 days: " + maxFuture);
            }
            if (lateness.isNegative()) {
                throw new IllegalArgumentException("lateness must not be negative: " + lateness);
            }
            if (compileBudget.isNegative() || compileBudget.isZero()) {
                throw new IllegalArgumentException("compileBudget must be positive: " + compileBudget);
            }
            if (maxKeys < 0) {
                throw new IllegalArgumentException("maxKeys must not be negative: " + maxKeys);
            }
            if (maxWindowEvents < 0) {
                throw new IllegalArgumentException("maxWindowEvents must not be negative: " + maxWindowEvents);
            }
            if (maxPartialMatches < 0) {
                throw new IllegalArgumentException("maxPartialMatches must not be negative: " + maxPartialMatches);
            }
            if (shards < 1 || shards > MAX_SHARDS) {
                throw new IllegalArgumentException("shards must be between 1 and " + MAX_SHARDS + ": " + shards);
            }
            if (queueCapacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be positive: " + queueCapacity);
            }
            return new EngineOptions(this);
        }
    }
}
