package dev.vigil.testing;

import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static java.util.Objects.requireNonNull;

/**
 * A real Kafka broker in the test JVM: one combined KRaft controller and broker from Kafka's own
 * test kit, on free loopback ports, usually started once per test class.
 *
 * <p>Its methods may be called from any thread; the producer they share is created on first use
 * and closed with the broker.
 */
public final class TestBroker implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private KafkaProducer<String, String> producer;

    private TestBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Starts a broker and returns once it is ready for clients. */
    public static TestBroker start() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build())
                // One broker: internal topics cannot have more replicas than that.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                // A group's first rebalance starts at once instead of waiting 3 s for more members.
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                // Lets a consumer use a short session timeout (connectors' crash test does).
                .setConfigProp("group.min.session.timeout.ms", "500")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            try {
                cluster.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new TestBroker(cluster);
    }

    /** The {@code bootstrap.servers} of the broker's client listener. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates a topic with one replica; returns once the broker has it. */
    public void createTopic(String name, int partitions) throws Exception {
        requireNonNull(name, "name is null");
        try (Admin admin = admin()) {
            // No retention by time: tests produce recorded events stamped with their (old) event
            // times, which the broker's default 7 days would delete while the test reads them.
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)
                    .configs(Map.of("retention.ms", "-1")))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** A new admin client on the broker; the caller closes it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** One producer for the class's tests (a producer per send would cost a connection each). */
    public synchronized KafkaProducer<String, String> producer() {
        if (producer == null) {
            producer = newProducer();
        }
        return producer;
    }

    private KafkaProducer<String, String> newProducer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        // Not idempotent: one producer serves every test of a class, and on a loaded machine an
        // idempotent producer whose batch timed out on a new topic can wedge in
        // OutOfOrderSequenceException until the delivery timeout (seen once in CI, 120 s lost).
        // One request in flight keeps each partition in send order.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "60000");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Where one record was written. */
    public record Written(int partition, long offset) {
    }

    /**
     * Sends records (key, value) to a topic, partitioned by key, and waits until the broker has them
     * all; returns where each went, in order.
     */
    public List<Written> produce(String topic, List<Map.Entry<String, String>> records) throws Exception {
        requireNonNull(topic, "topic is null");
        requireNonNull(records, "records is null");
        KafkaProducer<String, String> producer = producer();
        var futures = records.stream()
                .map(r -> producer.send(new ProducerRecord<>(topic, r.getKey(), r.getValue())))
                .toList();
        producer.flush();
        List<Written> out = new ArrayList<>();
        for (var f : futures) {
            var m = f.get(30, TimeUnit.SECONDS);
            out.add(new Written(m.partition(), m.offset()));
        }
        return out;
    }

    /** Sends one record to one partition; returns its offset. */
    public long produceTo(String topic, int partition, String key, String value) throws Exception {
        return producer().send(new ProducerRecord<>(topic, partition, key, value)).get(30, TimeUnit.SECONDS).offset();
    }

    /** The group's committed offset per partition (absent: none committed). */
    public Map<Integer, Long> committed(String group, String topic) throws Exception {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            Map<Integer, Long> out = new HashMap<>();
            m.forEach((tp, om) -> {
                if (tp.topic().equals(topic) && om != null) {
                    out.put(tp.partition(), om.offset());
                }
            });
            return out;
        }
    }

    /** End offsets of a topic's partitions. */
    public Map<Integer, Long> endOffsets(String topic, int partitions) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = IntStream.range(0, partitions).mapToObj(i -> new TopicPartition(topic, i)).toList();
            return c.endOffsets(tps).entrySet().stream()
                    .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
        }
    }

    @Override
    public void close() {
        try {
            synchronized (this) {
                if (producer != null) {
                    producer.close();
                }
            }
            cluster.close();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("stopping the test broker", e);
        }
    }
}
