package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.server.cli.VigilCli;
import dev.vigil.server.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/rule-files/validate?name=NAME&backtest=PT1H} over real HTTP on port 0, with the
 * journal on and events posted to {@code /events}: the comparison per rule, the candidate's alerts
 * against {@code vigil replay} over the same events, the limits, and the errors.
 */
class BacktestServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "s3cret-admin";
    private static final String MAIN = """
            event E { k string  v int }
            rule big { when E(v > 10) key k }
            rule small { when E(v < 0) key k }
            """;
    /** big's threshold raised to 30, small as it was, and a new rule huge. */
    private static final String CANDIDATE = """
            event E { k string  v int }
            rule big { when E(v > 30) key k }
            rule small { when E(v < 0) key k }
            rule huge { when E(v > 40) key k }
            """;
    /** a: only the old big; b: big in both and huge; c: small in both; d: nothing. */
    private static final List<String> EVENTS = List.of(
            "{\"type\":\"E\",\"id\":\"e1\",\"time\":\"2024-03-05T10:00:00Z\",\"data\":{\"k\":\"a\",\"v\":20}}",
            "{\"type\":\"E\",\"id\":\"e2\",\"time\":\"2024-03-05T10:00:01Z\",\"data\":{\"k\":\"b\",\"v\":50}}",
            "{\"type\":\"E\",\"id\":\"e3\",\"time\":\"2024-03-05T10:00:02Z\",\"data\":{\"k\":\"c\",\"v\":-5}}",
            "{\"type\":\"E\",\"id\":\"e4\",\"time\":\"2024-03-05T10:00:03Z\",\"data\":{\"k\":\"d\",\"v\":5}}");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private VigilServer start(String extraServer, String store) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/main.rules"), MAIN);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0, adminToken: %s%s }
                store: { path: data/test.db%s }
                """.formatted(TOKEN, extraServer, store));
        return VigilServer.start(new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml")), Clock.systemUTC());
    }

    private HttpResponse<String> send(VigilServer s, String method, String path, String body, boolean token)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token) {
            b.header("Authorization", "Bearer " + TOKEN);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private void post(VigilServer s) throws Exception {
        for (String e : EVENTS) { // one request each: one journal record each
            HttpResponse<String> r = send(s, "POST", "/events", e, false);
            assertThat(r.body()).isEqualTo("{\"accepted\":1,\"rejected\":[]}");
        }
    }

    private JsonNode backtest(VigilServer s, String text) throws Exception {
        HttpResponse<String> r = send(s, "POST", "/api/rule-files/validate?name=main.rules&backtest=PT1H", text, true);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode o = JSON.readTree(r.body());
        assertThat(o.get("ok").asBoolean()).isTrue();
        return o.get("backtest");
    }

    private static JsonNode rule(JsonNode backtest, String id) {
        for (JsonNode r : backtest.get("rules")) {
            if (r.get("rule").asText().equals(id)) {
                return r;
            }
        }
        throw new AssertionError("no rule " + id + " in " + backtest);
    }

    /** The alerts of {@code vigil replay} over {@link #EVENTS} with {@code rules}, as JSON objects. */
    private List<JsonNode> replay(String rules) throws Exception {
        Path folder = Files.createDirectories(dir.resolve("replay-rules"));
        Files.writeString(folder.resolve("main.rules"), rules);
        Path events = Files.writeString(dir.resolve("events.jsonl"), String.join("\n", EVENTS) + "\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VigilCli.run(new PrintWriter(out, true), new PrintWriter(err, true), "replay", "--rules",
                folder.toString(), "--events", events.toString());
        assertThat(code).as(err.toString()).isZero();
        List<JsonNode> alerts = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            if (!line.isBlank()) {
                alerts.add(JSON.readTree(line));
            }
        }
        return alerts;
    }

    /** An alert without its wall-clock time, which differs between any two runs. */
    private static JsonNode withoutRaisedAt(JsonNode alert) {
        com.fasterxml.jackson.databind.node.ObjectNode o = alert.deepCopy();
        o.remove("raisedAt");
        return o;
    }

    @Test
    void backtest_changedThreshold_comparesPerRule_andItsAlertsAreThoseOfAReplay() throws Exception {
        try (VigilServer s = start("", "")) {
            post(s);
            JsonNode b = backtest(s, CANDIDATE);
            assertThat(b.get("events").asLong()).isEqualTo(4);
            assertThat(b.get("truncated").isNull()).isTrue();
            assertThat(b.get("from").asText()).isEqualTo("2024-03-05T10:00:00.000Z");
            assertThat(b.get("to").asText()).isEqualTo("2024-03-05T10:00:03.000Z");
            assertThat(b.get("window").get("duration").asText()).isEqualTo("PT1H");
            assertThat(b.get("window").get("until").asText()).isEqualTo("2024-03-05T10:00:03.000Z");
            assertThat(b.get("window").get("since").asText()).isEqualTo("2024-03-05T09:00:03.000Z");
            assertThat(b.get("limits").toString())
                    .isEqualTo("{\"maxEvents\":1000000,\"timeLimit\":\"PT30S\",\"maxAlerts\":250000}");

            JsonNode big = rule(b, "big");
            assertThat(big.get("text").asText()).isEqualTo("changed");
            assertThat(List.of(big.get("added").asInt(), big.get("removed").asInt(), big.get("unchanged").asInt()))
                    .containsExactly(0, 1, 1);
            JsonNode small = rule(b, "small");
            assertThat(small.get("text").asText()).isEqualTo("same");
            assertThat(List.of(small.get("added").asInt(), small.get("removed").asInt(),
                    small.get("unchanged").asInt())).containsExactly(0, 0, 1);
            JsonNode huge = rule(b, "huge");
            assertThat(huge.get("text").asText()).isEqualTo("new");
            assertThat(List.of(huge.get("added").asInt(), huge.get("removed").asInt(), huge.get("unchanged").asInt()))
                    .containsExactly(1, 0, 0);
            assertThat(b.get("totals").toString()).isEqualTo("{\"added\":1,\"removed\":1,\"unchanged\":2}");

            // The acceptance check: the candidate's alerts are those vigil replay raises over the same events.
            List<JsonNode> candidate = replay(CANDIDATE);
            assertThat(b.get("alertsTotal").asInt()).isEqualTo(candidate.size()).isEqualTo(3);
            List<JsonNode> answered = new ArrayList<>();
            b.get("alerts").forEach(a -> answered.add(withoutRaisedAt(a)));
            assertThat(answered).containsExactlyInAnyOrderElementsOf(
                    candidate.stream().map(BacktestServerTest::withoutRaisedAt).toList());
            // ... and the ids compared are those of replays of both versions.
            List<JsonNode> running = replay(MAIN);
            String removedId = big.get("ids").get("removed").get(0).asText();
            assertThat(running.stream().map(a -> a.get("id").asText())).contains(removedId);
            assertThat(candidate.stream().map(a -> a.get("id").asText())).doesNotContain(removedId)
                    .contains(huge.get("ids").get("added").get(0).asText(),
                            big.get("ids").get("unchanged").get(0).asText());

            // The same text as running: every alert unchanged.
            JsonNode same = backtest(s, MAIN);
            assertThat(same.get("totals").toString()).isEqualTo("{\"added\":0,\"removed\":0,\"unchanged\":3}");
            // Nothing was deployed.
            assertThat(send(s, "GET", "/api/rules", null, true).body()).doesNotContain("\"huge\"");
        }
    }

    @Test
    void backtest_overTheEventLimit_stopsThere_andSaysSo() throws Exception {
        try (VigilServer s = start(", backtest: { maxEvents: 2 }", "")) {
            post(s);
            JsonNode b = backtest(s, CANDIDATE);
            assertThat(b.get("events").asLong()).isEqualTo(2);
            assertThat(b.get("truncated").asText()).isEqualTo("events");
            assertThat(b.get("limits").get("maxEvents").asLong()).isEqualTo(2);
            assertThat(b.get("to").asText()).isEqualTo("2024-03-05T10:00:01.000Z");
            assertThat(b.get("totals").toString()).isEqualTo("{\"added\":1,\"removed\":1,\"unchanged\":1}");
        }
    }

    @Test
    void backtest_errors_answer4xxWithTheReason() throws Exception {
        try (VigilServer s = start("", "")) {
            post(s);
            record Case(String query, String body, boolean token, int status, String contains) {
            }
            List<Case> cases = List.of(
                    new Case("name=main.rules&backtest=PT1H", CANDIDATE, false, 401, "missing admin token"),
                    new Case("name=main.rules&backtest=PT1H", "event E { k string  v int }\nrule big { when E(vv > 1) key k }\n",
                            true, 422, "{\"errors\":[{\"file\":\"main.rules\",\"line\":2,\"column\":19,"
                            + "\"message\":\"unknown field `vv` in E; did you mean `v`?\"}]}"),
                    new Case("name=main.rules&backtest=1h", CANDIDATE, true, 400,
                            "{\"error\":\"backtest: expected an ISO-8601 duration such as PT1H or PT15M, got `1h`\"}"),
                    new Case("name=main.rules&backtest=PT25H", CANDIDATE, true, 400,
                            "{\"error\":\"backtest: PT25H is longer than server.backtest.maxWindow (PT24H)\"}"),
                    new Case("name=main.rules&backtest=-PT1H", CANDIDATE, true, 400,
                            "{\"error\":\"backtest: the duration must be positive: PT-1H\"}"),
                    new Case("backtest=PT1H", CANDIDATE, true, 400, "{\"error\":\"backtest needs name: "));
            for (Case c : cases) {
                HttpResponse<String> r = send(s, "POST", "/api/rule-files/validate?" + c.query(), c.body(), c.token());
                assertThat(r.statusCode()).as(c.query() + ": " + r.body()).isEqualTo(c.status());
                assertThat(r.body()).as(c.query()).contains(c.contains());
                if (c.status() == 422) {
                    assertThat(r.body()).doesNotContain("backtest");
                }
            }
        }
    }

    @Test
    void backtest_whenTheAllowedBacktestsAreRunning_is429WithRetryAfter_andRunsOnceOneEnds() throws Exception {
        try (VigilServer s = start("", "")) {
            post(s);
            var slots = s.httpApi().backtestSlots();
            int taken = slots.drainPermits(); // as if server.backtest.concurrent backtests were running
            assertThat(taken).isEqualTo(2);
            HttpResponse<String> busy = send(s, "POST", "/api/rule-files/validate?name=main.rules&backtest=PT1H",
                    CANDIDATE, true);
            assertThat(busy.statusCode()).as(busy.body()).isEqualTo(429);
            assertThat(busy.headers().firstValue("Retry-After")).contains("5");
            assertThat(busy.body()).contains("server.backtest.concurrent: 2");
            slots.release(); // one ends
            HttpResponse<String> ran = send(s, "POST", "/api/rule-files/validate?name=main.rules&backtest=PT1H",
                    CANDIDATE, true);
            assertThat(ran.statusCode()).as(ran.body()).isEqualTo(200);
            assertThat(slots.availablePermits()).isEqualTo(1); // and its own slot was given back
        }
    }

    @Test
    void backtest_withTheJournalOff_is409NamingTheSetting() throws Exception {
        try (VigilServer s = start("", ", journal: { enabled: false }")) {
            HttpResponse<String> r = send(s, "POST", "/api/rule-files/validate?name=main.rules&backtest=PT1H",
                    CANDIDATE, true);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(r.body()).isEqualTo("{\"error\":\"backtests read the journal of HTTP ingest, which is off"
                    + " (store.journal.enabled: false); turn it on to backtest\"}");
            // Without backtest the call validates as before.
            assertThat(send(s, "POST", "/api/rule-files/validate?name=main.rules", CANDIDATE, true).body())
                    .isEqualTo("{\"ok\":true}");
        }
    }
}
