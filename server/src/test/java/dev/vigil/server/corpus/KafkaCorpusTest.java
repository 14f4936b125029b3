package dev.vigil.server.corpus;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.server.run.VigilServer;
import dev.vigil.testing.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input corpus of Kafka records ({@code corpus/kafka.yaml}): a running Vigil with a
 * {@code sources.kafka} entry (a real broker in this JVM, one for the class) rejects each bad record
 * with its topic, partition and offset, in what it logs, and the good record produced after it still
 * raises its alert.
 */
class KafkaCorpusTest {
    private static final String TOPIC = "corpus";
    private static TestBroker broker;
    private static KafkaProducer<byte[], byte[]> producer;
    private static ProbeServer server;
    private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        broker = TestBroker.start();
        broker.createTopic(TOPIC, 1);
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1"),
                new ByteArraySerializer(), new ByteArraySerializer());
        LOG.start();
        ((Logger) LoggerFactory.getLogger(VigilServer.class)).addAppender(LOG);
        server = ProbeServer.start("""
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0, adminToken: "${ADMIN}" }
                sources:
                  http: { enabled: false }
                  kafka:
                    - bootstrapServers: "%s"
                      topics: [%s]
                      groupId: vigil-corpus
                      properties: { auto.offset.reset: earliest }
                store: { path: data/vigil.db }
                """.formatted(broker.bootstrapServers(), TOPIC));
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        ((Logger) LoggerFactory.getLogger(VigilServer.class)).detachAppender(LOG);
        if (producer != null) {
            producer.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    static List<KafkaCase> cases() {
        return Corpus.load("kafka.yaml", KafkaCase.class, KafkaCase::name);
    }

    /** Writes one record to partition 0 and returns its offset. */
    static long produce(byte[] key, byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(TOPIC, 0, key, value)).get(30, TimeUnit.SECONDS).offset();
    }

    /** The rejections logged so far, as logged. */
    static List<String> rejections() {
        synchronized (LOG) {
            return LOG.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith("rejected ")).toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badRecord_isRejectedWithTopicPartitionAndOffset_andTheGoodRecordAfterItStillAlerts(KafkaCase c)
            throws Exception {
        Corpus.Context ctx = Corpus.Context.fresh();
        boolean prefixes = c.reasons() == null;
        List<String> reasons = prefixes ? c.reasonPrefixes() : c.reasons();
        assertThat(reasons).as("one reason per record").hasSameSizeAs(c.records());
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < c.records().size(); i++) {
            KafkaCase.KafkaRecord record = c.records().get(i);
            byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
            byte[] value = Boolean.TRUE.equals(record.tombstone()) ? null : ctx.bytes(record.value(), record.bytes());
            long offset = produce(key, value);
            expected.add("rejected topic " + TOPIC + ", partition 0, offset " + offset + ": " + ctx.expand(reasons.get(i)));
        }
        int n = server.nextProbe();
        long goodOffset = produce(null, ProbeServer.probeEvent(n).getBytes(StandardCharsets.UTF_8));
        server.awaitAlert(n, c.name() + " (the good record at offset " + goodOffset + ")");
        // Rejections are logged before the next record is handed on, so before the good record's alert.
        for (String e : expected) {
            assertThat(rejections()).as("the rejections logged").anyMatch(prefixes ? m -> m.startsWith(e) : e::equals);
        }
    }
}
