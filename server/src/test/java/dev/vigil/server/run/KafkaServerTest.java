package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.StoredAlert;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.testing.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code vigil run} with a {@code sources.kafka} entry against a real KRaft broker in the test JVM:
 * the conformance sequence case, produced into two partitions keyed by card, raises exactly its
 * expected alerts, stored by the notifier.
 */
class KafkaServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void kafkaSource_conformanceSequenceCase_raisesExactlyItsExpectedAlerts() throws Exception {
        Path cases = Path.of("../conformance/sequence");
        try (TestBroker broker = TestBroker.start()) {
            String bootstrap = broker.bootstrapServers();
            broker.createTopic("tx", 2);
            List<Map.Entry<String, String>> records = new ArrayList<>();
            for (String line : Files.readAllLines(cases.resolve("events.jsonl"))) {
                if (!line.isBlank()) {
                    records.add(Map.entry(JSON.readTree(line).get("data").get("cardId").asText(), line));
                }
            }
            // The broker's producer is plain (not idempotent) with one request in flight: each
            // partition holds its cards' events in file order.
            List<TestBroker.Written> written = broker.produce("tx", records);
            assertThat(written).extracting(TestBroker.Written::partition).as("both partitions used").contains(0, 1);

            Files.createDirectories(dir.resolve("rules"));
            Files.copy(cases.resolve("case.rules"), dir.resolve("rules/case.rules"));
            Files.writeString(dir.resolve("vigil.yaml"), """
                    rules: { dir: rules }
                    time: { mode: event, lateness: 1s }
                    server: { port: 0 }
                    sources:
                      http: { enabled: false }
                      kafka:
                        - bootstrapServers: "%s"
                          topics: [tx]
                          groupId: vigil-test
                          properties: { auto.offset.reset: earliest }
                    channels:
                      console: { type: log }
                    routes:
                      - { notify: [console] }
                    store: { path: data/test.db }
                    """.formatted(bootstrap));
            List<String> expected = new ArrayList<>();
            for (String line : Files.readAllLines(cases.resolve("expected-alerts.jsonl"))) {
                if (!line.isBlank()) {
                    expected.add(line(JSON.readTree(line)));
                }
            }
            try (VigilServer server = VigilServer.start(new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml")),
                    Clock.systemUTC())) {
                int events = records.size();
                await("every record processed").atMost(Duration.ofSeconds(60))
                        .until(() -> server.engine().stats().eventsProcessed() == events);
                await("the expected alerts stored").atMost(Duration.ofSeconds(30))
                        .until(() -> stored(server).size() >= expected.size());
                assertThat(stored(server)).containsExactlyInAnyOrderElementsOf(expected);
            }
        }
    }

    private static List<String> stored(VigilServer server) throws Exception {
        List<String> out = new ArrayList<>();
        for (StoredAlert a : server.notifier().orElseThrow().history().alerts(
                new AlertQuery(java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(), 10_000))) {
            out.add(line(JSON.readTree(a.json())));
        }
        return out;
    }

    private static String line(JsonNode alert) {
        return alert.get("rule").asText() + " " + alert.get("status").asText() + " " + alert.get("key") + " "
                + java.time.Instant.parse(alert.get("time").asText()).toEpochMilli();
    }
}
