package dev.vigil.notifier;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.notifier.internal.channel.Backoff;
import dev.vigil.notifier.internal.channel.ChannelWorker;
import dev.vigil.notifier.internal.store.NotifierStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

import static java.util.Objects.requireNonNull;

/**
 * Delivers the engine's alerts: durably, at least once, with retries, without ever making the
 * engine wait on a receiver.
 *
 * <p>The engine thread calls {@link #onAlert} and {@link #onSuppressed}, which only hand the alert
 * to a bounded queue. A store thread writes each alert and its outbox rows (one per channel, as
 * {@link NotifierConfig#channelsFor} routes it) in one transaction; only then do the channels see
 * it. Each channel has its own dispatcher and worker threads, which attempt, retry with backoff
 * and dead-letter as one retry policy decides. Whatever is left in the outbox when a notifier
 * starts, after a crash say, is delivered by it. What the store holds is read through
 * {@link #history()}.
 *
 * <p>Throttling is not done here: the engine applies each rule's {@code throttle} and hands the
 * alerts it holds back to {@link #onSuppressed}, which records them in the history with the reason.
 * Deliveries are deduplicated by alert id: an alert whose id the store already holds (a replay of
 * the same events) is not sent again.
 *
 * <p>Thread-safety: every public method may be called from any thread.
 */
