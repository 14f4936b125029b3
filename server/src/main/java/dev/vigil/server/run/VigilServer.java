package dev.vigil.server.run;

import dev.vigil.connectors.Checkpoint;
import dev.vigil.connectors.FileSource;
import dev.vigil.connectors.HttpSource;
import dev.vigil.connectors.KafkaSource;
import dev.vigil.connectors.Source;
import dev.vigil.connectors.SourceContext;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.Notifier;
import dev.vigil.server.config.VigilConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A running Vigil ({@code vigil run}): the notifier and its store, the engine in live time, the rule
 * files (deployed all or nothing, optionally watched), the event sources and the HTTP API. Built by
 * {@link #start}; {@link #close} stops it cleanly: sources first, then the engine drains its queue,
 * then the notifier flushes what was handed to it.
 */
public final class VigilServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VigilServer.class);
    /** How often the rules folder is compared with what runs, when watched. */
    private static final long WATCH_MILLIS = 1000;

    private final VigilConfig config;
    private final Clock clock;
    private final Metrics metrics = new Metrics();
    private AutoCloseable heapGuard = () -> { };
    /** Self-monitoring alerts to the channel {@code vigil}, when configured. */
    private AutoCloseable limits = () -> { };
    private final AtomicLong rejected = new AtomicLong();
    private final List<ConfiguredSource> sources = new ArrayList<>();
    private Durability durability;
    private Notifier notifier;
    private RuleFileStore ruleFiles;
    private Engine engine;
    private RuleLibrary library;
    private HttpApi http;
    private TableService tableService;
    private AlertStream alertStream;
    private final StatsHistory statsHistory;
    private Thread watcher;
    private int port;
    private volatile boolean ready;
    private volatile boolean stopping;

    /** Vigil could not start: the message says what and where. */
    public static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;

        StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private VigilServer(VigilConfig config, Clock clock, Duration statsInterval) {
        this.config = config;
        this.clock = clock;
        this.statsHistory = new StatsHistory(statsInterval, clock);
    }

    /** The first bytes of every SQLite database file. */
    private static final byte[] SQLITE_HEADER = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Checks the paths the configuration names before anything opens them, so a wrong one is one
     * clear message instead of a stack trace, or a source that fails after start.
     */
    static void checkPaths(VigilConfig config) throws StartException {
        java.nio.file.Path store = config.notifier().store().path();
        if (java.nio.file.Files.isDirectory(store)) {
            throw new StartException("store.path " + store + " is a directory: name a database file (it is created"
                    + " when missing)", null);
        }
        if (java.nio.file.Files.isRegularFile(store)) {
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(store)) {
                byte[] head = in.readNBytes(SQLITE_HEADER.length);
                if (head.length > 0 && !java.util.Arrays.equals(head, SQLITE_HEADER)) {
                    throw new StartException("store.path " + store + " is not a SQLite database (Vigil's store);"
                            + " name another file, or move this one away", null);
                }
            } catch (java.io.IOException e) {
                throw new StartException("store.path " + store + " cannot be read: " + e.getMessage(), e);
            }
        } else if (store.toAbsolutePath().getParent() != null
                && java.nio.file.Files.exists(store.toAbsolutePath().getParent())
                && !java.nio.file.Files.isDirectory(store.toAbsolutePath().getParent())) {
            throw new StartException("store.path " + store + ": " + store.toAbsolutePath().getParent()
                    + " is not a directory", null);
        }
        List<VigilConfig.File> files = config.sources().files();
        for (int i = 0; i < files.size(); i++) {
            VigilConfig.File f = files.get(i);
            if (!f.follow() && !java.nio.file.Files.isRegularFile(f.path())) {
                throw new StartException("sources.files[" + i + "].path: no such file: " + f.path()
                        + (java.nio.file.Files.isDirectory(f.path()) ? " (a directory)" : "")
                        + " (with follow: true Vigil waits for it to appear)", null);
            }
        }
    }

    /**
     * Refuses an admin API open to the network: without {@code server.adminToken} it may only
     * listen on a loopback address.
     */
    static void checkExposure(VigilConfig.Server server) throws StartException {
        if (server.tokenRequired()) {
            return;
        }
        boolean loopback;
        try {
            loopback = java.net.InetAddress.getByName(server.host()).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            throw new StartException("server.host `" + server.host() + "` does not resolve: " + e.getMessage(), e);
        }
        if (!loopback) {
            throw new StartException("server.host is " + server.host() + " but no server.adminToken is set: the admin"
                    + " API would be open to the network without a token; set server.adminToken (for example"
                    + " \"${VIGIL_ADMIN_TOKEN}\") or listen on 127.0.0.1", null);
        }
    }

    /**
     * Starts everything the configuration names; on failure, stops what was started.
     *
     * @throws StartException naming what could not start, and where
     */
    public static VigilServer start(VigilConfig config, Clock clock) throws StartException, InterruptedException {
        return start(config, clock, StatsHistory.INTERVAL);
    }

    /** {@link #start(VigilConfig, Clock)} with the stats history sampled every {@code statsInterval} (tests). */
    static VigilServer start(VigilConfig config, Clock clock, Duration statsInterval) throws StartException,
            InterruptedException {
        VigilServer s = new VigilServer(config, clock, statsInterval);
        try {
            s.startAll();
        } catch (StartException | InterruptedException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void startAll() throws StartException, InterruptedException {
        checkExposure(config.server());
        checkPaths(config);
        notifier = Notifier.newBuilder(config.notifier()).clock(clock).deliveryListener(metrics.deliveryLatency())
                .start();
        LOG.info("store {}", config.notifier().store().path());
        config.notifier().channels().forEach((name, channel) -> LOG.info("channel {}: {}", name, describe(channel)));

        EngineOptions.Builder options = EngineOptions.newBuilder()
                .clock(clock)
                .lateness(config.time().lateness())
                .queueCapacity(config.sources().http().queue())
                .live(true)
                .allowRawEpl(config.rules().allowRawEpl())
                .maxPartialMatches(config.rules().maxPartialMatches())
                .maxKeys(config.rules().maxKeys())
                .maxWindowEvents(config.rules().maxWindowEvents())
                .shards(config.engine().shards())
                .compileBudget(config.rules().compileBudget())
                .maxFuture(config.time().maxFuture())
                .maxHorizon(config.state().maxHorizon())
                .rejections(r -> {
                    rejected.incrementAndGet();
                    metrics.rejected(r, "engine");
                });
        if (config.time().mode() == VigilConfig.TimeMode.PROCESSING) {
            options.timeMode(EngineOptions.TimeMode.PROCESSING).startTime(clock.millis());
        }
        alertStream = new AlertStream();
        dev.vigil.engine.AlertSink stored = metrics.counting(notifier);
        engine = Engine.start(options.build(), new dev.vigil.engine.AlertSink() {
            @Override
            public void onAlert(dev.vigil.engine.Alert alert) {
                stored.onAlert(alert);
                alertStream.onAlert(alert);
                statsHistory.onAlert(alert);
            }

            @Override
            public void onSuppressed(dev.vigil.engine.Alert alert, String reason) {
                stored.onSuppressed(alert, reason);
                alertStream.onSuppressed(alert, reason);
                statsHistory.onAlert(alert);
            }
        });
        metrics.engineGauges(engine, clock);
        heapGuard = HeapGuard.install(metrics.registry());
        if (config.notifier().channels().containsKey(LimitWatcher.CHANNEL)) {
            limits = LimitWatcher.start(engine::stats, notifier, clock, config.rules().maxPartialMatches(),
                    config.rules().maxKeys(), config.rules().maxWindowEvents());
        }
        metrics.notifierGauges(notifier);
        LOG.info("time: {} time, lateness {} ms", config.time().mode().name().toLowerCase(java.util.Locale.ROOT),
                config.time().lateness().toMillis());
        LOG.info("engine: {} shard{}", config.engine().shards(), config.engine().shards() == 1 ? "" : "s");

        ruleFiles = RuleFileStore.open(config.notifier().store().path(), clock);
        library = new RuleLibrary(config.rules().dir(), engine, config.notifier(), ruleFiles);
        try {
            RuleLibrary.Change c = library.loadFromDisk();
            for (RuleLibrary.FileInfo f : library.files()) {
                long n = library.rules().stream().filter(r -> r.file().equals(f.name())).count();
                LOG.info("rule file {}: {} rules (version {})", f.name(), n, f.version());
            }
            LOG.info("{} rules deployed", c.deployed().size());
        } catch (RuleLibrary.RejectedException e) {
            throw new StartException("the rule files in " + config.rules().dir() + " have errors:\n" + e.getMessage(), e);
        }
        if (config.rules().watch()) {
            startWatcher();
        }

        try {
            durability = Durability.open(config, clock);
        } catch (IOException | RuntimeException e) {
            throw new StartException(e.getMessage().startsWith("store.journal") ? e.getMessage()
                    : "store.journal: " + e.getMessage(), e);
        }
        metrics.durabilityGauges(durability);
        tableService = new TableService(engine, config.tables(), config.notifier().store().path());
        tableService.start();
        for (String t : tableService.readThrough()) {
            metrics.tableCacheGauge(engine, t);
        }
        http = new HttpApi(config, engine, library, notifier.history(), notifier::retryDeadLetter, metrics,
                () -> ready && !stopping, rejected::get, durability, tableService, alertStream, clock, notifier::stats,
                statsHistory);
        statsHistory.start(() -> {
            dev.vigil.engine.EngineStats s = engine.stats();
            int queue = engine.queueDepth();
            return new StatsHistory.Reading(s.eventsProcessed() + queue, s.eventsProcessed(), queue,
                    Metrics.engineLagMillis(engine, clock), notifier.history().pending());
        });
        try {
            port = http.start();
        } catch (RuntimeException e) {
            throw new StartException("cannot listen on " + config.server().host() + ":" + config.server().port()
                    + ": " + HttpApi.bindFailure(e), e);
        }
        String base = "http://" + (config.server().host().equals("0.0.0.0") ? "localhost" : config.server().host())
                + ":" + port;
        LOG.info("admin API at {}/api{}", base, config.server().tokenRequired() ? " (bearer token required, "
                + config.server().adminTokens().size() + " named token" + (config.server().adminTokens().size() == 1 ? ")" : "s)")
                : " (no adminToken configured: loopback only, and only requests whose Host is a loopback name)");
        java.util.OptionalLong from = beginRecovery();
        startSources(base, from);
        ready = true;
    }

    /**
     * Starts recovery and replays the journal's last horizon (event time only: in processing time an
     * event's time is its arrival, and a replay cannot give it again).
     *
     * @return the event time the Kafka sources replay from, or empty when there is no recovery
     */
    private java.util.OptionalLong beginRecovery() throws StartException, InterruptedException {
        boolean processingTime = config.time().mode() == VigilConfig.TimeMode.PROCESSING;
        if (processingTime) {
            LOG.info("recovery: none in processing time");
        }
        if (!processingTime && kafkaRebuilds()) {
            // The Kafka source's first assignment rebuilds the engine and replays the journal too.
            return java.util.OptionalLong.of(Long.MIN_VALUE);
        }
        try {
            java.util.OptionalLong from = durability.begin(processingTime ? null : engine, notifier.history(),
                    engine.horizonMillis());
            if (from.isPresent()) {
                durability.replayJournal(engine, from.getAsLong());
            }
            return from;
        } catch (IOException | RuntimeException e) {
            throw new StartException("recovery from the journal failed: " + e.getMessage(), e);
        }
    }

    /**
     * One Kafka source rebuilds the engine's state on each assignment (design.md, "Rebalance"); with
     * several, one's rebuild would wipe the others' state, so they only resume from their commits.
     */
    private boolean kafkaRebuilds() {
        return config.sources().kafka().size() == 1;
    }

    /** {@link KafkaSource.Rebuild} for the one Kafka source: HTTP held back, the engine rebuilt, the journal replayed. */
    private KafkaSource.Rebuild rebuild() {
        return new KafkaSource.Rebuild() {
            @Override
            public long begin(long storedBefore) throws InterruptedException {
                if (http != null) {
                    http.source().pause();
                }
                try {
                    notifier.flush().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    return durability.rebuild(engine, notifier.history(), engine.horizonMillis(), storedBefore);
                } catch (IOException | java.util.concurrent.ExecutionException
                         | java.util.concurrent.TimeoutException e) {
                    LOG.error("recovery for a Kafka assignment: {}; the partitions continue from their commits", e.toString());
                    return Long.MAX_VALUE;
                }
            }

            @Override
            public void end(long replayed) throws InterruptedException {
                durability.end(engine, replayed);
                if (http != null) {
                    http.source().resume();
                }
            }
        };
    }

    /** How long the start waits for the Kafka sources' recovery replay before it goes live anyway. */
    private static final Duration KAFKA_RECOVERY_WAIT = Duration.ofMinutes(10);

    /** Waits for each Kafka source's recovery replay, then ends recovery. */
    private void endRecovery() throws InterruptedException {
        long replayedByKafka = 0;
        for (ConfiguredSource s : sources) {
            if (s.source() instanceof KafkaSource k) {
                long waitedFrom = System.nanoTime();
                while (!k.awaitCaughtUp(Duration.ofSeconds(30))) {
                    if (System.nanoTime() - waitedFrom > KAFKA_RECOVERY_WAIT.toNanos()) {
                        LOG.error("recovery: {} has not replayed its partitions after {}; going live without it"
                                + " (alerts of its replay may come twice or, for windows begun before, be missed)",
                                s.description(), KAFKA_RECOVERY_WAIT);
                        break;
                    }
                    LOG.info("recovery: waiting for {} ({} records replayed)", s.description(), k.replayed());
                }
                replayedByKafka += k.replayed();
            }
        }
        durability.end(engine, replayedByKafka);
    }

    private static String describe(ChannelConfig c) {
        return c.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    /** A configured source, with where its configuration is and what the log calls it. */
    private record ConfiguredSource(String path, String description, Source source) {
    }

    /** Builds every configured source, then starts them in one loop, in configuration order. */
    private void startSources(String base, java.util.OptionalLong recoverFrom) throws StartException,
            InterruptedException {
        sources.addAll(configuredSources(base, recoverFrom.orElse(Long.MIN_VALUE)));
        boolean processingTime = config.time().mode() == VigilConfig.TimeMode.PROCESSING;
        // Offsets are committed once the engine has processed the records and the alerts they
        // raised are in the store (at least once).
        Checkpoint stored = () -> {
            long done = engine.now();
            notifier.flush().get();
            return processingTime ? Long.MAX_VALUE : done; // processing time holds nothing back
        };
        // Kafka first: its recovery replay (if any) must reach the engine before live events do.
        List<ConfiguredSource> order = new ArrayList<>();
        sources.stream().filter(s -> s.source() instanceof KafkaSource).forEach(order::add);
        boolean recoveryEnded = false;
        for (ConfiguredSource s : sources) {
            if (!(s.source() instanceof KafkaSource)) {
                order.add(s);
            }
        }
        for (ConfiguredSource s : order) {
            if (!recoveryEnded && !(s.source() instanceof KafkaSource)) {
                endRecoveryAndCheckpoint(recoverFrom.isPresent());
                recoveryEnded = true;
            }
            LOG.info("source {}", s.description());
            String kind = s.source() instanceof KafkaSource ? "kafka" : "file";
            SourceContext.Listener listener = s.source() instanceof HttpSource
                    ? new SourceContext.Listener() { } // HttpIngest counts per request
                    : metrics.source(kind, r -> {
                        rejected.incrementAndGet();
                        LOG.warn("rejected {}", r);
                    });
            try {
                s.source().start(new SourceContext(engine, stored, listener, () -> stopping));
            } catch (RuntimeException e) {
                throw new StartException(s.path() + ": " + e.getMessage(), e);
            }
        }
        if (!recoveryEnded) {
            endRecoveryAndCheckpoint(recoverFrom.isPresent());
        }
    }

    private void endRecoveryAndCheckpoint(boolean recovering) throws InterruptedException {
        if (recovering) {
            endRecovery();
        }
        durability.startCheckpoints(engine, notifier, engine::horizonMillis);
    }

    /**
     * HTTP ingest when enabled, a consumer per {@code sources.kafka} entry, and a reader per
     * {@code sources.files} entry: each file replayed on its own thread, paced together, and with
     * {@code follow: true} then followed as it grows (and across rotation) until Vigil stops.
     */
    private List<ConfiguredSource> configuredSources(String base, long recoverFrom) throws StartException {
        List<ConfiguredSource> out = new ArrayList<>();
        if (config.sources().http().enabled()) {
            out.add(new ConfiguredSource("sources.http", "http: POST " + base + "/events"
                    + (config.sources().http().token().isPresent() ? " (ingest token required)" : ""), http.source()));
        }
        for (int i = 0; i < config.sources().kafka().size(); i++) {
            VigilConfig.Kafka k = config.sources().kafka().get(i);
            String path = "sources.kafka[" + i + "]";
            try {
                KafkaSource.Builder kb = KafkaSource.newBuilder(engine);
                if (kafkaRebuilds() && config.time().mode() == VigilConfig.TimeMode.EVENT) {
                    kb.rebuild(rebuild());
                }
                KafkaSource source = kb.bootstrapServers(k.bootstrapServers())
                        .topics(k.topics()).topicPattern(k.topicPattern()).groupId(k.groupId())
                        .properties(k.properties()).lateness(config.time().lateness()).clock(clock)
                        .recoverFrom(recoverFrom)
                        .listener(metrics.kafka())
                        .build();
                out.add(new ConfiguredSource(path, "kafka " + k.bootstrapServers() + " "
                        + k.topicPattern().map(p -> "/" + p + "/").orElse(k.topics().toString())
                        + " (group " + k.groupId() + ")", source));
            } catch (IllegalArgumentException e) {
                out.forEach(c -> c.source().stop());
                throw new StartException(path + ": " + e.getMessage(), e);
            }
        }
        SharedPace pace = new SharedPace();
        for (int i = 0; i < config.sources().files().size(); i++) {
            VigilConfig.File f = config.sources().files().get(i);
            out.add(new ConfiguredSource("sources.files[" + i + "]", "file " + f.path() + " (speed "
                    + (f.speed() == 0 ? "max" : f.speed() + "x real time") + (f.follow() ? ", followed" : "") + ")",
                    FileSource.newBuilder(f.path()).csvType(f.type()).follow(f.follow())
                            .pace(eventTime -> pace.await(eventTime, f.speed())).build()));
        }
        return out;
    }

    /**
     * Paces several files against one origin: the first event of any of them starts the wall
     * clock, so files that cover the same period stay in step (and in time order for the engine).
     */
    private static final class SharedPace {
        private long firstEventTime = Long.MIN_VALUE;
        private long startNanos;

        void await(long eventTime, double speed) throws InterruptedException {
            if (speed <= 0) {
                return;
            }
            long due;
            synchronized (this) {
                if (firstEventTime == Long.MIN_VALUE) {
                    firstEventTime = eventTime;
                    startNanos = System.nanoTime();
                }
                due = startNanos + (long) ((eventTime - firstEventTime) * 1_000_000L / speed);
            }
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
    }

    private void startWatcher() {
        watcher = new Thread(() -> {
            while (!stopping) {
                try {
                    TimeUnit.MILLISECONDS.sleep(WATCH_MILLIS);
                    if (library.diskChanged()) {
                        try {
                            RuleLibrary.Change c = library.reload(RuleLibrary.FOLDER);
                            LOG.info("rules folder changed: deployed {}, changed {}, unchanged {}, removed {}",
                                    c.deployed().size(), c.changed(), c.unchanged().size(), c.removed());
                        } catch (RuleLibrary.RejectedException e) {
                            LOG.error("rules folder changed but has errors; nothing was deployed:\n{}", e.getMessage());
                            waitForNextChange();
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("rules watcher: {}", e.toString());
                }
            }
        }, "vigil-rules-watcher");
        watcher.setDaemon(true);
        watcher.start();
        LOG.info("watching {} for changes", config.rules().dir());
    }

    /** After a broken change, wait until the folder changes again before trying (and logging) anew. */
    private void waitForNextChange() throws InterruptedException {
        String before = snapshot();
        while (!stopping && snapshot().equals(before)) {
            TimeUnit.MILLISECONDS.sleep(WATCH_MILLIS);
        }
    }

    private String snapshot() {
        try (var paths = java.nio.file.Files.walk(config.rules().dir())) {
            StringBuilder sb = new StringBuilder();
            for (var p : paths.filter(x -> x.toString().endsWith(".rules")).sorted().toList()) {
                sb.append(p).append(java.nio.file.Files.getLastModifiedTime(p)).append(java.nio.file.Files.size(p));
            }
            return sb.toString();
        } catch (IOException | java.io.UncheckedIOException e) {
            return "";
        }
    }

    /** The HTTP port bound (useful with {@code server.port: 0}). */
    public int port() {
        return port;
    }

    RuleLibrary library() {
        return library;
    }

    /** The admin API (for tests). */
    HttpApi httpApi() {
        return http;
    }

    public Engine engine() {
        return engine;
    }

    public Optional<Notifier> notifier() {
        return Optional.ofNullable(notifier);
    }

    /** The tables' sources (tests). */
    TableService tables() {
        return tableService;
    }

    /**
     * For tests of recovery in one JVM: saves a checkpoint as the periodic one does, then stops
     * everything without a last checkpoint, as a crash right after a checkpoint leaves the store and
     * the journal. (The child-process crash test kills {@code vigil run} for real.)
     */
    void crashAfterCheckpoint() throws Exception {
        engine.now();
        durability.checkpoint(engine, notifier, engine.horizonMillis());
        Durability d = durability;
        d.stop(null, null, 0); // the checkpoint thread, without a last checkpoint
        durability = null;
        close();
        d.close();
    }

    /** Stops sources, drains the engine queue, flushes the notifier, stops HTTP. */
    @Override
    public void close() {
        stopping = true;
        ready = false;
        try {
            limits.close();
            heapGuard.close();
        } catch (Exception e) {
            LOG.warn("heap guard: {}", e.toString());
        }
        // In reverse order of start; a Kafka source makes a last checkpoint and commit, while the
        // engine and the notifier still run.
        for (int i = sources.size() - 1; i >= 0; i--) {
            sources.get(i).source().stop();
        }
        if (watcher != null) {
            watcher.interrupt();
        }
        if (tableService != null) {
            tableService.close();
        }
        if (alertStream != null) {
            alertStream.close();
        }
        if (http != null) {
            http.stop();
        }
        statsHistory.close();
        if (engine != null) {
            try {
                engine.now(); // everything queued before this point is processed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("engine: {}", e.getMessage());
            }
            if (durability != null) {
                durability.stop(engine, notifier, engine.horizonMillis()); // a last checkpoint
            }
            engine.close();
        }
        if (notifier != null) {
            try {
                notifier.flush().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("notifier flush: {}", e.toString());
            }
            notifier.close();
        }
        if (durability != null) {
            durability.close();
        }
        if (ruleFiles != null) {
            ruleFiles.close();
        }
        LOG.info("stopped");
    }
}
