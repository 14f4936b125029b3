package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.engine.Json;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code mode shadow} end to end: a shadow rule's alerts are stored and shown, marked, counted
 * apart, and never reach a channel (the receiver fails the test when one does); switched to live
 * through the admin API, the rule keeps its state and its alerts go out.
 */
class ShadowRulesServerTest {
    private static final String RULES = """
            event E { k string  v int  at timestamp }
            rule watch "Would page" { when E by k over sliding 1 h having count() >= 2 MODE }
            rule big { when E(v > 100) key k }
            """;

    @TempDir
    Path dir;
    private HttpServer receiver;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private VigilServer server;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            received.add(Json.mapper().readTree(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/main.rules"), RULES.replace("MODE", "mode shadow"));
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                channels:
                  hook: { type: webhook, url: "http://127.0.0.1:%d/hook" }
                routes:
                  - { notify: [hook] }
                store: { path: data/vigil.db }
                """.formatted(receiver.getAddress().getPort()));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receiver.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }

    private void post(String k, int v, String at) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + "/events"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"E\",\"data\":{\"k\":\"" + k + "\",\"v\":" + v
                        + ",\"at\":\"" + at + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return Json.mapper().readTree(r.body());
    }

    private JsonNode rule(String id) throws Exception {
        for (JsonNode r : get("/api/rules")) {
            if (r.path("id").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no rule " + id);
    }

    @Test
    void shadowAlerts_areStoredAndShown_neverSent_andGoingLiveKeepsTheRulesWindow() throws Exception {
        post("a", 5, "2026-12-01T10:00:00Z");
        post("a", 500, "2026-12-01T10:01:00Z"); // watch fires (two events), in shadow; big fires, live
        await().atMost(20, TimeUnit.SECONDS).until(() -> !received.isEmpty());
        await().atMost(20, TimeUnit.SECONDS).until(() -> get("/api/alerts").size() == 2);

        JsonNode alerts = get("/api/alerts");
        JsonNode shadow = get("/api/alerts?rule=watch").get(0);
        assertThat(shadow.path("shadow").asBoolean()).isTrue();
        assertThat(get("/api/alerts?rule=big").get(0).has("shadow")).isFalse();
        assertThat(alerts).hasSize(2);
        JsonNode detail = get("/api/alerts/" + shadow.path("id").asText());
        assertThat(detail.path("deliveries")).isEmpty();
        assertThat(rule("watch").path("mode").asText()).isEqualTo("shadow");
        assertThat(rule("watch").path("counts").path("shadow").asLong()).isEqualTo(1);
        assertThat(rule("big").path("mode").asText()).isEqualTo("live");
        assertThat(get("/api/stats").path("alerts").path("shadow").asLong()).isEqualTo(1);
        String metrics = http.send(HttpRequest.newBuilder(URI.create(base() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("vigil_alerts_shadow_total{rule=\"watch\"} 1.0");

        // Live now, through the API: the same rule otherwise, so it keeps its window of two.
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/rule-files/main.rules"))
                .PUT(HttpRequest.BodyPublishers.ofString(RULES.replace("MODE", "mode live"), StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(put.body()).path("unchanged").toString()).contains("watch", "big");
        assertThat(rule("watch").path("mode").asText()).isEqualTo("live");

        // The window kept a's two events: an hour later the first slides out and a's alert resolves
        // (a fresh window would hold nothing and resolve nothing). That episode fired in shadow, so
        // its resolution is stored as a shadow alert and not sent. b's pair is a new episode: live.
        post("b", 1, "2026-12-01T11:00:30Z");
        post("b", 1, "2026-12-01T11:01:30Z");
        await().atMost(20, TimeUnit.SECONDS).until(() -> received.stream()
                .anyMatch(a -> a.path("rule").asText().equals("watch")));
        await().atMost(20, TimeUnit.SECONDS).until(() -> get("/api/alerts?rule=watch").size() == 3);
        JsonNode resolved = get("/api/alerts?rule=watch&status=resolved").get(0);
        assertThat(resolved.path("key").path("k").asText()).isEqualTo("a");
        assertThat(resolved.path("shadow").asBoolean()).isTrue();
        assertThat(received).allSatisfy(a -> assertThat(a.has("shadow")).isFalse());
        assertThat(received.stream().map(a -> a.path("rule").asText() + " " + a.path("status").asText() + " "
                + a.path("key").path("k").asText())).containsExactly("big firing a", "watch firing b");
    }

    @Test
    void anEpisodeThatFiredInShadow_staysShadowAcrossARestart_afterTheRuleWentLive() throws Exception {
        post("a", 5, "2026-12-01T10:00:00Z");
        post("a", 6, "2026-12-01T10:01:00Z"); // watch fires for a, in shadow
        await().atMost(20, TimeUnit.SECONDS).until(() -> get("/api/alerts?rule=watch").size() == 1);
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base() + "/api/rule-files/main.rules"))
                .PUT(HttpRequest.BodyPublishers.ofString(RULES.replace("MODE", "mode live"), StandardCharsets.UTF_8))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        // Restart: the window is rebuilt from the journal, and a's open episode is the store's, in shadow.
        server.close();
        server = VigilServer.start(new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml")), Clock.systemUTC());
        post("b", 1, "2026-12-01T11:00:30Z"); // a's window empties: its episode resolves
        post("b", 1, "2026-12-01T11:01:30Z"); // b's pair: a new episode, live
        await().atMost(20, TimeUnit.SECONDS).until(() -> received.stream()
                .anyMatch(a -> a.path("rule").asText().equals("watch")));
        await().atMost(20, TimeUnit.SECONDS).until(() -> get("/api/alerts?rule=watch&status=resolved").size() == 1);
        JsonNode resolved = get("/api/alerts?rule=watch&status=resolved").get(0);
        assertThat(resolved.path("key").path("k").asText()).isEqualTo("a");
        assertThat(resolved.path("shadow").asBoolean()).as(resolved.toString()).isTrue();
        assertThat(received.stream().map(a -> a.path("rule").asText() + " " + a.path("status").asText() + " "
                + a.path("key").path("k").asText())).containsExactly("watch firing b");
    }
}
