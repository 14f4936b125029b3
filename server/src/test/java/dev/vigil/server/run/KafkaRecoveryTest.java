package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.StoredAlert;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.testing.TestBroker;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code vigil run} reading conformance cases from Kafka, stopped after half of each case and
 * started again on the same store: the recovery seeks the partitions back by
 * {@code offsetsForTimes(checkpoint - horizon)} and replays up to the committed offsets, so windows
 * and absences that straddle the restart still give exactly the case's expected alerts.
 */
class KafkaRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = TestBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"velocity", "merchant-sum", "absence", "sustained"})
    void aCaseReadFromKafka_restartedHalfway_givesExactlyItsExpectedAlerts(String name) throws Exception {
        Path c = Path.of("..", "conformance", name);
        String topic = "rec-" + name;
        broker.createTopic(topic, 1);
        List<String> lines = Files.readAllLines(c.resolve("events.jsonl")).stream().filter(l -> !l.isBlank()).toList();
        int half = lines.size() / 2;
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(c.resolve("case.rules"), dir.resolve("rules/case.rules"));
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                sources:
                  http: { enabled: false }
                  kafka:
                    - bootstrapServers: "%s"
                      topics: [%s]
                      groupId: vigil-%s
                      properties: { auto.offset.reset: earliest }
                channels:
                  quiet: { type: webhook, url: "http://127.0.0.1:9/never" }
                routes:
                  - { notify: [quiet] }
                store: { path: data/test.db }
                """.formatted(broker.bootstrapServers(), topic, name));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));

        produce(topic, lines.subList(0, half));
        VigilServer server = VigilServer.start(config, Clock.systemUTC());
        VigilServer first = server;
        await("the first half processed").atMost(Duration.ofSeconds(60))
                .until(() -> first.engine().stats().eventsProcessed() + first.engine().stats().eventsLate() >= half);
        server.crashAfterCheckpoint(); // the Kafka source commits on its way out

        produce(topic, lines.subList(half, lines.size()));
        server = VigilServer.start(config, Clock.systemUTC());
        try {
            VigilServer second = server;
            await("the second half processed").atMost(Duration.ofSeconds(60)).until(() ->
                    broker.committed("vigil-" + name, topic).getOrDefault(0, 0L) >= lines.size());
            second.engine().finish();
            second.notifier().orElseThrow().flush().get();
            List<String> got = new ArrayList<>();
            for (StoredAlert a : second.notifier().orElseThrow().history().alerts(AlertQuery.newest().withLimit(100_000))) {
                if (a.suppressed().isEmpty()) {
                    got.add(a.rule() + " " + a.status() + " " + JSON.readTree(a.json()).get("key") + " " + a.time());
                }
            }
            List<String> expected = new ArrayList<>();
            for (String l : Files.readAllLines(c.resolve("expected-alerts.jsonl"))) {
                if (!l.isBlank()) {
                    JsonNode e = JSON.readTree(l);
                    expected.add(e.get("rule").asText() + " " + e.get("status").asText() + " " + e.get("key") + " "
                            + Instant.parse(e.get("time").asText()));
                }
            }
            assertThat(second.engine().stats().eventsLate()).isZero();
            assertThat(got).containsExactlyInAnyOrderElementsOf(expected);
        } finally {
            server.close();
        }
    }

    /** Each line as a record stamped with its event time (data.at), as a live producer stamps it. */
    private static void produce(String topic, List<String> lines) throws Exception {
        KafkaProducer<String, String> producer = broker.producer();
        List<Future<?>> sent = new ArrayList<>();
        for (String line : lines) {
            long at = Instant.parse(JSON.readTree(line).get("data").get("at").asText()).toEpochMilli();
            sent.add(producer.send(new ProducerRecord<>(topic, 0, at, null, line)));
        }
        producer.flush();
        for (Future<?> f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
    }
}
