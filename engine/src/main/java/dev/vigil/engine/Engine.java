package dev.vigil.engine;

import dev.vigil.rules.RuleSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * The rule engine: one thread owns Esper, and events and commands (deploy, finish) reach it through
 * one bounded queue, so a redeploy happens between two events and none is lost or processed twice.
 * Alerts leave through the {@link AlertSink}, on the engine thread.
 *
 * <p>Thread-safety: every public method may be called from any thread.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    private final EngineOptions options;
    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private final EngineCore core;
    private final AtomicLong alertsSent = new AtomicLong();
    private final AtomicLong alertsSuppressed = new AtomicLong();
    private volatile EventDecoder decoder;
    private volatile boolean closed;
    private volatile Throwable failure;
    /** The engine's event-time clock after the last batch, readable without a round trip. */
    private volatile long clockSnapshot = Long.MIN_VALUE;
    private java.util.concurrent.ScheduledExecutorService ticker;
    /** How often live input looks at the wall clock: the precision of expiries during silence. */
    private static final long TICK_MILLIS = 20;

    /** A command run on the engine thread between two events. */
    private record Command<T>(Function<EngineCore, T> action, CompletableFuture<T> done) {
        void run(EngineCore core) {
            try {
                done.complete(action.apply(core));
            } catch (RuntimeException | Error e) {
                done.completeExceptionally(e);
            }
        }
    }

    private static final Object STOP = new Object();

    private Engine(EngineOptions options, AlertSink sink) {
        this.options = options;
        this.queue = new ArrayBlockingQueue<>(options.queueCapacity());
        AlertSink counting = new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
                alertsSent.incrementAndGet();
                sink.onAlert(alert);
            }

            @Override
            public void onSuppressed(Alert alert, String reason) {
                alertsSuppressed.incrementAndGet();
                sink.onSuppressed(alert, reason);
            }
        };
        this.core = new EngineCore(options, counting);
        this.decoder = core.decoder();
        this.thread = new Thread(this::loop, "vigil-engine");
        this.thread.setDaemon(true);
    }

    /** Starts an engine with nothing deployed. */
    public static Engine start(EngineOptions options, AlertSink sink) {
        requireNonNull(options, "options is null");
        requireNonNull(sink, "sink is null");
        Engine engine = new Engine(options, sink);
        engine.thread.start();
        if (options.live() || options.timeMode() == EngineOptions.TimeMode.PROCESSING) {
            engine.startTicker();
        }
        return engine;
    }

    /**
     * Deploys a complete rule set, replacing what runs: all or nothing; unchanged rules keep their
     * state. Waits until the engine thread has applied it.
     *
     * @throws DeployException when Esper refuses a rule; nothing changed
     */
    public DeployResult deploy(RuleSet rules) throws DeployException, InterruptedException {
        requireNonNull(rules, "rules is null");
        try {
            return call(core -> {
                try {
                    DeployResult r = core.deploy(rules);
                    decoder = core.decoder();
                    return r;
                } catch (DeployException e) {
                    throw new WrappedDeploy(e);
                }
            });
        } catch (WrappedDeploy e) {
            throw e.deploy;
        }
    }

    private static final class WrappedDeploy extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient DeployException deploy;

        WrappedDeploy(DeployException deploy) {
            super(deploy.getMessage(), deploy, false, false);
            this.deploy = deploy;
        }
    }

    /** The decoder for the deployed event types; replaced by each deploy. */
    public EventDecoder decoder() {
        return decoder;
    }

    /** Hands an event to the engine, waiting while the queue is full (file replay). */
    public void submit(Event event) throws InterruptedException {
        requireNonNull(event, "event is null");
        checkOpen();
        queue.put(event);
    }

    /** Hands an event to the engine unless the queue is full (HTTP ingest answers 429 then). */
    public boolean offer(Event event) {
        requireNonNull(event, "event is null");
        checkOpen();
        return queue.offer(event);
    }

    /**
     * End of finite input: releases held events and lets the longest rule duration pass, so pending
     * expiries fire. Waits until done.
     */
    public void finish() throws InterruptedException {
        call(core -> {
            core.finish();
            return null;
        });
    }

    /** Event time of the engine's clock. */
    public long now() throws InterruptedException {
        return call(EngineCore::now);
    }

    /** The EPL each rule of a set compiles to, by rule id (event types first), without running it. */
    public static Map<String, String> explain(RuleSet rules) {
        return EsperHost.explain(rules);
    }

    public EngineStats stats() throws InterruptedException {
        int depth = queue.size();
        return call(core -> {
            List<EngineStats.RuleStats> rs = new ArrayList<>();
            for (EsperHost.DeployedRule r : core.host().rules()) {
                Lifecycle l = r.lifecycle;
                rs.add(new EngineStats.RuleStats(r.plan.rule().id(), l.matched.get(), l.sent.get(),
                        l.suppressed.get(), l.failures.get(), l.lastAlertTime));
            }
            return new EngineStats(core.processed, core.late, core.dropped, alertsSent.get(), alertsSuppressed.get(),
                    depth, rs);
        });
    }

    /**
     * The engine's event time as of the last batch it processed, without waiting for the engine
     * thread; {@link Long#MIN_VALUE} before any. For gauges (engine lag).
     */
    public long clockSnapshot() {
        return clockSnapshot;
    }

    /** Free places in the queue: how many events {@link #offer} can take now, at most. */
    public int remainingCapacity() {
        return queue.remainingCapacity();
    }

    /** Items waiting in the queue. */
    public int queueDepth() {
        return queue.size();
    }

    private <T> T call(Function<EngineCore, T> action) throws InterruptedException {
        checkOpen();
        CompletableFuture<T> done = new CompletableFuture<>();
        queue.put(new Command<>(action, done));
        try {
            return done.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    private void checkOpen() {
        if (failure != null) {
            throw new IllegalStateException("the engine thread failed", failure);
        }
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
    }

    private void loop() {
        List<Object> batch = new ArrayList<>(1024);
        try {
            while (true) {
                Object first = queue.take();
                batch.add(first);
                queue.drainTo(batch, 1023);
                for (Object item : batch) {
                    if (item == STOP) {
                        return;
                    }
                    if (item instanceof Event e) {
                        try {
                            core.onEvent(e);
                        } catch (RuntimeException ex) {
                            core.dropped++;
                            LOG.error("event {} failed in the engine and was dropped", e, ex);
                        }
                    } else {
                        ((Command<?>) item).run(core);
                    }
                }
                batch.clear();
                clockSnapshot = core.now();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("the engine thread failed", e);
            for (Object item : batch) {
                if (item instanceof Command<?> c) {
                    c.done.completeExceptionally(e);
                }
            }
        } finally {
            core.destroy();
        }
    }

    private void startTicker() {
        ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-engine-ticker");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> {
            if (closed || failure != null) {
                return;
            }
            long wall = options.clock().millis();
            // Best effort: when the queue is full, events are flowing and the next tick will do.
            queue.offer(new Command<Void>(core -> {
                core.tick(wall);
                return null;
            }, new CompletableFuture<>()));
        }, TICK_MILLIS, TICK_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Stops the engine thread after what is queued; undelivered events are dropped. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (ticker != null) {
            ticker.shutdownNow();
        }
        try {
            // A dead engine thread takes nothing from a full queue: only wait for room while it lives.
            while (thread.isAlive() && !queue.offer(STOP, 100, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                Thread.onSpinWait();
            }
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    EngineOptions options() {
        return options;
    }
}
