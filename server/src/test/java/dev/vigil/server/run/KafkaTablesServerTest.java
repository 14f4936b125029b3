package dev.vigil.server.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.testing.TestBroker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tables that follow Kafka topics (interfaces.md, "Tables"), on the in-JVM broker: {@code upsert}
 * (JSON rows, a tombstone deletes the key's row) and {@code debezium} (change events with c, u, r
 * and d, plain and schema-wrapped, shaped as Debezium's documentation shows them); records that do
 * not fit are refused and the others apply; a restart resumes from the snapshot and the committed
 * offsets, and the rules' lookups follow every change.
 */
class KafkaTablesServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RULES = Path.of("src/test/resources/tables/fraud.rules");

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    /** A Debezium change event's value as its documentation shows it: {@code before}, {@code after}, {@code source}, {@code op}. */
    private static String debezium(String op, String before, String after) {
        return "{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"version\":\"2.5.0.Final\","
                + "\"connector\":\"postgresql\",\"name\":\"shop\",\"ts_ms\":1701424800000,\"db\":\"shop\","
                + "\"schema\":\"public\",\"table\":\"blocked_cards\",\"lsn\":24023128},\"op\":\"" + op + "\","
                + "\"ts_ms\":1701424800123,\"transaction\":null}";
    }

    /** The same wrapped by the JSON converter with schemas enabled: {@code {"schema": ..., "payload": ...}}. */
    private static String wrapped(String payload) {
        return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"string\","
                + "\"optional\":false,\"field\":\"cardId\"}],\"optional\":true,\"name\":\"shop.public.blocked_cards.Value\","
                + "\"field\":\"before\"},{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
                + "\"field\":\"cardId\"}],\"optional\":true,\"name\":\"shop.public.blocked_cards.Value\",\"field\":\"after\"},"
                + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],\"optional\":false,"
                + "\"name\":\"shop.public.blocked_cards.Envelope\"},\"payload\":" + payload + "}";
    }

    private VigilServer start(TestBroker broker) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(RULES, dir.resolve("rules/fraud.rules"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                tables:
                  Merchant: { kafka: { bootstrapServers: "%1$s", topic: merchants, format: upsert } }
                  BlockedCard: { kafka: { bootstrapServers: "%1$s", topic: cards, format: debezium } }
                channels:
                  quiet: { type: log }
                routes:
                  - { notify: [quiet] }
                store: { path: data/vigil.db }
                """.formatted(broker.bootstrapServers()));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        return VigilServer.start(config, Clock.systemUTC());
    }

    private int status(VigilServer server, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String body(VigilServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void await(java.util.function.BooleanSupplier c, String what) {
        org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(c::getAsBoolean);
    }

    @Test
    void upsertAndDebeziumTopics_feedTables_refuseBadRecords_andResumeAfterARestart() throws Exception {
        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic("merchants", 2);
            broker.createTopic("cards", 1);
            broker.produce("merchants", List.of(
                    Map.entry("m-1", "{\"merchant\":\"m-1\",\"risk\":\"high\",\"limit\":500}"),
                    Map.entry("m-2", "{\"merchant\":\"m-2\",\"risk\":\"high\",\"limit\":50}"),
                    Map.entry("m-bad", "not json"),
                    Map.entry("m-4", "{\"merchant\":\"m-4\",\"risk\":\"low\",\"limit\":\"lots\"}")));
            broker.produce("merchants", java.util.Collections.singletonList(new java.util.AbstractMap.SimpleEntry<>("m-2", null)));
            broker.produce("cards", List.of(
                    Map.entry("{\"cardId\":\"c-1\"}", debezium("r", "null", "{\"cardId\":\"c-1\"}")),
                    Map.entry("{\"cardId\":\"c-2\"}", wrapped(debezium("c", "null", "{\"cardId\":\"c-2\"}"))),
                    Map.entry("{\"cardId\":\"c-3\"}", debezium("c", "null", "{\"cardId\":\"c-3\"}")),
                    Map.entry("{\"cardId\":\"c-3\"}", debezium("u", "{\"cardId\":\"c-3\"}", "{\"cardId\":\"c-3\"}")),
                    Map.entry("{\"cardId\":\"c-1\"}", debezium("d", "{\"cardId\":\"c-1\"}", "null"))));
            broker.produce("cards", java.util.Collections.singletonList(
                    new java.util.AbstractMap.SimpleEntry<>("{\"schema\":null,\"payload\":{\"cardId\":\"c-1\"}}", null)));

            VigilServer server = start(broker);
            try {
                await(() -> status(server, "/api/tables/BlockedCard?key=c-3") == 200
                        && status(server, "/api/tables/Merchant?key=m-1") == 200
                        && status(server, "/api/tables/Merchant?key=m-2") == 404, "the topics read");
                assertThat(status(server, "/api/tables/BlockedCard?key=c-2")).isEqualTo(200);
                assertThat(status(server, "/api/tables/BlockedCard?key=c-1")).isEqualTo(404);
                assertThat(status(server, "/api/tables/Merchant?key=m-4")).isEqualTo(404);
                assertThat(body(server, "/api/tables")).contains("\"source\":\"kafka merchants (upsert)\"");
                var feed = server.tables().feed("Merchant");
                await(() -> feed.refused() == 2, "two merchant records refused");

                // A lookup on a table fed from Kafka.
                var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/events"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"Transaction\",\"data\":{\"cardId\":\"c-2\","
                                + "\"amount\":600,\"merchant\":\"m-1\",\"at\":\"2026-12-01T10:00:00Z\"}}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(202);
                server.engine().now();
                server.notifier().orElseThrow().flush().get();
                String alerts = body(server, "/api/alerts");
                assertThat(alerts).contains("\"rule\":\"risky_merchant\"", "\"rule\":\"blocked_card\"");
            } finally {
                server.close();
            }
            // The offsets were committed with the snapshot.
            assertThat(broker.committed("vigil-table-Merchant", "merchants")).containsKeys(0, 1);

            // Changes while it was down are read from the committed offsets on; the rows before come
            // from the snapshot.
            broker.produce("merchants", List.of(Map.entry("m-3", "{\"merchant\":\"m-3\",\"risk\":\"low\",\"limit\":5}")));
            broker.produce("cards", List.of(Map.entry("{\"cardId\":\"c-3\"}", debezium("d", "{\"cardId\":\"c-3\"}", "null"))));
            VigilServer again = start(broker);
            try {
                await(() -> status(again, "/api/tables/Merchant?key=m-3") == 200
                        && status(again, "/api/tables/BlockedCard?key=c-3") == 404, "the new records read");
                assertThat(status(again, "/api/tables/Merchant?key=m-1")).isEqualTo(200);
                assertThat(status(again, "/api/tables/BlockedCard?key=c-2")).isEqualTo(200);
                assertThat(again.tables().feed("Merchant").refused()).isZero(); // resumed: bad records not read again
                assertThat(JSON.readTree(body(again, "/api/tables")).toString()).contains("\"rows\":2");
            } finally {
                again.close();
            }
        }
    }
}
