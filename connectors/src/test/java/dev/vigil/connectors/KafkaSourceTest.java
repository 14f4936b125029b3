package dev.vigil.connectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;
import dev.vigil.rules.RuleSet;
import dev.vigil.testing.MutableClock;
import dev.vigil.testing.TestBroker;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka source against a real broker in this JVM (Kafka's KRaft test kit), started once for
 * the class; every test has its own topic and group.
 */
class KafkaSourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Generous for a loaded 2-core machine; the tests normally finish each wait in well under a second. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Path ROOT = Path.of("..");

    private static TestBroker broker;
    private static RuleSet fraudRules;
    private static List<String> fraudEvents;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
        Path rules = ROOT.resolve("rules/fraud.rules");
        fraudRules = TestRules.compileFile(rules);
        fraudEvents = Files.readAllLines(ROOT.resolve("examples/fraud/events.jsonl"), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).toList();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void fraudRecordingOnFourPartitions_raisesExactlyTheAlertsOfReplay() throws Exception {
        String topic = "fraud-same-as-replay";
        broker.createTopic(topic, 4);
        broker.produce(topic, keyed(fraudEvents));
        Duration lateness = Duration.ofSeconds(2);

        try (Vigil v = new Vigil(lateness, 100_000)) {
            v.source(topic, "same-as-replay", lateness, Map.of());
            await().atMost(WAIT).until(() -> v.accepted.size() == fraudEvents.size());
            v.engine.finish();
            List<String> expected = replay(fraudEvents, lateness);
            assertThat(expected).hasSizeGreaterThan(10);
            assertThat(v.alertKeys()).isEqualTo(expected);
            assertThat(v.late).hasValue(0);
        }
    }

    @Test
    void poisonRecords_areRejectedWithTheirOffsets_andTheRestFlows() throws Exception {
        String topic = "poison";
        broker.createTopic(topic, 1);
        List<String> good = fraudEvents.subList(0, 4);
        List<String> values = new ArrayList<>();
        values.add(good.get(0));
        values.add("this is not JSON");
        values.add(good.get(1));
        values.add("{\"type\": \"Transaction\", \"data\": {\"cardId\": 42, \"amount\": 1.0, \"merchant\": \"m\", "
                + "\"country\": \"DE\", \"at\": \"2026-11-21T08:00:00Z\"}}");
        values.add(good.get(2));
        values.add("{\"type\": \"Refund\", \"data\": {}}");
        values.add(null);
        values.add(good.get(3));
        List<Long> offsets = new ArrayList<>();
        for (String value : values) {
            offsets.add(broker.produceTo(topic, 0, "k", value));
        }

        try (Vigil v = new Vigil(Duration.ZERO, 100_000)) {
            v.source(topic, "poison", Duration.ZERO, Map.of());
            await().atMost(WAIT).until(() -> v.accepted.size() == 4 && v.rejections.size() == 4);
            await().atMost(WAIT).until(() -> broker.committed("poison", topic).getOrDefault(0, -1L) == 8L);

            assertThat(v.rejections).extracting(Rejection::where).containsExactly(
                    "topic poison, partition 0, offset " + offsets.get(1),
                    "topic poison, partition 0, offset " + offsets.get(3),
                    "topic poison, partition 0, offset " + offsets.get(5),
                    "topic poison, partition 0, offset " + offsets.get(6));
            assertThat(v.rejections.get(0).reason()).startsWith("not valid JSON: ");
            assertThat(v.rejections.get(1).reason()).isEqualTo("field `cardId` of Transaction: expected a string, got a number 42");
            assertThat(v.rejections.get(2).reason()).startsWith("unknown event type `Refund`");
            assertThat(v.rejections.get(3).reason()).isEqualTo("no value (a tombstone), expected a JSON event");
            assertThat(v.accepted.keySet()).extracting(Placed::offset)
                    .containsExactlyInAnyOrder(offsets.get(0), offsets.get(2), offsets.get(4), offsets.get(7));
            assertThat(v.engine.stats().eventsProcessed()).isEqualTo(4);
            assertThat(v.source.stats().rejected()).isEqualTo(4);
        }
    }

    @Test
    void consumerKilledWithoutClose_successorReadsFromTheLastCommit_andLosesNoAlert() throws Exception {
        String topic = "crash";
        String group = "crash";
        broker.createTopic(topic, 4);
        int half = 1000; // the planted scenarios lie on both sides of it
        List<TestBroker.Written> first = broker.produce(topic, keyed(fraudEvents.subList(0, half)));
        Duration lateness = Duration.ofSeconds(2);
        // No leave-group on close: the group learns of the death only by the session timing out.
        Map<String, String> dying = Map.of("internal.leave.group.on.close", "false",
                "session.timeout.ms", "2000", "heartbeat.interval.ms", "500");

        Map<Integer, Long> commit;
        try (Vigil a = new Vigil(lateness, 100_000)) {
            a.source(topic, group, lateness, dying);
            await().atMost(WAIT).until(() -> a.accepted.size() == half && !a.committed.isEmpty());
            a.source.halt();
            commit = broker.committed(group, topic);
            long clock = a.engine.now();
            // Everything below the commit was processed: handed over, and not held back for reordering.
            for (TestBroker.Written w : first) {
                if (w.offset() < commit.getOrDefault(w.partition(), 0L)) {
                    Placed p = new Placed(w.partition(), w.offset());
                    assertThat(a.accepted).containsKey(p);
                    assertThat(a.accepted.get(p)).isLessThanOrEqualTo(clock);
                }
            }
        }
        assertThat(commit.values().stream().mapToLong(Long::longValue).sum()).isPositive();

        List<TestBroker.Written> second = broker.produce(topic, keyed(fraudEvents.subList(half, fraudEvents.size())));
        List<TestBroker.Written> all = new ArrayList<>(first);
        all.addAll(second);
        List<String> afterCommit = new ArrayList<>();
        Set<Placed> expectedPlaces = new HashSet<>();
        for (int i = 0; i < all.size(); i++) {
            TestBroker.Written w = all.get(i);
            if (w.offset() >= commit.getOrDefault(w.partition(), 0L)) {
                afterCommit.add(fraudEvents.get(i));
                expectedPlaces.add(new Placed(w.partition(), w.offset()));
            }
        }

        try (Vigil b = new Vigil(lateness, 100_000)) {
            b.source(topic, group, lateness, Map.of());
            await().atMost(WAIT).until(() -> b.accepted.size() == afterCommit.size());
            assertThat(b.accepted.keySet()).isEqualTo(expectedPlaces);
            for (int p = 0; p < 4; p++) {
                long from = commit.getOrDefault(p, 0L);
                int partition = p;
                assertThat(b.accepted.keySet().stream().filter(x -> x.partition() == partition)
                        .mapToLong(Placed::offset).min()).hasValue(from);
            }
            b.engine.finish();
            assertThat(b.alertKeys()).isEqualTo(replay(afterCommit, lateness)).isNotEmpty();
        }
    }

    @Test
    void twoInstancesInOneGroup_sharePartitions_andTheSurvivorTakesOverWithoutLossOrDuplicate() throws Exception {
        String topic = "shared";
        String group = "shared";
        broker.createTopic(topic, 4);
        Map<Placed, Integer> deliveries = new ConcurrentHashMap<>();
        try (Vigil a = new Vigil(Duration.ZERO, 100_000); Vigil b = new Vigil(Duration.ZERO, 100_000)) {
            a.deliveries = deliveries;
            b.deliveries = deliveries;
            a.source(topic, group, Duration.ZERO, Map.of());
            await().atMost(WAIT).until(() -> a.source.stats().assigned().size() == 4);
            b.source(topic, group, Duration.ZERO, Map.of());
            await().atMost(WAIT).until(() -> a.source.stats().assigned().size() == 2
                    && b.source.stats().assigned().size() == 2);
            Set<KafkaSource.Partition> union = new HashSet<>(a.source.stats().assigned());
            union.addAll(b.source.stats().assigned());
            assertThat(union).hasSize(4);

            List<TestBroker.Written> first = broker.produce(topic, keyed(fraudEvents.subList(0, 1000)));
            await().atMost(WAIT).until(() -> deliveries.size() == 1000);
            assertThat(a.accepted).isNotEmpty();
            assertThat(b.accepted).isNotEmpty();

            a.source.close();
            await().atMost(WAIT).until(() -> b.source.stats().assigned().size() == 4);
            long beforeB = b.accepted.size();
            List<TestBroker.Written> second = broker.produce(topic, keyed(fraudEvents.subList(1000, 2000)));
            await().atMost(WAIT).until(() -> deliveries.size() == 2000);
            assertThat(b.accepted.size() - beforeB).isEqualTo(1000);

            Set<Placed> written = new HashSet<>();
            first.forEach(w -> written.add(new Placed(w.partition(), w.offset())));
            second.forEach(w -> written.add(new Placed(w.partition(), w.offset())));
            assertThat(deliveries.keySet()).isEqualTo(written);
            assertThat(deliveries.values()).allMatch(n -> n == 1);
        }
    }

    @Test
    void fullEngineQueue_pausesThePartitions_buffersBoundedly_andLosesNothing() throws Exception {
        String topic = "backpressure";
        broker.createTopic(topic, 4);
        int maxPoll = 50;
        List<TestBroker.Written> written;
        try (Vigil v = new Vigil(Duration.ZERO, 4)) {
            v.source(topic, "backpressure", Duration.ZERO, Map.of("max.poll.records", String.valueOf(maxPoll)));
            await().atMost(WAIT).until(() -> v.source.stats().assigned().size() == 4);
            written = broker.produce(topic, keyed(fraudEvents));
            await().atMost(WAIT).until(() -> v.accepted.size() == fraudEvents.size());

            KafkaSource.Stats stats = v.source.stats();
            assertThat(stats.pauses()).isPositive();
            assertThat(stats.bufferBound()).isEqualTo(4 * maxPoll);
            assertThat(stats.peakBuffered()).isLessThanOrEqualTo(stats.bufferBound());
            assertThat(v.accepted.keySet())
                    .isEqualTo(written.stream().map(w -> new Placed(w.partition(), w.offset())).collect(Collectors.toSet()));
            v.engine.now();
            assertThat(v.engine.stats().eventsProcessed() + v.late.get()).isEqualTo(fraudEvents.size());
        }
    }

    @Test
    void quietPartition_holdsTheWatermarkOnlyForLateness() throws Exception {
        String topic = "quiet";
        broker.createTopic(topic, 4);
        MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        Duration lateness = Duration.ofSeconds(5);
        List<String> events = fraudEvents.subList(0, 30);
        for (int i = 0; i < events.size(); i++) {
            broker.produceTo(topic, i % 3, "k", events.get(i)); // partition 3 stays empty
        }
        try (Vigil v = new Vigil(Duration.ZERO, 100_000)) {
            v.source = KafkaSource.newBuilder(v.engine).bootstrapServers(broker.bootstrapServers()).topics(List.of(topic))
                    .groupId("quiet").properties(Map.of("auto.offset.reset", "earliest")).lateness(lateness).clock(clock)
                    .listener(v).build().start();
            await().atMost(WAIT).until(() -> v.source.stats().buffered() == events.size());
            assertThat(v.accepted).isEmpty();

            clock.advance(lateness.plusMillis(1));
            await().atMost(WAIT).until(() -> v.accepted.size() == events.size());
            // Released in event-time order across the three partitions.
            List<Long> times = v.order.stream().map(Event::time).toList();
            assertThat(times).isSorted();
        }
    }

    @Test
    void topicPattern_consumesMatchingTopics() throws Exception {
        broker.createTopic("pattern-x1", 1);
        broker.createTopic("pattern-x2", 1);
        broker.produceTo("pattern-x1", 0, "k", fraudEvents.get(0));
        broker.produceTo("pattern-x2", 0, "k", fraudEvents.get(1));
        try (Vigil v = new Vigil(Duration.ZERO, 100_000)) {
            v.source = KafkaSource.newBuilder(v.engine).bootstrapServers(broker.bootstrapServers())
                    .topicPattern(Optional.of("pattern-x.*")).groupId("pattern")
                    .properties(Map.of("auto.offset.reset", "earliest")).listener(v).build().start();
            await().atMost(WAIT).until(() -> v.order.size() == 2);
            assertThat(v.source.stats().assigned()).containsExactlyInAnyOrder(
                    new KafkaSource.Partition("pattern-x1", 0), new KafkaSource.Partition("pattern-x2", 0));
        }
    }

    @Test
    void builder_refusesIncompleteSettings_andAnUnstartedSourceCloses() {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), new Sink())) {
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> KafkaSource.newBuilder(engine)
                    .bootstrapServers("localhost:1").groupId("g").build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("topics or a topicPattern is required");
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> KafkaSource.newBuilder(engine)
                    .bootstrapServers("localhost:1").topics(List.of("t")).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("groupId is required");
            // Built but never started (a later source failed to build): closing releases the consumer.
            KafkaSource unstarted = KafkaSource.newBuilder(engine).bootstrapServers("localhost:1").groupId("g")
                    .topics(List.of("t")).build();
            unstarted.close();
            assertThat(org.assertj.core.api.Assertions.catchThrowable(unstarted::start))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void asASource_reportsToTheContext_andItsPositionIsTheCommittedOffsets() throws Exception {
        String topic = "as-a-source";
        broker.createTopic(topic, 2);
        List<String> values = fraudEvents.subList(0, 6);
        for (int i = 0; i < values.size(); i++) {
            broker.produceTo(topic, i % 2, "k", i == 4 ? "not an event" : values.get(i));
        }
        List<Event> accepted = Collections.synchronizedList(new ArrayList<>());
        List<Rejection> rejected = Collections.synchronizedList(new ArrayList<>());
        SourceContext.Listener listener = new SourceContext.Listener() {
            @Override
            public void accepted(Event event) {
                accepted.add(event);
            }

            @Override
            public void rejected(Rejection rejection) {
                rejected.add(rejection);
            }
        };
        try (Vigil v = new Vigil(Duration.ZERO, 100_000)) {
            KafkaSource source = KafkaSource.newBuilder(v.engine).bootstrapServers(broker.bootstrapServers())
                    .topics(List.of(topic)).groupId("as-a-source").properties(Map.of("auto.offset.reset", "earliest"))
                    .commitInterval(Duration.ofMillis(100)).build();
            assertThat(source.position()).isEmpty();
            source.start(new SourceContext(v.engine, Checkpoint.engine(v.engine), listener, () -> false));

            await().atMost(WAIT).until(() -> source.position().isPresent()
                    && source.position().get().kafkaOffsets().values().stream().mapToLong(Long::longValue).sum() == 6);
            assertThat(source.position().orElseThrow().value()).isEqualTo("as-a-source-0=3,as-a-source-1=3");
            assertThat(source.name()).isEqualTo("kafka as-a-source [as-a-source]");
            assertThat(accepted).hasSize(5);
            assertThat(rejected).extracting(Rejection::where).containsExactly("topic as-a-source, partition 0, offset 2");
            assertThat(broker.committed("as-a-source", topic)).isEqualTo(Map.of(0, 3L, 1, 3L));
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> source.start(SourceContext.of(v.engine))))
                    .isInstanceOf(IllegalStateException.class);

            source.stop();
            source.stop();
        }
    }

    @Test
    void asASource_refusesAContextForAnotherEngine() {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), new Sink());
             Engine other = Engine.start(EngineOptions.newBuilder().build(), new Sink())) {
            KafkaSource source = KafkaSource.newBuilder(engine).bootstrapServers("localhost:1").groupId("g")
                    .topics(List.of("t")).build();
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> source.start(SourceContext.of(other))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("source kafka g [t] was built for another engine");
            source.stop();
        }
    }

    // ---- helpers ----

    /** The alerts of a replay (the path {@code vigil replay} takes): sorted (rule, status, key, time). */
    private static List<String> replay(List<String> lines, Duration lateness) throws Exception {
        Sink sink = new Sink();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().lateness(lateness).build(), sink)) {
            engine.deploy(fraudRules);
            EventFiles.readJsonl("replay", new StringReader(String.join("\n", lines)), engine::decoder,
                    new EventFiles.Handler() {
                        @Override
                        public void onEvent(Event event) throws InterruptedException {
                            engine.submit(event);
                        }

                        @Override
                        public void onRejected(Rejection rejection) {
                            throw new AssertionError(rejection.toString());
                        }
                    });
            engine.finish();
        }
        return sink.keys();
    }

    /** Each event keyed by its card, as the fraud rules partition them. */
    private static List<Map.Entry<String, String>> keyed(List<String> lines) throws Exception {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String line : lines) {
            out.add(Map.entry(JSON.readTree(line).path("data").path("cardId").asText(), line));
        }
        return out;
    }

    record Placed(int partition, long offset) {
    }

    static final class Sink implements AlertSink {
        final List<Alert> alerts = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onAlert(Alert alert) {
            alerts.add(alert);
        }

        @Override
        public void onSuppressed(Alert alert, String reason) {
        }

        List<String> keys() {
            synchronized (alerts) {
                return alerts.stream().map(a -> a.rule() + " " + a.status().text() + " " + a.key() + " "
                        + Instant.ofEpochMilli(a.time())).sorted().toList();
            }
        }
    }

    /** An engine with the fraud rules, an alert sink, and a Kafka source's reports. */
    static final class Vigil implements KafkaSource.Listener, AutoCloseable {
        final Sink sink = new Sink();
        final Engine engine;
        final AtomicLong late = new AtomicLong();
        /** Handed to the engine: where, and its event time. */
        final Map<Placed, Long> accepted = new ConcurrentHashMap<>();
        final List<Event> order = Collections.synchronizedList(new ArrayList<>());
        final List<Rejection> rejections = Collections.synchronizedList(new ArrayList<>());
        final Map<KafkaSource.Partition, Long> committed = new ConcurrentHashMap<>();
        Map<Placed, Integer> deliveries = new ConcurrentHashMap<>();
        KafkaSource source;

        Vigil(Duration lateness, int queue) throws Exception {
            engine = Engine.start(EngineOptions.newBuilder().lateness(lateness).queueCapacity(queue)
                    .rejections(r -> late.incrementAndGet()).build(), sink);
            engine.deploy(fraudRules);
        }

        void source(String topic, String group, Duration lateness, Map<String, String> properties) {
            Map<String, String> props = new HashMap<>(properties);
            props.put("auto.offset.reset", "earliest");
            // Members learn of a rebalance at their next heartbeat: 3 s by default.
            props.putIfAbsent("heartbeat.interval.ms", "300");
            source = KafkaSource.newBuilder(engine)
                    .bootstrapServers(broker.bootstrapServers())
                    .topics(List.of(topic))
                    .groupId(group)
                    .properties(props)
                    .lateness(lateness)
                    .commitInterval(Duration.ofMillis(100))
                    .listener(this)
                    .build()
                    .start();
        }

        List<String> alertKeys() {
            return sink.keys();
        }

        @Override
        public void accepted(KafkaSource.Partition partition, long offset, Event event) {
            Placed p = new Placed(partition.partition(), offset);
            accepted.put(p, event.time());
            order.add(event);
            deliveries.merge(p, 1, Integer::sum);
        }

        @Override
        public void rejected(KafkaSource.Partition partition, long offset, Rejection rejection) {
            rejections.add(rejection);
        }

        @Override
        public void committed(KafkaSource.Partition partition, long offset) {
            committed.put(partition, offset);
        }

        @Override
        public void close() {
            if (source != null) {
                source.close();
            }
            engine.close();
        }
    }
}
