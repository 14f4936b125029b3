package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reference tables in {@code vigil run} (interfaces.md, "Tables"): a configured CSV file loaded at
 * start and reloaded when it changes; the admin API's GET, PUT (422 with every bad row and nothing
 * changed) and PATCH (upserts and deletes); rows set through the API surviving a restart; and the
 * rules' lookups seeing each change from the next event on.
 */
class TablesServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path RULES = Path.of("src/test/resources/tables/fraud.rules");

    @TempDir
    Path dir;
    private VigilServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private void start() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(RULES, dir.resolve("rules/fraud.rules"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                tables:
                  Merchant: { file: merchants.csv, watch: true }
                channels:
                  quiet: { type: log }
                routes:
                  - { notify: [quiet] }
                store: { path: data/vigil.db }
                """);
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
    }

    private HttpResponse<String> call(String method, String path, String body, String type) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void post(String card, double amount, String merchant, String at) throws Exception {
        HttpResponse<String> r = call("POST", "/events", "{\"type\":\"Transaction\",\"data\":{\"cardId\":\"" + card
                + "\",\"amount\":" + amount + ",\"merchant\":\"" + merchant + "\",\"at\":\"" + at + "\"}}",
                "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private JsonNode alerts(String rule) throws Exception {
        server.engine().now();
        server.notifier().orElseThrow().flush().get();
        return JSON.readTree(call("GET", "/api/alerts?rule=" + rule, null, null).body());
    }

    private static void await(BooleanSupplier condition, String what) {
        org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(condition::getAsBoolean);
    }

    @Test
    void fileTable_loadsAtStart_reloadsWhenChanged_andTheApiReadsAndChangesTables() throws Exception {
        Files.writeString(dir.resolve("merchants.csv"), "merchant,risk,limit\nm-1,high,500\nm-2,low,100\nm-3,high,x\n");
        start();

        JsonNode list = JSON.readTree(call("GET", "/api/tables", null, null).body());
        assertThat(list.toString()).contains("\"name\":\"Merchant\"", "\"rows\":2", "\"key\":[\"merchant\"]");
        assertThat(list.toString()).contains("\"name\":\"BlockedCard\"", "\"source\":\"none\"");
        assertThat(JSON.readTree(call("GET", "/api/tables/Merchant?key=m-1", null, null).body()).toString())
                .isEqualTo("{\"merchant\":\"m-1\",\"risk\":\"high\",\"limit\":500.0}");
        assertThat(call("GET", "/api/tables/Merchant?key=m-9", null, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/tables/Nope", null, null).statusCode()).isEqualTo(404);

        post("c-1", 600, "m-1", "2026-12-01T10:00:00Z");
        assertThat(alerts("risky_merchant")).hasSize(1);

        // The file changes: m-1 is low risk from the next event on.
        Files.writeString(dir.resolve("merchants.csv"), "merchant,risk,limit\nm-1,low,500\n");
        Files.setLastModifiedTime(dir.resolve("merchants.csv"), FileTime.from(Instant.now().plusSeconds(5)));
        await(() -> {
            try {
                return call("GET", "/api/tables/Merchant?key=m-1", null, null).body().contains("\"low\"");
            } catch (Exception e) {
                return false;
            }
        }, "the changed file reloaded");
        post("c-2", 600, "m-1", "2026-12-01T10:00:01Z");
        assertThat(alerts("risky_merchant")).hasSize(1);

        // PUT: a bad row is 422 with its place, and nothing changes.
        HttpResponse<String> bad = call("PUT", "/api/tables/BlockedCard", "{\"cardId\":\"c-7\"}\n{\"card\":\"c-8\"}\n",
                "application/x-ndjson");
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(bad.body()).contains("\"where\":\"body:2\"", "key field `cardId` is missing");
        assertThat(call("GET", "/api/tables/BlockedCard?key=c-7", null, null).statusCode()).isEqualTo(404);
        HttpResponse<String> put = call("PUT", "/api/tables/BlockedCard", "cardId\nc-7\nc-8\n", "text/csv");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(put.body()).isEqualTo("{\"name\":\"BlockedCard\",\"rows\":2}");
        post("c-7", 1, "m-2", "2026-12-01T10:00:02Z");
        assertThat(alerts("blocked_card")).hasSize(1);

        // PATCH: upsert one, delete one, together.
        HttpResponse<String> patch = call("PATCH", "/api/tables/BlockedCard", "{\"cardId\":\"c-6\"}\n{\"delete\":\"c-7\"}\n",
                "application/x-ndjson");
        assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
        assertThat(patch.body()).isEqualTo("{\"name\":\"BlockedCard\",\"upserted\":1,\"deleted\":1,\"rows\":2}");
        post("c-7", 1, "m-2", "2026-12-01T10:00:03Z");
        post("c-6", 1, "m-2", "2026-12-01T10:00:04Z");
        JsonNode blocked = alerts("blocked_card");
        assertThat(blocked).hasSize(2);
        assertThat(blocked.toString()).contains("c-6");
        // Both changes are in the audit log, by who made them (no token here: local).
        assertThat(call("GET", "/api/audit", null, null).body()).contains(
                "\"who\":\"local\",\"action\":\"table-patch\",\"target\":\"BlockedCard\",\"version\":null,"
                        + "\"summary\":\"upserted 1, deleted 1\"",
                "\"action\":\"table-put\",\"target\":\"BlockedCard\",\"version\":null,\"summary\":\"replaced: 2 rows\"");

        // Switching a rule off and on redeploys the rules, lookups and all (the switch once lost the
        // table declarations: an internal error).
        HttpResponse<String> off = call("PATCH", "/api/rules/risky_merchant", "{\"enabled\": false}", "application/json");
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(call("PATCH", "/api/rules/risky_merchant", "{\"enabled\": true}", "application/json").statusCode())
                .isEqualTo(200);
        post("c-6", 1, "m-2", "2026-12-01T10:00:05Z");
        assertThat(alerts("blocked_card")).hasSize(3);

        // Rows set through the API survive a restart; the file table is read from its file again.
        server.close();
        server = null;
        start();
        assertThat(call("GET", "/api/tables/BlockedCard?key=c-6", null, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/api/tables/BlockedCard?key=c-7", null, null).statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(call("GET", "/api/tables", null, null).body()).toString())
                .contains("\"source\":\"api\"");
    }
}
