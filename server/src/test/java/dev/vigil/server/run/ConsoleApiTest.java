package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console's endpoints on a real server on port 0: an alert with its deliveries and their
 * attempts, the outbox, per-channel stats and engine lag, the sampled stats history, rule kinds.
 * The webhook receiver is the JDK's HTTP server: {@code /ops} answers 503 until the test lets it
 * through, then 200; {@code /gone} answers 410, a dead letter at once.
 */
class ConsoleApiTest {
    private static final String TOKEN = "console-api-t0ken";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private HttpServer receiver;
    private final AtomicBoolean opsUp = new AtomicBoolean();
    private final AtomicInteger opsCalls = new AtomicInteger();
    private VigilServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private String base;

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/ops", x -> {
            x.getRequestBody().readAllBytes();
            opsCalls.incrementAndGet();
            if (opsUp.get()) {
                x.sendResponseHeaders(200, -1);
            } else {
                x.getResponseHeaders().add("Retry-After", "1");
                x.sendResponseHeaders(503, -1);
            }
            x.close();
        });
        receiver.createContext("/gone", x -> {
            x.getRequestBody().readAllBytes();
            x.sendResponseHeaders(410, -1);
            x.close();
        });
        receiver.start();
        String hooks = "http://127.0.0.1:" + receiver.getAddress().getPort();
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/main.rules"), """
                event E { k string  v int  at timestamp }
                rule big { when E(v > 10) key k severity high message "{k}: {v}" notify ops, gone }
                rule busy { when E by k over sliding 5 min having count() > 3 notify ops }
                rule pair { when a: E -> b: E by k notify ops }
                rule quiet { when absent E by k for 1 h notify ops }
                """);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0, adminToken: "%s" }
                channels:
                  ops: { type: webhook, url: "%s/ops" }
                  gone: { type: webhook, url: "%s/gone" }
                store: { path: data/vigil.db }
                """.formatted(TOKEN, hooks, hooks));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC(), Duration.ofMillis(100));
        base = "http://127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receiver.stop(0);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + TOKEN)
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(String path) throws Exception {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        return JSON.readTree(r.body());
    }

    private JsonNode awaitJson(String path, Predicate<JsonNode> until) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = getJson(path);
            return until.test(last[0]);
        });
        return last[0];
    }

    /** One event of key {@code k} with value {@code v}, a minute before now (so engine lag is about a minute). */
    private void post(String k, int v) throws Exception {
        String at = Instant.now().minusSeconds(60).toString();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/events"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"E\",\"data\":{\"k\":\"" + k + "\",\"v\":" + v
                        + ",\"at\":\"" + at + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private String bigAlertId() throws Exception {
        JsonNode alerts = awaitJson("/api/alerts?rule=big", a -> a.size() == 1);
        return alerts.get(0).get("id").asText();
    }

    @Test
    void anAlert_showsEachDeliveryWithItsAttempts_retryingThenDelivered_andTheDeadOne() throws Exception {
        post("a", 500);
        String id = bigAlertId();

        // ops refuses with 503: the delivery waits in the outbox with its history of retries.
        JsonNode waiting = awaitJson("/api/alerts/" + id, a -> a.get("deliveries").size() == 2
                && a.get("deliveries").get(0).get("state").asText().equals("dead")
                && a.get("deliveries").get(1).get("attempts").asInt() >= 1);
        assertThat(waiting.get("alert")).isEqualTo(getJson("/api/alerts?rule=big").get(0));
        JsonNode gone = waiting.get("deliveries").get(0);
        assertThat(gone.get("channel").asText()).isEqualTo("gone");
        assertThat(gone.get("attempts").asInt()).isEqualTo(1);
        assertThat(gone.get("lastError").asText()).isEqualTo("HTTP 410");
        assertThat(gone.get("nextAttempt").isNull()).isTrue();
        assertThat(gone.get("deliveredAt").isNull()).isTrue();
        assertThat(gone.get("deadLetterId").asLong())
                .isEqualTo(getJson("/api/dead-letters").get(0).get("id").asLong());
        assertThat(gone.get("history")).hasSize(1);
        assertThat(gone.get("history").get(0).get("attempt").asInt()).isEqualTo(1);
        assertThat(gone.get("history").get(0).get("result").asText()).isEqualTo("failed");
        assertThat(gone.get("history").get(0).get("answer").asText()).isEqualTo("HTTP 410");
        assertThat(Instant.parse(gone.get("history").get(0).get("at").asText())).isBefore(Instant.now().plusSeconds(1));
        JsonNode ops = waiting.get("deliveries").get(1);
        assertThat(ops.get("channel").asText()).isEqualTo("ops");
        assertThat(ops.get("state").asText()).isEqualTo("pending");
        assertThat(ops.get("lastError").asText()).isEqualTo("HTTP 503 (Retry-After: 1)");
        assertThat(Instant.parse(ops.get("nextAttempt").asText())).isAfter(Instant.now().minusSeconds(10));
        assertThat(ops.get("deliveredAt").isNull()).isTrue();
        assertThat(ops.get("deadLetterId").isNull()).isTrue();
        assertThat(ops.get("history").get(0).get("result").asText()).isEqualTo("retry");
        assertThat(ops.get("history").get(0).get("answer").asText()).isEqualTo("HTTP 503");

        // The outbox lists the retrying delivery, with its alert; per channel and limited.
        JsonNode outbox = getJson("/api/outbox?channel=ops");
        assertThat(outbox).hasSize(1);
        JsonNode row = outbox.get(0);
        assertThat(row.get("id").isIntegralNumber()).isTrue();
        assertThat(row.get("alertId").asText()).isEqualTo(id);
        assertThat(row.get("channel").asText()).isEqualTo("ops");
        assertThat(Instant.parse(row.get("createdAt").asText())).isBeforeOrEqualTo(Instant.parse(row.get("nextAttempt").asText()));
        assertThat(row.get("attempts").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(row.get("lastError").asText()).isEqualTo("HTTP 503 (Retry-After: 1)");
        assertThat(row.get("alert").get("id").asText()).isEqualTo(id);
        assertThat(getJson("/api/outbox")).hasSize(1);
        assertThat(getJson("/api/outbox?channel=gone")).isEmpty();
        assertThat(getJson("/api/outbox?channel=no-such-channel")).isEmpty();
        assertThat(getJson("/api/outbox?limit=1")).hasSize(1);

        // Stats per channel while ops waits.
        JsonNode stats = getJson("/api/stats");
        assertThat(stats.get("channels").get("ops").get("pending").asLong()).isEqualTo(1);
        assertThat(stats.get("channels").get("ops").get("retried").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(stats.get("channels").get("gone").get("dead").asLong()).isEqualTo(1);
        assertThat(stats.get("channels").get("gone").get("pending").asLong()).isZero();

        // Let ops through: the next attempt is delivered, numbered after the retries.
        opsUp.set(true);
        JsonNode done = awaitJson("/api/alerts/" + id,
                a -> a.get("deliveries").get(1).get("state").asText().equals("delivered"));
        JsonNode delivered = done.get("deliveries").get(1);
        assertThat(delivered.get("nextAttempt").isNull()).isTrue();
        assertThat(delivered.get("lastError").isNull()).isTrue();
        assertThat(Instant.parse(delivered.get("deliveredAt").asText())).isAfter(Instant.now().minusSeconds(30));
        JsonNode history = delivered.get("history");
        List<String> results = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            assertThat(history.get(i).get("attempt").asInt()).isEqualTo(i + 1);
            results.add(history.get(i).get("result").asText() + " " + history.get(i).get("answer").asText());
        }
        assertThat(results).hasSize(opsCalls.get()).endsWith("delivered HTTP 200");
        assertThat(results.subList(0, results.size() - 1)).isNotEmpty().allMatch(r -> r.equals("retry HTTP 503"));
        assertThat(delivered.get("attempts").asInt()).isEqualTo(history.size());
        assertThat(getJson("/api/outbox")).isEmpty();
        JsonNode after = getJson("/api/stats").get("channels").get("ops");
        assertThat(after.get("delivered").asLong()).isEqualTo(1);
        assertThat(after.get("pending").asLong()).isZero();
        assertThat(after.get("dead").asLong()).isZero();
    }

    @Test
    void unknownAlert_is404_theStreamIsStillTheStream_andTheNewEndpointsNeedTheToken() throws Exception {
        HttpResponse<String> nope = get("/api/alerts/nope");
        assertThat(nope.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(nope.body()).get("error").asText()).isEqualTo("no such alert: nope");

        for (String path : List.of("/api/alerts/nope", "/api/outbox", "/api/stats/history", "/api/alerts/stream")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(401);
        }

        // Without Accept the stream route answers its own 406, not "no such alert: stream".
        HttpResponse<String> plain = get("/api/alerts/stream");
        assertThat(plain.statusCode()).isEqualTo(406);
        HttpResponse<java.util.stream.Stream<String>> stream = http.sendAsync(HttpRequest.newBuilder(
                        URI.create(base + "/api/alerts/stream")).header("Authorization", "Bearer " + TOKEN)
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofLines())
                .get(10, TimeUnit.SECONDS);
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        stream.body().close();

        for (String limit : List.of("0", "10001", "abc", "-1")) {
            HttpResponse<String> r = get("/api/outbox?limit=" + limit);
            assertThat(r.statusCode()).as(limit).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).get("error").asText())
                    .isEqualTo("limit: expected a whole number from 1 to 10000, got " + limit);
        }
    }

    @Test
    void stats_haveLag_nullBeforeAnyEvent_thenAboutAMinute_andTheHistorySamplesRatesBySeverity() throws Exception {
        JsonNode before = getJson("/api/stats");
        assertThat(before.get("lag").isNull()).isTrue();
        assertThat(before.get("channels").fieldNames()).toIterable().containsExactly("ops", "gone");
        // Every field the stats had before stays.
        assertThat(before.fieldNames()).toIterable().contains("events", "alerts", "queues", "recovery", "journal",
                "checkpoint", "horizon", "shards", "channels", "lag");

        JsonNode empty = getJson("/api/stats/history");
        assertThat(empty.get("interval").asText()).isEqualTo("PT0.1S");

        post("a", 500);
        post("b", 600);
        awaitJson("/api/alerts?rule=big", a -> a.size() == 2);
        JsonNode stats = awaitJson("/api/stats", s -> s.get("lag").isIntegralNumber());
        assertThat(stats.get("lag").asLong()).isBetween(59_000L, 600_000L);

        // Some sample saw the two events in and out and the big alert(s) by severity.
        JsonNode history = awaitJson("/api/stats/history", h -> {
            for (JsonNode s : h.get("samples")) {
                if (s.get("alerts").get("high").asDouble() > 0) {
                    return true;
                }
            }
            return false;
        });
        JsonNode samples = history.get("samples");
        double in = 0;
        double out = 0;
        double high = 0;
        Instant previous = Instant.MIN;
        for (JsonNode s : samples) {
            Instant t = Instant.parse(s.get("time").asText());
            assertThat(t).isAfter(previous);
            previous = t;
            assertThat(s.get("alerts").fieldNames()).toIterable().containsExactly("critical", "high", "warning", "info");
            assertThat(s.get("eventsIn").isNumber()).isTrue();
            assertThat(s.get("queue").isIntegralNumber()).isTrue();
            assertThat(s.get("outbox").isIntegralNumber()).isTrue();
            assertThat(s.get("lag").isNull() || s.get("lag").isIntegralNumber()).isTrue();
            in += s.get("eventsIn").asDouble();
            out += s.get("eventsOut").asDouble();
            high += s.get("alerts").get("high").asDouble();
            assertThat(s.get("alerts").get("critical").asDouble()).isZero();
        }
        // Rates per second over 0.1 s intervals (about: the sampler's own timing): two events, two big alerts.
        assertThat(in).isGreaterThan(0);
        assertThat(out).isGreaterThan(0);
        assertThat(high).isGreaterThan(0);
        assertThat(samples.get(samples.size() - 1).get("lag").isIntegralNumber()).isTrue();
    }

    @Test
    void rules_sayTheirKind() throws Exception {
        JsonNode rules = getJson("/api/rules");
        Map<String, String> kinds = new java.util.LinkedHashMap<>();
        rules.forEach(r -> kinds.put(r.get("id").asText(), r.get("kind").asText()));
        assertThat(kinds).containsExactlyInAnyOrderEntriesOf(Map.of("big", "filter", "busy", "threshold",
                "pair", "pattern", "quiet", "absence"));
        assertThat(rules.get(0).has("lastAlertTime")).isTrue();
    }
}
