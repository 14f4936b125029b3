package dev.vigil.server.run;

import dev.vigil.engine.Alert;
import dev.vigil.rules.ast.Severity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * The last 15 minutes of the server's rates, for {@code GET /api/stats/history} (the console's
 * charts): every interval a daemon thread reads the cumulative counters and keeps, in a ring
 * buffer, the rates since the previous reading and the gauges as they stand.
 *
 * <p>Alerts are counted by severity as they leave the engine ({@link #onAlert}, called by the
 * engine's sink for sent and suppressed alerts alike, on the engine's threads); everything else is
 * read through the {@link Reading} supplier on the sampling thread. Other methods may be called
 * from any thread.
 */
final class StatsHistory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StatsHistory.class);
    /** How often a sample is taken in {@code vigil run}: fine enough for a chart, 180 samples in the span. */
    static final Duration INTERVAL = Duration.ofSeconds(5);
    /** How far back the samples go. */
    static final Duration SPAN = Duration.ofMinutes(15);

    /**
     * The cumulative counters and gauges read at each sample.
     *
     * @param accepted events accepted into the engine since start (processed plus queued)
     * @param processed events the engine processed since start
     * @param queue events waiting in the engine's queue
     * @param lagMillis wall clock minus the engine's event time; empty before any event
     * @param outbox deliveries waiting in the outbox
     */
    record Reading(long accepted, long processed, int queue, OptionalLong lagMillis, long outbox) {
        Reading {
            requireNonNull(lagMillis, "lagMillis is null");
        }
    }

    /**
     * One sample: the rates over the interval before {@code time}, per second, and the gauges at it.
     *
     * @param alerts alerts raised per second by severity (sent and suppressed), every severity present
     */
    record Sample(Instant time, double eventsIn, double eventsOut, Map<Severity, Double> alerts, int queue,
            OptionalLong lagMillis, long outbox) {
        Sample {
            requireNonNull(time, "time is null");
            alerts = Map.copyOf(alerts);
            requireNonNull(lagMillis, "lagMillis is null");
        }
    }

    private final Duration interval;
    private final Clock clock;
    private final int capacity;
    private final LongAdder[] alerts = new LongAdder[Severity.values().length];
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();
    private Supplier<Reading> reader;
    private ScheduledExecutorService timer;
    /** The previous reading, its alert counts and its time: what the next sample's rates are relative to. */
    private Reading last;
    private long[] lastAlerts;
    private long lastMillis;

    /** A history sampled every {@code interval} (production: {@link #INTERVAL}; tests a shorter one). */
    StatsHistory(Duration interval, Clock clock) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("stats history interval must be positive: " + interval);
        }
        this.interval = interval;
        this.clock = requireNonNull(clock, "clock is null");
        this.capacity = (int) Math.max(1, Math.min(100_000, (SPAN.toMillis() + interval.toMillis() - 1)
                / Math.max(1, interval.toMillis())));
        for (int i = 0; i < alerts.length; i++) {
            alerts[i] = new LongAdder();
        }
    }

    /** How often a sample is taken. */
    Duration interval() {
        return interval;
    }

    /** An alert left the engine (sent or suppressed): counted by its severity. */
    void onAlert(Alert alert) {
        alerts[alert.severity().ordinal()].increment();
    }

    /** Takes the first reading now and starts sampling every interval on a daemon thread. */
    synchronized void start(Supplier<Reading> reader) {
        begin(reader);
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-stats-history");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleAtFixedRate(this::sample, interval.toNanos(), interval.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Takes the first reading, without a timer: {@link #sample()} is then called by hand (tests). */
    synchronized void begin(Supplier<Reading> reader) {
        if (this.reader != null) {
            throw new IllegalStateException("the stats history is already started");
        }
        this.reader = requireNonNull(reader, "reader is null");
        last = reader.get();
        lastAlerts = alertCounts();
        lastMillis = clock.millis();
    }

    private long[] alertCounts() {
        long[] out = new long[alerts.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = alerts[i].sum();
        }
        return out;
    }

    /**
     * Takes one sample (the timer's task; tests call it directly). A reading that fails (the store
     * closing under a stop) is skipped: a gap in the chart, not a dead sampler.
     */
    synchronized void sample() {
        try {
            Reading now = reader.get();
            long[] counts = alertCounts();
            long millis = clock.millis();
            // A wall clock stepped back (or a test clock that did not move) has no usable elapsed
            // time: the nominal interval stands in.
            double seconds = (millis > lastMillis ? millis - lastMillis : interval.toMillis()) / 1000.0;
            Map<Severity, Double> bySeverity = new EnumMap<>(Severity.class);
            for (Severity s : Severity.values()) {
                bySeverity.put(s, (counts[s.ordinal()] - lastAlerts[s.ordinal()]) / seconds);
            }
            samples.addLast(new Sample(Instant.ofEpochMilli(millis), (now.accepted() - last.accepted()) / seconds,
                    (now.processed() - last.processed()) / seconds, bySeverity, now.queue(), now.lagMillis(),
                    now.outbox()));
            while (samples.size() > capacity) {
                samples.removeFirst();
            }
            last = now;
            lastAlerts = counts;
            lastMillis = millis;
        } catch (RuntimeException e) {
            LOG.debug("stats history: sample skipped: {}", e.toString());
        }
    }

    /** The samples, oldest first: at most {@link #SPAN} of them. */
    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Stops sampling and waits for a sample under way; idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService t;
        synchronized (this) {
            t = timer;
        }
        if (t == null) {
            return;
        }
        t.shutdownNow();
        try {
            if (!t.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("stats history: the sampling thread did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
