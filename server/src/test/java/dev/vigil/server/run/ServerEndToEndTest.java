package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vigil run} end to end on port 0: config, rule files over the API, ingest, signed webhooks. */
class ServerEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "admin-secret";
    /** 32 bytes in the Standard Webhooks form, as {@code vigil secret} prints them. */
    private static final String HOOK_SECRET = "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";
    private static final String TYPES = "event E { k string  v int  at timestamp }\n";
    /** Event times follow the wall clock, as live traffic does; T0 is the test's start. */
    private final long T0 = System.currentTimeMillis();

    @TempDir
    Path dir;
    private WebhookReceiver receiver;
    private VigilServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        receiver = WebhookReceiver.signed(HOOK_SECRET, 204);
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0, adminToken: "${TOKEN}" }
                sources:
                  http: { maxBodyBytes: 100000, queue: 1000 }
                channels:
                  hook: { type: webhook, url: "%s", secret: "%s" }
                routes:
                  - { notify: [hook] }
                store: { path: data/test.db }
                """.formatted(receiver.url("/hook"), HOOK_SECRET));
        VigilConfig config = new ConfigLoader(Map.of("TOKEN", TOKEN)).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private HttpResponse<String> call(String method, String path, String body, String contentType, String token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> admin(String method, String path, String body) throws Exception {
        return call(method, path, body, "text/plain", TOKEN);
    }

    private String event(String k, int v, long offset) {
        return "{\"type\": \"E\", \"id\": \"e-" + k + "-" + offset + "\", \"data\": {\"k\": \"" + k + "\", \"v\": " + v
                + ", \"at\": " + (T0 + offset) + "}}";
    }

    /** The webhooks received so far, each checked to have come to the channel's path with a valid signature. */
    private List<JsonNode> hooks() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (WebhookReceiver.Request r : receiver.requests()) {
            assertThat(r.path()).isEqualTo("/hook");
            assertThat(r.signatureValid()).as("signature of %s", r.header("webhook-id")).isTrue();
            assertThat(r.header("webhook-signature")).as("one signature").doesNotContain(" ");
            out.add(JSON.readTree(r.body()));
        }
        return out;
    }

    private static void await(BooleanSupplier condition, String what) {
        org.awaitility.Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                .until(condition::getAsBoolean);
    }

    @Test
    void putRuleFile_postEvents_signedWebhookArrives_brokenFileIs422AndOldRulesStillAlert() throws Exception {
        HttpResponse<String> put = admin("PUT", "/api/rule-files/main.rules", TYPES
                + "rule big \"Big value\" { when E(v > 10) key k message \"{k}: {v}\" }\n");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        JsonNode change = JSON.readTree(put.body());
        assertThat(change.get("version").asInt()).isEqualTo(1);
        assertThat(change.get("deployed").toString()).isEqualTo("[\"big\"]");
        assertThat(Files.readString(dir.resolve("rules/main.rules"))).contains("rule big");

        HttpResponse<String> ingest = call("POST", "/events", "[" + event("a", 5, 0) + "," + event("b", 50, 1) + "]",
                "application/json", null);
        assertThat(ingest.statusCode()).isEqualTo(202);
        assertThat(ingest.body()).isEqualTo("{\"accepted\":2,\"rejected\":[]}");
        await(() -> receiver.requests().size() == 1, "the webhook");
        assertThat(hooks().get(0).get("rule").asText()).isEqualTo("big");
        assertThat(hooks().get(0).get("message").asText()).isEqualTo("b: 50");

        HttpResponse<String> broken = admin("PUT", "/api/rule-files/main.rules", TYPES
                + "rule big { when E(vv > 10) key k }\n");
        assertThat(broken.statusCode()).isEqualTo(422);
        JsonNode error = JSON.readTree(broken.body()).get("errors").get(0);
        assertThat(error.get("file").asText()).isEqualTo("main.rules");
        assertThat(error.get("line").asInt()).isEqualTo(2);
        assertThat(error.get("message").asText()).isEqualTo("unknown field `vv` in E; did you mean `v`?");
        assertThat(Files.readString(dir.resolve("rules/main.rules"))).contains("E(v > 10)");

        call("POST", "/events", event("c", 60, System.currentTimeMillis() - T0), "application/json", null);
        await(() -> receiver.requests().size() == 2, "the second webhook");
        assertThat(hooks().get(1).get("message").asText()).isEqualTo("c: 60");

        HttpResponse<String> alerts = admin("GET", "/api/alerts?rule=big", null);
        assertThat(JSON.readTree(alerts.body())).hasSize(2);
        assertThat(admin("GET", "/ready", null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/metrics", null).body())
                .contains("vigil_alerts_raised_total{rule=\"big\",status=\"firing\"} 2.0")
                .contains("vigil_alerts_sent_total{channel=\"hook\"} 2.0")
                .contains("vigil_events_accepted_total{source=\"http\",type=\"E\"} 3.0")
                .contains("vigil_engine_queue_depth")
                .contains("vigil_delivery_latency_seconds_bucket{channel=\"hook\"");
    }

    @Test
    void hotSwap_whileEventsFlow_everyEventOnce_unchangedRuleKeepsItsWindow() throws Exception {
        String unchanged = "rule three { when E by k over sliding 1 h having count() >= 3 message \"three\" }\n";
        assertThat(admin("PUT", "/api/rule-files/r.rules", TYPES + unchanged
                + "rule every { when E key k message \"one\" }\n").statusCode()).isEqualTo(200);
        // Two events for key w before the swap; the third comes after it.
        call("POST", "/events", event("w", 1, 0) + "\n" + event("w", 1, 1), "application/x-ndjson", null);

        AtomicBoolean swapped = new AtomicBoolean();
        AtomicInteger posted = new AtomicInteger(2);
        Thread poster = new Thread(() -> {
            long offset = 2;
            int batches = 0;
            try {
                while (!swapped.get() || batches < 40) {
                    batches++;
                    StringBuilder batch = new StringBuilder();
                    offset = Math.max(offset, System.currentTimeMillis() - T0);
                    for (int i = 0; i < 10; i++, offset++) {
                        batch.append(event("p", 1, offset)).append('\n');
                    }
                    HttpResponse<String> r = call("POST", "/events", batch.toString(), "application/x-ndjson", null);
                    if (r.statusCode() == 202) {
                        posted.addAndGet(JSON.readTree(r.body()).get("accepted").asInt());
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        poster.start();
        await(() -> posted.get() > 100, "events flowing");
        HttpResponse<String> swap = admin("PUT", "/api/rule-files/r.rules", TYPES + unchanged
                + "rule every { when E key k message \"one, again\" }\n");
        swapped.set(true);
        assertThat(swap.statusCode()).as(swap.body()).isEqualTo(200);
        JsonNode change = JSON.readTree(swap.body());
        assertThat(change.get("unchanged").toString()).isEqualTo("[\"three\"]");
        assertThat(change.get("changed").toString()).isEqualTo("[\"every\"]");
        poster.join();
        long last = System.currentTimeMillis() - T0 + 60_000;
        call("POST", "/events", event("w", 1, last), "application/json", null);
        int total = posted.get() + 1;

        await(() -> server.engine().clockSnapshot() >= T0 + last, "the last event");
        // The poster stamps events with the wall clock before sending them, and with lateness 0 a
        // quiet moment moves the engine's clock at wall pace: on a loaded machine an event can
        // arrive a few milliseconds late and is refused as late (counted, never lost).
        var stats = server.engine().stats();
        assertThat(stats.eventsProcessed() + stats.eventsLate()).isEqualTo(total);
        assertThat(stats.eventsLate()).isLessThan(total / 10);
        // Every processed event raised exactly one `every` alert, before or after the swap.
        server.notifier().orElseThrow().flush().get();
        JsonNode every = JSON.readTree(admin("GET", "/api/alerts?rule=every&limit=10000", null).body());
        assertThat(every).hasSize((int) stats.eventsProcessed());
        JsonNode three = JSON.readTree(admin("GET", "/api/alerts?rule=three&limit=10000", null).body());
        assertThat(three.toString()).contains("\"w\"");
    }

    @Test
    void ingest_everyShape_andEveryMistake_hasItsExactAnswer() throws Exception {
        admin("PUT", "/api/rule-files/main.rules", TYPES + "rule all { when E key k }\n");
        assertThat(call("POST", "/events", event("a", 1, 0), "application/json", null).body())
                .isEqualTo("{\"accepted\":1,\"rejected\":[]}");
        assertThat(call("POST", "/events", event("a", 1, 1) + "\n\n" + event("a", 1, 2) + "\n", "application/x-ndjson", null)
                .body()).isEqualTo("{\"accepted\":2,\"rejected\":[]}");
        String structured = "{\"specversion\": \"1.0\", \"type\": \"E\", \"source\": \"t\", \"id\": \"x1\","
                + " \"time\": \"2026-11-21T10:00:00.003Z\", \"data\": {\"k\": \"a\", \"v\": 1}}";
        assertThat(call("POST", "/events", structured, "application/cloudevents+json", null).body())
                .isEqualTo("{\"accepted\":1,\"rejected\":[]}");
        HttpRequest binary = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/events"))
                .header("Content-Type", "application/json").header("ce-specversion", "1.0").header("ce-type", "E")
                .header("ce-id", "x2").header("ce-source", "t").header("ce-time", "2026-11-21T10:00:00.004Z")
                .POST(HttpRequest.BodyPublishers.ofString("{\"k\": \"a\", \"v\": 1}")).build();
        HttpResponse<String> b = http.send(binary, HttpResponse.BodyHandlers.ofString());
        assertThat(b.statusCode()).isEqualTo(202);
        assertThat(b.body()).isEqualTo("{\"accepted\":1,\"rejected\":[]}");

        HttpResponse<String> malformed = call("POST", "/events", "{\"type\": ", "application/json", null);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.body()).startsWith("{\"error\":\"body is not valid JSON:");

        HttpResponse<String> mixed = call("POST", "/events", "[" + event("a", 1, 5) + ","
                + "{\"type\": \"E\", \"data\": {\"k\": \"a\", \"v\": \"five\", \"at\": " + (T0 + 6) + "}},"
                + "{\"type\": \"Nope\", \"data\": {}}]", "application/json", null);
        assertThat(mixed.statusCode()).isEqualTo(202);
        assertThat(mixed.body()).isEqualTo("{\"accepted\":1,\"rejected\":["
                + "{\"index\":1,\"error\":\"field `v` of E: expected an int (whole number), got a string \\\"five\\\"\"},"
                + "{\"index\":2,\"error\":\"unknown event type `Nope` (declared: E)\"}]}");

        HttpResponse<String> lines = call("POST", "/events", event("a", 1, 6) + "\r\n"
                + "{\"type\": \"E\", \"data\": \n"
                + "{\"type\": \"E\", \"data\": {\"k\": \"caf\u00e9 \u2603\", \"v\": 2, \"at\": " + (T0 + 6) + "}}\n"
                + "{\"type\": \"E\", \"data\": {\"k\": \"a\", \"v\": 1.5, \"at\": " + (T0 + 6) + "}}\n",
                "application/x-ndjson", null);
        assertThat(lines.statusCode()).isEqualTo(202);
        assertThat(lines.body()).startsWith("{\"accepted\":2,\"rejected\":[{\"index\":1,\"error\":\"not valid JSON: ")
                .endsWith(",{\"index\":3,\"error\":\"field `v` of E: expected an int (whole number), got a number 1.5\"}]}");
        // Counted with the two of the array above: an unparsable line has no type ("unknown").
        assertThat(call("GET", "/metrics", null, null, null).body())
                .containsPattern("vigil_events_rejected_total\\{source=\"http\",type=\"unknown\"} 2.0")
                .containsPattern("vigil_events_rejected_total\\{source=\"http\",type=\"E\"} 2.0");

        // The multi-byte key of line 2 arrived whole: its alert carries it.
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                admin("GET", "/api/alerts?rule=all&limit=100", null).body().contains("caf\u00e9 \u2603"));

        HttpResponse<String> big = call("POST", "/events", "[" + (event("a", 1, 7) + ",").repeat(3000) + event("a", 1, 7)
                + "]", "application/json", null);
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.body()).contains("over the limit of 100000");

        assertThat(call("GET", "/health", null, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void ingest_fullQueue_is429WithRetryAfter_andNothingOfTheBatchIsTaken() throws Exception {
        admin("PUT", "/api/rule-files/main.rules", TYPES + "rule all { when E key k }\n");
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 1001; i++) {
            batch.append("{\"type\":\"E\",\"data\":{\"k\":\"a\",\"v\":1,\"at\":").append(T0 + i).append("}}\n");
        }
        HttpResponse<String> r = call("POST", "/events", batch.toString(), "application/x-ndjson", null);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(r.body()).isEqualTo("{\"error\":\"the engine queue is full; retry after 1 s\"}");
        assertThat(server.engine().stats().eventsProcessed()).isZero();
        assertThat(call("GET", "/health", null, null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void adminApi_everyRoute_needsTheToken() throws Exception {
        admin("PUT", "/api/rule-files/main.rules", TYPES + "rule all { when E key k }\n");
        List<String[]> routes = List.of(
                new String[] {"GET", "/api/rules"}, new String[] {"PATCH", "/api/rules/all"},
                new String[] {"GET", "/api/rule-files"}, new String[] {"GET", "/api/rule-files/main.rules"},
                new String[] {"PUT", "/api/rule-files/main.rules"}, new String[] {"POST", "/api/rule-files/validate"},
                new String[] {"DELETE", "/api/rule-files/main.rules"}, new String[] {"POST", "/api/reload"},
                new String[] {"GET", "/api/alerts"}, new String[] {"GET", "/api/dead-letters"},
                new String[] {"POST", "/api/dead-letters/1/retry"}, new String[] {"GET", "/api/stats"});
        for (String[] route : routes) {
            HttpResponse<String> none = call(route[0], route[1], "", "text/plain", null);
            assertThat(none.statusCode()).as("no token: " + route[0] + " " + route[1]).isEqualTo(401);
            assertThat(none.body()).contains("missing admin token");
            HttpResponse<String> wrong = call(route[0], route[1], "", "text/plain", "nope");
            assertThat(wrong.statusCode()).as("wrong token: " + route[0] + " " + route[1]).isEqualTo(403);
        }
        assertThat(admin("GET", "/api/rules", null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/api/rule-files", null).body()).contains("\"name\":\"main.rules\"");
        assertThat(admin("GET", "/api/rule-files/main.rules", null).body()).contains("rule all");
        assertThat(admin("POST", "/api/rule-files/validate", "rule x { when Nope }").statusCode()).isEqualTo(422);
        assertThat(admin("POST", "/api/rule-files/validate", TYPES + "rule y { when E }").body())
                .isEqualTo("{\"ok\":true}");
        assertThat(admin("PATCH", "/api/rules/all", "{\"enabled\": false}").statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/api/rules", null).body()).contains("\"enabled\":false");
        assertThat(admin("POST", "/api/reload", null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/api/stats", null).body()).contains("\"events\"");
        assertThat(admin("GET", "/api/dead-letters", null).body()).isEqualTo("[]");
        assertThat(admin("POST", "/api/dead-letters/99/retry", null).statusCode()).isEqualTo(404);
        assertThat(admin("DELETE", "/api/rule-files/main.rules", null).statusCode()).isEqualTo(200);
        assertThat(admin("GET", "/api/rule-files/main.rules", null).statusCode()).isEqualTo(404);
    }

    @Test
    void adminApi_rulesAndStats_showHorizons_disabledRulesLeaveTheEngines() throws Exception {
        HttpResponse<String> put = admin("PUT", "/api/rule-files/main.rules", TYPES + """
                rule big { when E(v > 10) key k }
                rule busy { when E by k over sliding 5 min having count() > 3 }
                rule pair { when a: E -> b: E by k }
                """);
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        Map<String, String> horizons = new java.util.LinkedHashMap<>();
        JSON.readTree(admin("GET", "/api/rules", null).body())
                .forEach(r -> horizons.put(r.get("id").asText(), r.get("horizon").asText()));
        assertThat(horizons).containsExactly(Map.entry("big", "PT0S"), Map.entry("busy", "PT5M"),
                Map.entry("pair", "PT24H"));
        assertThat(JSON.readTree(admin("GET", "/api/stats", null).body()).get("horizon").asText()).isEqualTo("PT24H");
        // No engine section: a shard per core.
        assertThat(JSON.readTree(admin("GET", "/api/stats", null).body()).get("shards").asInt())
                .isEqualTo(Math.min(64, Runtime.getRuntime().availableProcessors()));

        assertThat(admin("PATCH", "/api/rules/pair", "{\"enabled\": false}").statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(admin("GET", "/api/stats", null).body()).get("horizon").asText()).isEqualTo("PT5M");
        assertThat(admin("GET", "/api/rules", null).body()).contains("\"id\":\"pair\"", "\"horizon\":\"PT24H\"");
    }
}