public final class Notifier implements AlertSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    /**
     * Alerts handed over and not yet written, when not configured. Writing takes well under a
     * millisecond per alert in batches, so the queue fills only when the disk stalls; then the
     * engine thread waits (backpressure reaches the sources) rather than an alert being dropped.
     */
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;

    /** Alerts written per transaction, at most: large enough to amortize the fsync of a commit. */
    private static final int WRITE_BATCH = 500;

    /**
     * How long a channel's dispatcher waits, at most, before looking at its outbox again when
     * nothing woke it: bounds how late it notices a clock moved by a test or rows that another
     * process wrote.
     */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /** The longest pause between two attempts to write to a failing store. */
    private static final Duration STORE_RETRY_CAP = Duration.ofSeconds(5);

    /** How long {@link #close()} lets attempts under way finish before abandoning them to the outbox. */
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

    /** What the engine and the lifecycle hand to the store thread, in order. */
    private sealed interface Item {
    }

    private record Incoming(Alert alert, Optional<String> suppressed) implements Item {
    }

    private record Flush(CompletableFuture<Void> done) implements Item {
    }

    private record Stop() implements Item {
    }

    private static final Stop STOP = new Stop();

    private final NotifierConfig config;
    private final NotifierStore store;
    private final BlockingQueue<Item> queue;
    private final Thread writer;
    private final Map<String, ChannelWorker> workers = new LinkedHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();
    private final AtomicBoolean warnedFull = new AtomicBoolean();
    private final ReentrantLock progressLock = new ReentrantLock();
    private final Condition progress = progressLock.newCondition();
    private volatile boolean closed;

    private Notifier(Builder b, NotifierStore store) {
        this.config = b.config;
        this.store = store;
        this.queue = new ArrayBlockingQueue<>(b.queueCapacity);
        for (ChannelConfig c : config.channels().values()) {
            workers.put(c.name(), ChannelWorker.of(c, b.clock, b.stdout, store, b.backoff, b.pollInterval,
                    this::signal, b.deliveries));
        }
        this.writer = new Thread(this::writeLoop, "vigil-notifier-store");
        this.writer.setDaemon(true);
    }

    /** A builder for a notifier of this configuration. */
    public static Builder newBuilder(NotifierConfig config) {
        return new Builder(config);
    }

    /** Options of a {@link Notifier}; {@link #start()} opens the store and starts the threads. */
    public static final class Builder {
        private final NotifierConfig config;
        private Clock clock = Clock.systemUTC();
        private Backoff backoff = Backoff.standard();
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private PrintStream stdout = System.out;
        private DeliveryListener deliveries = DeliveryListener.NONE;

        private Builder(NotifierConfig config) {
            this.config = requireNonNull(config, "config is null");
        }

        /** Told about every confirmed delivery with its latency (metrics); nothing by default. */
        public Builder deliveryListener(DeliveryListener listener) {
            this.deliveries = requireNonNull(listener, "listener is null");
            return this;
        }

        /** The clock for timestamps, backoff and {@code maxAge}; the system clock by default. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock is null");
            return this;
        }

        /**
         * Delays between attempts of a failing delivery: {@code base}, doubled per attempt up to
         * {@code cap}, each with jitter (between half and all of it); 1 s doubling to 5 min by
         * default, the spec's.
         */
        public Builder backoff(Duration base, Duration cap) {
            this.backoff = Backoff.exponential(base, cap, RandomGenerator.getDefault());
            return this;
        }

        public Builder queueCapacity(int capacity) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("queueCapacity must be positive: " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        /** See {@link #DEFAULT_POLL_INTERVAL}. */
        public Builder pollInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive: " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /** Where {@code log} channels write; standard output by default. */
        public Builder stdout(PrintStream out) {
            this.stdout = requireNonNull(out, "out is null");
            return this;
        }

        /**
         * Opens the store, resumes what its outbox holds and starts delivering.
         *
         * @throws StoreException when the store cannot be opened
         */
        public Notifier start() {
            Notifier n = new Notifier(this, NotifierStore.open(config.store().path(), clock));
            n.begin();
            return n;
        }
    }

    private void begin() {
        long pending = pending();
        if (pending > 0) {
            LOG.info("resuming {} deliveries left in the outbox of {}", pending, store.path());
        }
        long orphans = store.pending() - pending;
        if (orphans > 0) {
            LOG.warn("{} deliveries in the outbox of {} are for channels no longer configured; they stay there",
                    orphans, store.path());
        }
        writer.start();
        workers.values().forEach(ChannelWorker::start);
    }

    /** The configuration it delivers by. */
    public NotifierConfig config() {
        return config;
    }

    /** What the store holds: the alert history, the dead letters, the outbox's counts. */
    public AlertHistory history() {
        return store;
    }

    // ---------------------------------------------------------------- AlertSink (engine thread)

    /** Hands an alert over for delivery through its channels; returns at once. */
    @Override
    public void onAlert(Alert alert) {
        requireNonNull(alert, "alert is null");
        received.incrementAndGet();
        enqueue(new Incoming(alert, Optional.empty()));
    }

    /** Records an alert the engine's throttle held back, with the reason; nothing is sent. */
    @Override
    public void onSuppressed(Alert alert, String reason) {
        requireNonNull(alert, "alert is null");
        requireNonNull(reason, "reason is null");
        suppressed.incrementAndGet();
        enqueue(new Incoming(alert, Optional.of(reason)));
    }

    private void enqueue(Item item) {
        if (closed) {
            throw new IllegalStateException("the notifier is closed");
        }
        if (queue.offer(item)) {
            return;
        }
        if (warnedFull.compareAndSet(false, true)) {
            LOG.warn("the notifier's store queue is full ({} alerts): waiting for the store", queue.size());
        }
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the notifier's store queue", e);
        }
    }

    /**
     * Completes once everything handed over before this call is written to the store: from then
     * on it survives a crash. For a source that commits its input offsets (Kafka).
     */
    public CompletableFuture<Void> flush() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (closed) {
            done.complete(null);
            return done;
        }
        try {
            queue.put(new Flush(done));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done.completeExceptionally(e);
        }
        return done;
    }

    /**
     * Waits until everything handed over is written and the outbox holds nothing for the configured
     * channels: every alert delivered or dead-lettered (what {@code vigil replay --notify} waits
     * for).
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitOutboxEmpty(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            flush().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return false;
        }
        progressLock.lock();
        try {
            while (pending() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Woken by every recorded attempt; the bound only guards against a missed signal.
                progress.awaitNanos(Math.min(left, TimeUnit.SECONDS.toNanos(1)));
            }
            return true;
        } finally {
            progressLock.unlock();
        }
    }

    /** Deliveries in the outbox for the configured channels. */
    private long pending() {
        long n = 0;
        for (String channel : workers.keySet()) {
            n += store.pending(channel);
        }
        return n;
    }

    private void signal() {
        progressLock.lock();
        try {
            progress.signalAll();
        } finally {
            progressLock.unlock();
        }
    }

    /**
     * Moves a dead letter back to the outbox, to be attempted now with a fresh {@code maxAge}.
     *
     * @return false when there is no such dead letter or its channel is no longer configured
     */
    public boolean retryDeadLetter(long id) {
        Optional<String> channel = store.retryDeadLetter(id, workers.keySet());
        channel.map(workers::get).ifPresent(ChannelWorker::poke);
        return channel.isPresent();
    }

    public NotifierStats stats() {
        List<ChannelStats> cs = new ArrayList<>();
        for (ChannelWorker w : workers.values()) {
            cs.add(w.stats());
        }
        return new NotifierStats(received.get(), suppressed.get(), duplicates.get(), stored.get(), queue.size(), cs);
    }

    // ---------------------------------------------------------------- store thread

    private void writeLoop() {
        List<Item> batch = new ArrayList<>(WRITE_BATCH);
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, WRITE_BATCH - 1);
                List<NotifierStore.NewAlert> alerts = new ArrayList<>(batch.size());
                boolean stop = false;
                List<Flush> flushes = new ArrayList<>();
                for (Item item : batch) {
                    switch (item) {
                        case Incoming in -> {
                            try {
                                alerts.add(newAlert(in));
                            } catch (RuntimeException e) {
                                LOG.error("alert {} of rule {} cannot be recorded and is dropped", in.alert().id(),
                                        in.alert().rule(), e);
                            }
                        }
                        // Completed once the batch is written, alerts handed over before it included.
                        case Flush f -> flushes.add(f);
                        case Stop s -> stop = true;
                    }
                }
                if (!alerts.isEmpty()) {
                    write(alerts);
                }
                flushes.forEach(f -> f.done().complete(null));
                batch.clear();
                signal();
                if (stop) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private NotifierStore.NewAlert newAlert(Incoming in) {
        Alert a = in.alert();
        // A shadow rule's alert (mode shadow) is stored and shown, never routed to a channel.
        List<String> channels = in.suppressed().isPresent() || a.shadow() ? List.of() : config.channelsFor(a);
        if (a.shadow()) {
            LOG.debug("alert {} of shadow rule {}: recorded only", a.id(), a.rule());
        } else if (channels.isEmpty() && in.suppressed().isEmpty()) {
            LOG.debug("alert {} of rule {}: no notify and no matching route; recorded only", a.id(), a.rule());
        }
        return new NotifierStore.NewAlert(a.id(), a.rule(), a.status().text(), a.severity().keyword(), a.time(),
                a.raisedAt(), a.toJson(), in.suppressed(), channels);
    }

    /** Writes until it succeeds: an alert handed over is never dropped for a store hiccup. */
    private void write(List<NotifierStore.NewAlert> alerts) throws InterruptedException {
        long pause = 100;
        while (true) {
            try {
                NotifierStore.WriteResult r = store.write(alerts, workers.keySet());
                stored.addAndGet(alerts.size());
                duplicates.addAndGet(r.duplicates());
                r.channels().forEach(c -> workers.get(c).poke());
                return;
            } catch (StoreException e) {
                if (closed && store.isClosed()) {
                    LOG.error("{} alerts not recorded: the store is closed", alerts.size());
                    return;
                }
                LOG.error("cannot record {} alerts; trying again in {} ms", alerts.size(), pause, e);
                Thread.sleep(pause);
                pause = Math.min(pause * 2, STORE_RETRY_CAP.toMillis());
            }
        }
    }

    // ---------------------------------------------------------------- lifecycle

    /**
     * Stops: writes everything handed over, lets attempts under way finish for a few seconds, and
     * closes the store. Deliveries not confirmed stay in the outbox for the next start.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            queue.put(STOP);
            writer.join();
            for (ChannelWorker w : workers.values()) {
                w.stop(CLOSE_GRACE);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            store.close();
            signal();
        }
    }
}
