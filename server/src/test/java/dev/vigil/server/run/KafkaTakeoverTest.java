package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.TestBroker;
import dev.vigil.testing.WebhookReceiver;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two {@code vigil run} children in one consumer group reading a recording from four partitions
 * keyed by card; one is killed with SIGKILL mid-stream and the other takes its
 * partitions over, rebuilding its state from the horizon; the killed one is started again at the
 * end, on its store. Together they deliver exactly the alert ids of one uninterrupted {@code vigil
 * replay} (duplicates allowed, with the same id).
 */
class KafkaTakeoverTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "fraud";
    private static final String GROUP = "vigil-takeover";

    @TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void oneOfTwoInstancesKilledMidStream_theOtherTakesOver_andTheAlertIdsAreThoseOfOneReplay() throws Exception {
        // The conformance velocity case: 1,500 purchases of a few cards, 494 alerts of a sliding
        // five-minute count, so windows straddle the takeover (the fraud recording is too sparse per
        // card for a lost window to show).
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Path c = Path.of("..", "conformance", "velocity");
        Files.copy(c.resolve("case.rules"), rules.resolve("velocity.rules"));
        List<String> lines = new ArrayList<>(Files.readAllLines(c.resolve("events.jsonl"))
                .stream().filter(l -> !l.isBlank()).toList());
        lines.sort(Comparator.comparingLong(Replays::time));
        Path events = dir.resolve("events.jsonl");
        Files.write(events, lines);
        long cutoff = Replays.time(lines.get(lines.size() - 1)) - Duration.ofMinutes(15).toMillis();
        Set<String> expected = Replays.ids(rules, events, cutoff);
        assertThat(expected).hasSizeGreaterThan(300);

        try (TestBroker broker = TestBroker.start(); WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            broker.createTopic(TOPIC, 4);
            Path[] configs = new Path[2];
            for (int i = 0; i < 2; i++) {
                Path home = Files.createDirectories(dir.resolve("instance-" + i));
                configs[i] = home.resolve("vigil.yaml");
                Files.writeString(configs[i], """
                        rules: { dir: ../rules }
                        time: { mode: event, lateness: 10s }
                        server: { port: 0 }
                        sources:
                          http: { enabled: false }
                          kafka:
                            - bootstrapServers: "%s"
                              topics: [%s]
                              groupId: %s
                              properties: { auto.offset.reset: earliest, session.timeout.ms: "6000", heartbeat.interval.ms: "1000" }
                        channels:
                          hook: { type: webhook, url: "%s" }
                        routes:
                          - { notify: [hook] }
                        store: { path: vigil.db }
                        """.formatted(broker.bootstrapServers(), TOPIC, GROUP, receiver.url("/alerts")));
            }
            int half = lines.size() / 2;
            int killAt = lines.size() * 3 / 4;
            produce(broker, lines.subList(0, half));
            ChildVigil a = ChildVigil.start(configs[0].getParent(), configs[0]);
            ChildVigil b = ChildVigil.start(configs[1].getParent(), configs[1]);
            try {
                awaitCommitted(broker, half);
                produce(broker, lines.subList(half, killAt));
                awaitCommitted(broker, half + (killAt - half) / 2);
                a.kill();
                produce(broker, lines.subList(killAt, lines.size()));
                awaitCommitted(broker, lines.size());
                // The killed instance comes back on its store (as a restarted pod does): what it had
                // stored and not yet delivered when it died goes out now. Its partitions are rebuilt
                // wherever the group puts them.
                a = ChildVigil.start(configs[0].getParent(), configs[0]);
                String readyUrl = a.base + "/ready";
                java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                await("the restarted instance is ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(readyUrl)).build(),
                                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
                awaitCommitted(broker, lines.size());
                int[] last = {-1, 0};
                await("deliveries settle").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2))
                        .until(() -> {
                            int n = receiver.accepted().size();
                            last[1] = n == last[0] ? last[1] + 1 : 0;
                            last[0] = n;
                            return last[1] >= 4;
                        });
            } finally {
                a.stop();
                b.stop();
            }
            Set<String> delivered = new TreeSet<>();
            for (WebhookReceiver.Request req : receiver.accepted()) {
                JsonNode alert = JSON.readTree(req.body());
                if (Instant.parse(alert.get("time").asText()).toEpochMilli() < cutoff) {
                    delivered.add(alert.get("id").asText());
                }
            }
            List<String> received = new ArrayList<>();
            for (WebhookReceiver.Request req : receiver.requests()) {
                JsonNode alert = JSON.readTree(req.body());
                received.add(req.answered() + " " + alert.get("id").asText() + " " + alert.get("status").asText() + " "
                        + alert.get("key") + " " + alert.get("time").asText());
            }
            Files.write(dir.resolve("received.txt"), received);
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(delivered);
            Set<String> unknown = new TreeSet<>(delivered);
            unknown.removeAll(expected);
            assertThat(missing).as("alerts of the uninterrupted replay never delivered (logs in " + dir + ")").isEmpty();
            assertThat(unknown).as("alerts an uninterrupted replay does not raise (logs in " + dir + ")").isEmpty();
        }
    }

    private static void awaitCommitted(TestBroker broker, long records) {
        await("the group commits " + records + " records").atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> broker.committed(GROUP, TOPIC).values().stream().mapToLong(Long::longValue).sum() >= records);
    }

    private static void produce(TestBroker broker, List<String> lines) throws Exception {
        KafkaProducer<String, String> producer = broker.producer();
        List<Future<?>> sent = new ArrayList<>();
        for (String line : lines) {
            String card = JSON.readTree(line).get("data").get("cardId").asText();
            sent.add(producer.send(new ProducerRecord<>(TOPIC, null, Replays.time(line), card, line)));
        }
        producer.flush();
        for (Future<?> f : sent) {
            f.get(30, TimeUnit.SECONDS);
        }
    }
}
