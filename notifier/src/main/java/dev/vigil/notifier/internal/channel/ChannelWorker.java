package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.DeliveryListener;
import dev.vigil.notifier.StoreException;
import dev.vigil.notifier.internal.store.NotifierStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Delivers one channel's outbox: a dispatcher thread takes the rows that are due and hands each
 * to one of the channel's own worker threads, which makes the attempt and records what
 * {@link RetryPolicy} decided. Channels share nothing but the store, so a slow or dead receiver
 * delays only its own channel.
 *
 * <p>What a channel's failure leads to depends on what was thrown:
 * <ul>
 *   <li>Whatever the receiver or the network does is an {@link Outcome} the channel returns
 *       (its channel catches {@code IOException}, the HTTP client's and Jakarta Mail's
 *       exceptions); {@link RetryPolicy} decides from it.
 *   <li>A {@link RuntimeException} out of {@link Channel#send} is a bug (ours, or an unchecked
 *       exception of a library that no channel turns into an outcome). Retrying would run the
 *       same code on the same alert for the channel's whole {@code maxAge}, so the delivery is a
 *       dead letter at once ({@link Outcome.Crashed}), counted with the dead letters and logged
 *       once with the stack trace; the channel goes on with the next deliveries, and the dead
 *       letter can be retried once the bug is fixed.
 *   <li>An {@link Error} (out of memory, a stack overflow, a class that fails to link) says the
 *       JVM is in a state nothing here can reason about, and nothing is recorded for the delivery
 *       in it: its outbox row stays as it was, so at-least-once holds and the next start makes the
 *       attempt again. The channel stops taking rows, since taking the same row again at once
 *       would repeat the failure without end, and the error propagates to the thread's uncaught
 *       exception handler, which logs it with the stack trace. Other channels go on.
 *   <li>The store failing ({@link StoreException}) while an attempt's result is recorded leaves
 *       the row as it was, to be attempted again; the dispatcher failing to read the outbox stops
 *       the channel, logged.
 * </ul>
 */
