package dev.vigil.server.run;

import dev.vigil.connectors.HttpIngest;
import dev.vigil.connectors.KafkaSource;
import dev.vigil.connectors.SourceContext;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Vigil's metrics, in Prometheus text format at {@code GET /metrics}: events accepted, rejected
 * and late by type; alerts raised and suppressed by rule; queue depth; engine lag; Kafka lag per
 * partition.
 */
final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<KafkaSource.Partition, AtomicLong> kafkaLag = new ConcurrentHashMap<>();

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Counters by (type, source), so the per-event path is one map lookup, not a meter registration. */
    private final java.util.concurrent.ConcurrentHashMap<String, Counter> acceptedCounters =
            new java.util.concurrent.ConcurrentHashMap<>();

    public void accepted(String type, String source) {
        accepted(type, source, 1);
    }

    /** {@code count} events of one type accepted from one source (a batch counted once). */
    public void accepted(String type, String source, int count) {
        acceptedCounters.computeIfAbsent(source + '\u0000' + type, k -> Counter.builder("vigil.events.accepted")
                .description("Events accepted into the engine queue")
                .tag("type", type).tag("source", source).register(registry)).increment(count);
    }

    /** One request answered 500: a bug, logged with its stack trace. */
    public void internalError() {
        Counter.builder("vigil.http.internal.errors").description("Requests answered 500 (bugs, logged)")
                .register(registry).increment();
    }

    /** Counts what HTTP ingest accepts and rejects, with source {@code http}. */
    public HttpIngest.Listener httpIngestListener() {
        return new HttpIngest.Listener() {
            @Override
            public void accepted(String type, int count) {
                Metrics.this.accepted(type, "http", count);
            }

            @Override
            public void rejected(Rejection rejection) {
                Metrics.this.rejected(rejection, "http");
            }
        };
    }

    public void rejected(Rejection r, String source) {
        String name = r.kind() == Rejection.Kind.LATE ? "vigil.events.late" : "vigil.events.rejected";
        Counter.builder(name).description(r.kind() == Rejection.Kind.LATE
                        ? "Events rejected as behind the watermark" : "Events rejected as invalid")
                .tag("type", r.type().isEmpty() ? "unknown" : r.type()).tag("source", source)
                .register(registry).increment();
    }

    /**
     * What a pulling source (file, Kafka) reports through its context: events accepted and rejected,
     * tagged with {@code source}; each rejection then goes to {@code onRejected}.
     */
    public SourceContext.Listener source(String source, java.util.function.Consumer<Rejection> onRejected) {
        return new SourceContext.Listener() {
            @Override
            public void accepted(Event event) {
                Metrics.this.accepted(event.type(), source);
            }

            @Override
            public void rejected(Rejection rejection) {
                Metrics.this.rejected(rejection, source);
                onRejected.accept(rejection);
            }
        };
    }

    /**
     * What a Kafka source reports beyond its events (those go through {@link #source}):
     * {@code vigil.kafka.lag} per assigned partition (records not yet handed to the engine).
     */
    public KafkaSource.Listener kafka() {
        return new KafkaSource.Listener() {
            @Override
            public void lag(KafkaSource.Partition partition, long records) {
                kafkaLag.computeIfAbsent(partition, p -> {
                    AtomicLong value = new AtomicLong();
                    Gauge.builder("vigil.kafka.lag", value, AtomicLong::get)
                            .description("Records of an assigned partition not yet handed to the engine")
                            .tag("topic", p.topic()).tag("partition", String.valueOf(p.partition())).register(registry);
                    return value;
                }).set(records);
            }

            @Override
            public void revoked(KafkaSource.Partition partition) {
                if (kafkaLag.remove(partition) != null) {
                    registry.find("vigil.kafka.lag").tag("topic", partition.topic())
                            .tag("partition", String.valueOf(partition.partition())).meters()
                            .forEach(registry::remove);
                }
            }
        };
    }

    /** Counts alerts on their way to {@code sink}. */
    public AlertSink counting(AlertSink sink) {
        return new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
                Counter.builder("vigil.alerts.raised").description("Alerts raised by the engine")
                        .tag("rule", alert.rule()).tag("status", alert.status().text()).register(registry).increment();
                if (alert.shadow()) {
                    // Counted apart as well: a shadow rule's alerts are stored and shown, never sent.
                    Counter.builder("vigil.alerts.shadow").description("Alerts of rules in mode shadow (never sent)")
                            .tag("rule", alert.rule()).register(registry).increment();
                }
                sink.onAlert(alert);
            }

            @Override
            public void onSuppressed(Alert alert, String reason) {
                Counter.builder("vigil.alerts.suppressed").description("Firing alerts suppressed by a throttle")
                        .tag("rule", alert.rule()).register(registry).increment();
                sink.onSuppressed(alert, reason);
            }
        };
    }

    /** Queue depth and engine lag (wall clock minus the engine's event time), read when scraped. */
    public void engineGauges(Engine engine, Clock clock) {
        Gauge.builder("vigil.engine.queue.depth", engine, Engine::queueDepth)
                .description("Events waiting for the engine thread").register(registry);
        Gauge.builder("vigil.engine.shards", engine, Engine::shards)
                .description("Engine shards (engine.shards): Esper runtimes on threads of their own").register(registry);
        Gauge.builder("vigil.engine.lag.seconds", engine, e -> {
            java.util.OptionalLong lag = engineLagMillis(e, clock);
            return lag.isEmpty() ? Double.NaN : lag.getAsLong() / 1000.0;
        }).description("Wall clock minus the engine's event time").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("vigil.rules.partial.matches.refused", engine,
                        e -> e.stats().rules().stream().mapToLong(r -> r.partialMatchesRefused()).sum())
                .description("Pattern attempts not started because a rule held rules.maxPartialMatches"
                        + " (per rule: /api/rules counts)").register(registry);
        Gauge.builder("vigil.rules.state.keys", engine,
                        e -> e.stats().rules().stream().mapToLong(r -> Math.max(0, r.stateKeys())).sum())
                .description("Keys with events in the windows of the grouped rules, all rules, as last counted"
                        + " (per rule: stateKeys in /api/rules)").register(registry);
        Gauge.builder("vigil.rules.window.events", engine,
                        e -> e.stats().rules().stream().mapToLong(r -> Math.max(0, r.stateEvents())).sum())
                .description("Events held in the windows of the aggregate and absence rules, all rules, as last"
                        + " counted (per rule: stateEvents in /api/rules)").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("vigil.rules.failures", engine,
                        e -> e.stats().rules().stream().mapToLong(r -> r.failures()).sum())
                .description("Output rows a rule failed on (logged with the rule)").register(registry);
    }

    /**
     * Engine lag: the wall clock minus the engine's event time, in milliseconds; empty before the
     * engine has seen an event. The one computation behind the gauge, {@code /api/stats} and the
     * stats history.
     */
    static java.util.OptionalLong engineLagMillis(Engine engine, Clock clock) {
        long t = engine.clockSnapshot();
        return t == Long.MIN_VALUE || t <= 0 ? java.util.OptionalLong.empty()
                : java.util.OptionalLong.of(clock.millis() - t);
    }

    /** The hit rate of a read-through table's cache ({@code jdbc.lookup: true}). */
    void tableCacheGauge(Engine engine, String table) {
        Gauge.builder("vigil.table.cache.hit.ratio", engine, e -> Math.max(0, e.tableHitRate(table)))
                .tag("table", table)
                .description("Lookups of a read-through table answered from its cache, of all its lookups")
                .register(registry);
    }

    /** The journal's size and lag, and recovery's progress, read when scraped. */
    void durabilityGauges(Durability d) {
        Gauge.builder("vigil.journal.bytes", d, x -> x.journal().map(j -> (double) j.bytes()).orElse(0.0))
                .description("Bytes of the HTTP ingest journal on disk").register(registry);
        Gauge.builder("vigil.journal.segments", d, x -> x.journal().map(j -> (double) j.segments()).orElse(0.0))
                .description("Segment files of the journal").register(registry);
        Gauge.builder("vigil.journal.lag.events", d, x -> (double) x.journalLag())
                .description("Events appended to the journal since the last checkpoint").register(registry);
        Gauge.builder("vigil.recovery.replayed.events", d, x -> (double) x.replayed())
                .description("Journal events replayed by recovery at start").register(registry);
        Gauge.builder("vigil.recovery.done", d, x -> x.recovered() ? 1.0 : 0.0)
                .description("1 once recovery at start is over").register(registry);
    }

    /**
     * Delivery by channel, read from the notifier when scraped: alerts sent (delivered), failed
     * (dead-lettered), retried, and waiting in the outbox.
     */
    public void notifierGauges(dev.vigil.notifier.Notifier notifier) {
        for (String channel : notifier.config().channels().keySet()) {
            io.micrometer.core.instrument.FunctionCounter.builder("vigil.alerts.sent", notifier,
                            n -> channelStat(n, channel, dev.vigil.notifier.ChannelStats::delivered))
                    .description("Alerts delivered, by channel").tag("channel", channel).register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("vigil.alerts.failed", notifier,
                            n -> channelStat(n, channel, dev.vigil.notifier.ChannelStats::deadLettered))
                    .description("Alerts moved to the dead letters, by channel").tag("channel", channel)
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("vigil.deliveries.retried", notifier,
                            n -> channelStat(n, channel, dev.vigil.notifier.ChannelStats::retried))
                    .description("Delivery attempts that will be retried, by channel").tag("channel", channel)
                    .register(registry);
            Gauge.builder("vigil.outbox.pending", notifier,
                            n -> channelStat(n, channel, dev.vigil.notifier.ChannelStats::pending))
                    .description("Alerts waiting in the outbox, by channel").tag("channel", channel).register(registry);
        }
        Gauge.builder("vigil.notifier.queue.depth", notifier, n -> n.stats().queueDepth())
                .description("Alerts handed to the notifier and not yet stored").register(registry);
    }

    /** A latency histogram of confirmed deliveries, by channel (time from the outbox to the receiver's 2xx). */
    public dev.vigil.notifier.DeliveryListener deliveryLatency() {
        return (channel, latency) -> io.micrometer.core.instrument.Timer.builder("vigil.delivery.latency")
                .description("Time from an alert entering the outbox to its channel confirming it")
                .tag("channel", channel)
                .publishPercentileHistogram()
                .register(registry)
                .record(latency);
    }

    private static double channelStat(dev.vigil.notifier.Notifier n, String channel,
                                       java.util.function.ToLongFunction<dev.vigil.notifier.ChannelStats> f) {
        for (dev.vigil.notifier.ChannelStats s : n.stats().channels()) {
            if (s.channel().equals(channel)) {
                return f.applyAsLong(s);
            }
        }
        return 0;
    }

    public String scrape() {
        return registry.scrape();
    }
}
