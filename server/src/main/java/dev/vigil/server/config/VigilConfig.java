package dev.vigil.server.config;

import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.Secret;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The whole configuration file (interfaces.md, "Configuration"), validated. Relative paths are
 * resolved against the folder of the configuration file.
 */
public record VigilConfig(Rules rules, Time time, State state, Server server, Sources sources,
                          NotifierConfig notifier, Journal journal, EngineSection engine, Map<String, Table> tables) {
    public VigilConfig {
        requireNonNull(rules, "rules is null");
        requireNonNull(time, "time is null");
        requireNonNull(state, "state is null");
        requireNonNull(server, "server is null");
        requireNonNull(sources, "sources is null");
        requireNonNull(notifier, "notifier is null");
        requireNonNull(journal, "journal is null");
        requireNonNull(engine, "engine is null");
        tables = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tables));
    }

    /**
     * {@code tables.NAME}: where a reference table's rows come from (interfaces.md, "Tables"): a
     * file, or a Kafka topic.
     *
     * @param file a CSV (header row) or JSONL file, loaded at start; null for a topic
     * @param watch whether the file is loaded again whenever it changes
     * @param kafka the topic the table follows; null for a file
     */
    public record Table(Path file, boolean watch, TableKafka kafka, TableJdbc jdbc) {
        public Table {
            int sources = (file == null ? 0 : 1) + (kafka == null ? 0 : 1) + (jdbc == null ? 0 : 1);
            if (sources != 1) {
                throw new IllegalArgumentException("a table has one source: a file, a kafka topic or a jdbc query");
            }
        }

        public Table(Path file, boolean watch, TableKafka kafka) {
            this(file, watch, kafka, null);
        }
    }

    /**
     * {@code tables.NAME.jdbc}: a query's rows, loaded at start and every {@code refresh}.
     *
     * @param user empty for none (the URL may carry it)
     */
    public record TableJdbc(String url, String user, String password, String query, java.time.Duration refresh,
                            boolean lookup, long cacheSize, java.time.Duration cacheTtl) {
        public TableJdbc {
            requireNonNull(url, "url is null");
            requireNonNull(user, "user is null");
            requireNonNull(password, "password is null");
            requireNonNull(query, "query is null");
            requireNonNull(refresh, "refresh is null");
        }
    }

    /**
     * {@code tables.NAME.kafka}.
     *
     * @param format {@code upsert} or {@code debezium}
     * @param groupId the group its offsets are committed for (default {@code vigil-table-NAME})
     */
    public record TableKafka(String bootstrapServers, String topic, String format, String groupId,
                             Map<String, String> properties) {
        public TableKafka {
            requireNonNull(bootstrapServers, "bootstrapServers is null");
            requireNonNull(topic, "topic is null");
            requireNonNull(format, "format is null");
            requireNonNull(groupId, "groupId is null");
            properties = Map.copyOf(properties);
        }
    }

    /**
     * {@code engine}: how the rules run.
     *
     * @param shards Esper runtimes on threads of their own, keyed rules partitioned across them
     *     (design.md, "Scale"); default one per core, at most 64
     */
    public record EngineSection(int shards) {
        public EngineSection {
            if (shards < 1 || shards > dev.vigil.engine.EngineOptions.MAX_SHARDS) {
                throw new IllegalArgumentException("shards must be between 1 and 64: " + shards);
            }
        }

        /** One shard per core the JVM sees, at most {@link dev.vigil.engine.EngineOptions#MAX_SHARDS}. */
        public static int defaultShards() {
            return Math.min(dev.vigil.engine.EngineOptions.MAX_SHARDS, Runtime.getRuntime().availableProcessors());
        }
    }

    /**
     * {@code store.journal}: the journal of HTTP ingest (connectors' {@code Journal}).
     *
     * @param dir its folder; by default {@code <store.path>.journal} beside the store
     * @param fsync {@code always}, {@code batch} or {@code never}
     * @param fsyncInterval how often {@code batch} forces the journal to the disk
     */
    public record Journal(boolean enabled, Path dir, String fsync, Duration fsyncInterval) {
        public static final Duration DEFAULT_FSYNC_INTERVAL = Duration.ofMillis(200);

        public Journal {
            requireNonNull(dir, "dir is null");
            requireNonNull(fsync, "fsync is null");
            requireNonNull(fsyncInterval, "fsyncInterval is null");
        }

        /** The default: on, beside the store, fsync batch every 200 ms. */
        public static Journal beside(Path store) {
            return new Journal(true, store.resolveSibling(store.getFileName() + ".journal"), "batch",
                    DEFAULT_FSYNC_INTERVAL);
        }
    }

    /**
     * Where the rule files are, and whether changes are deployed as they happen.
     *
     * @param allowRawEpl whether {@code when epl} rules may run (sandboxed); off by default
     * @param maxPartialMatches the most partial matches one pattern rule keeps (0: no cap)
     * @param compileBudget how long one rule may take to compile
     * @param maxKeys keys an aggregate or absence rule holds before it is reported (0: not counted)
     * @param maxWindowEvents events an aggregate or absence rule holds in its windows before it is
     *     reported (0: not checked)
     */
    public record Rules(Path dir, boolean watch, boolean allowRawEpl, long maxPartialMatches, Duration compileBudget,
                        long maxKeys, long maxWindowEvents) {
    }

    public enum TimeMode { EVENT, PROCESSING }

    /** @param maxFuture how far ahead of the wall clock a live event may be stamped (default 5 min) */
    public record Time(TimeMode mode, Duration lateness, Duration maxFuture) {
    }

    /**
     * How rule state is rebuilt on recovery (design.md, "State and recovery").
     *
     * @param maxHorizon what an unbounded rule's horizon counts as, and the longest any rule's
     *     counts as (default 24 h)
     */
    public record State(Duration maxHorizon) {
        public State {
            requireNonNull(maxHorizon, "maxHorizon is null");
        }
    }

    /**
     * @param host the address the HTTP server binds; loopback when no admin token is configured
     * @param port 0 picks a free port
     * @param adminTokens every admin token with the name it acts under: {@code server.adminToken}
     *     as "admin", then each of {@code server.adminTokens}; empty: the API is loopback only
     */
    public record Server(String host, int port, List<AdminToken> adminTokens, Backtest backtest) {
        public Server {
            adminTokens = List.copyOf(adminTokens);
            requireNonNull(backtest, "backtest is null");
        }

        /** With the default backtest limits. */
        public Server(String host, int port, List<AdminToken> adminTokens) {
            this(host, port, adminTokens, Backtest.DEFAULT);
        }

        /** Whether the admin API needs a bearer token. */
        public boolean tokenRequired() {
            return !adminTokens.isEmpty();
        }
    }

    /**
     * One admin token and who uses it: the name recorded with every change made with it (the audit
     * log, the rule-file versions).
     */
    public record AdminToken(String name, Secret token) {
        public AdminToken {
            requireNonNull(name, "name is null");
            requireNonNull(token, "token is null");
        }
    }

    /**
     * {@code server.backtest}: the bounds of {@code POST /api/rule-files/validate?backtest=...}
     * (docs/backtests.md).
     *
     * @param maxEvents journal events one backtest reads at most (default 1,000,000)
     * @param timeLimit how long one backtest reads at most (default 30 s)
     * @param maxWindow the longest {@code backtest} duration asked for (default 24 h)
     * @param concurrent backtests running at once; one more is answered 429 (default 2)
     */
    public record Backtest(long maxEvents, Duration timeLimit, Duration maxWindow, int concurrent) {
        public static final Backtest DEFAULT = new Backtest(1_000_000, Duration.ofSeconds(30), Duration.ofHours(24), 2);

        public Backtest {
            requireNonNull(timeLimit, "timeLimit is null");
            requireNonNull(maxWindow, "maxWindow is null");
            if (maxEvents < 1) {
                throw new IllegalArgumentException("maxEvents must be positive: " + maxEvents);
            }
            if (concurrent < 1) {
                throw new IllegalArgumentException("concurrent must be positive: " + concurrent);
            }
        }
    }

    public record Sources(Http http, List<Kafka> kafka, List<File> files) {
        public Sources {
            kafka = List.copyOf(kafka);
            files = List.copyOf(files);
        }
    }

    /** {@code POST /events}. */
    public record Http(boolean enabled, Optional<Secret> token, long maxBodyBytes, int queue) {
    }

    /** A Kafka consumer ({@code dev.vigil.connectors.KafkaSource}). */
    public record Kafka(String bootstrapServers, List<String> topics, Optional<String> topicPattern, String groupId,
                        Map<String, String> properties) {
        public Kafka {
            topics = List.copyOf(topics);
            properties = Map.copyOf(properties);
        }
    }

    /**
     * A recorded event file replayed into the running engine.
     *
     * @param speed 0 for as fast as possible, else a multiple of real time
     */
    public record File(Path path, double speed, Optional<String> type, boolean follow) {
    }
}