public final class ChannelWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ChannelWorker.class);

    private final ChannelConfig config;
    private final Channel channel;
    private final NotifierStore store;
    private final RetryPolicy policy;
    private final Clock clock;
    private final Duration pollInterval;
    private final Runnable onProgress;
    private final ExecutorService pool;
    private final Thread dispatcher;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Set<Long> inFlight = new HashSet<>();
    /**
     * Rows whose attempt finished since the dispatcher last read the outbox. The read may have
     * seen such a row as it was before its result was recorded, so it is not taken again until
     * the next read.
     */
    private final Set<Long> finished = new HashSet<>();
    private boolean poked;
    private volatile boolean stopping;
    /**
     * Set when an attempt is to be retried, cleared by the next delivery: the receiver is back, so
     * the deliveries waiting out their backoff are made due at once (at most {@code workers} at a
     * time, as always), instead of each waiting for its own next attempt.
     */
    private volatile boolean retriesWaiting;

    private final DeliveryListener listener;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();

    /**
     * A worker for a configured channel, not started yet.
     *
     * @param stdout where a {@code log} channel writes
     * @param pollInterval how long the dispatcher waits, at most, before it reads the outbox again
     *     when nothing woke it
     * @param onProgress run after every attempt whose result is recorded (on a worker thread)
     * @param listener told about every confirmed delivery (on a worker thread)
     */
    public static ChannelWorker of(ChannelConfig config, Clock clock, PrintStream stdout, NotifierStore store,
            Backoff backoff, Duration pollInterval, Runnable onProgress, DeliveryListener listener) {
        return new ChannelWorker(config, Channel.of(config, clock, stdout), store, new RetryPolicy(backoff), clock,
                pollInterval, onProgress, listener);
    }

    ChannelWorker(ChannelConfig config, Channel channel, NotifierStore store, RetryPolicy policy, Clock clock,
            Duration pollInterval, Runnable onProgress, DeliveryListener listener) {
        this.listener = listener;
        this.config = config;
        this.channel = channel;
        this.store = store;
        this.policy = policy;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.onProgress = onProgress;
        AtomicInteger n = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(config.workers(), r -> {
            Thread t = new Thread(r, "vigil-notify-" + config.name() + "-" + n.incrementAndGet());
            t.setDaemon(true);
            t.setUncaughtExceptionHandler(this::uncaught);
            return t;
        });
        this.dispatcher = new Thread(this::dispatch, "vigil-notify-" + config.name());
        this.dispatcher.setDaemon(true);
        this.dispatcher.setUncaughtExceptionHandler(this::uncaught);
    }

    /** A bug or an {@link Error} on one of the channel's threads, which has stopped the channel. */
    private void uncaught(Thread thread, Throwable e) {
        LOG.error("channel {} stopped delivering: {} on thread {}", config.name(), e, thread.getName(), e);
    }

    /** Starts the dispatcher: from now on the outbox rows of this channel are delivered. */
    public void start() {
        dispatcher.start();
    }

    /** The channel's name. */
    public String name() {
        return config.name();
    }

    /** Something changed in this channel's outbox: look again now. */
    public void poke() {
        lock.lock();
        try {
            poked = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void dispatch() {
        try {
            while (!stopping) {
                Instant now = clock.instant();
                int free;
                int busy;
                lock.lock();
                try {
                    busy = inFlight.size();
                    free = config.workers() - busy;
                }  finally {
                    lock.unlock();
                }
                if (free > 0) {
                    lock.lock();
                    try {
                        finished.clear();
                    } finally {
                        lock.unlock();
                    }
                    List<NotifierStore.OutboxRow> rows = store.due(config.name(), now, free + busy);
                    for (NotifierStore.OutboxRow row : rows) {
                        lock.lock();
                        try {
                            if (free == 0 || finished.contains(row.id()) || !inFlight.add(row.id())) {
                                continue;
                            }
                        } finally {
                            lock.unlock();
                        }
                        free--;
                        pool.execute(() -> attempt(row));
                    }
                }
                long waitNanos = pollInterval.toNanos();
                if (free > 0) {
                    Optional<Instant> next = store.nextDueAfter(config.name(), now);
                    if (next.isPresent()) {
                        waitNanos = Math.min(waitNanos, Math.max(0, Duration.between(clock.instant(), next.get()).toNanos()));
                    }
                }
                lock.lock();
                try {
                    while (!poked && !stopping && waitNanos > 0) {
                        waitNanos = wake.awaitNanos(waitNanos);
                    }
                    poked = false;
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (StoreException e) {
            LOG.error("channel {} stopped delivering: {}", config.name(), e.toString(), e);
        }
    }

    private void attempt(NotifierStore.OutboxRow row) {
        int attempts = row.attempts() + 1;
        Delivery delivery = new Delivery(row.alertId(), row.json(), attempts, row.doneParts());
        try {
            Outcome outcome;
            try {
                outcome = channel.send(delivery);
            } catch (InterruptedException e) {
                // Stopping mid-attempt: the row stays in the outbox as it was, for the next start.
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("channel {} failed on alert {}: a bug, so the delivery is a dead letter", config.name(),
                        row.alertId(), e);
                outcome = new Outcome.Crashed(e);
            } catch (Error e) {
                // The row stays as it was; the uncaught exception handler logs the error.
                stopping = true;
                LOG.error("channel {} stops delivering after an error on alert {}; its outbox waits for the next start",
                        config.name(), row.alertId());
                throw e;
            }
            Decision d = policy.decide(outcome, row.createdAt(), attempts, clock.instant(), config.maxAge());
            String answer = answer(outcome);
            switch (d) {
                case Decision.Delivered ok -> {
                    store.delivered(row, attempts, answer);
                    delivered.incrementAndGet();
                    listener.delivered(config.name(), Duration.between(row.createdAt(), clock.instant()));
                    LOG.debug("alert {} delivered to {} (attempt {})", row.alertId(), config.name(), attempts);
                    if (retriesWaiting) {
                        retriesWaiting = false;
                        int due = store.retryWaitingNow(config.name(), clock.instant());
                        if (due > 0) {
                            LOG.info("channel {} takes deliveries again: its {} waiting retr{} are due now",
                                    config.name(), due, due == 1 ? "y is" : "ies are");
                        }
                    }
                }
                case Decision.RetryAt r -> {
                    store.retryAt(row, attempts, r.at(), r.error(), answer, delivery.done());
                    retriesWaiting = true;
                    retried.incrementAndGet();
                    LOG.info("alert {} to {}: attempt {} failed ({}); next at {}", row.alertId(), config.name(),
                            attempts, r.error(), r.at());
                }
                case Decision.Failed f -> {
                    store.deadLetter(row, attempts, f.reason(), answer, delivery.done());
                    deadLettered.incrementAndGet();
                    LOG.warn("alert {} to {}: dead letter (attempt {}): {}", row.alertId(), config.name(), attempts,
                            f.reason());
                }
            }
        } catch (StoreException e) {
            // The row is still in the outbox as it was: it is attempted again (at least once).
            LOG.error("alert {} to {}: cannot record the attempt's result", row.alertId(), config.name(), e);
        } finally {
            lock.lock();
            try {
                // After the result is committed: a read of the outbox that began before this line
                // skips the row, a read that begins after it sees the result.
                inFlight.remove(row.id());
                finished.add(row.id());
            } finally {
                lock.unlock();
            }
            poke();
            onProgress.run();
        }
    }

    /**
     * What the receiver said, as text, for the attempts table: {@code sent}, {@code HTTP 503},
     * {@code SMTP 451 try again later}, or what went wrong (the exception's message for a channel
     * that crashed). The decision's error says more (Retry-After, "gave up after"); this is only
     * the answer.
     */
    static String answer(Outcome outcome) {
        return switch (outcome) {
            case Outcome.Sent s -> "sent";
            case Outcome.Http h -> "HTTP " + h.status();
            case Outcome.SmtpReply r -> "SMTP " + r.code() + " " + r.text();
            case Outcome.Unreachable u -> u.detail();
            case Outcome.TimedOut t -> t.detail();
            case Outcome.Refused r -> r.detail();
            case Outcome.Crashed c -> c.error().getMessage() != null ? c.error().getMessage() : c.error().toString();
        };
    }

    /** Whether the dispatcher still takes rows (false once stopped, or after an error). */
    boolean delivering() {
        return dispatcher.isAlive();
    }

    /** What this worker did since it started, and what waits in its outbox now. */
    public ChannelStats stats() {
        return new ChannelStats(config.name(), delivered.get(), retried.get(), deadLettered.get(),
                store.pending(config.name()));
    }

    /**
     * Stops taking rows, lets attempts under way finish for up to {@code grace}, then interrupts
     * them; whatever was not confirmed stays in the outbox.
     */
    public void stop(Duration grace) throws InterruptedException {
        stopping = true;
        poke();
        dispatcher.join();
        pool.shutdown();
        if (!pool.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.SECONDS);
        }
    }
}
