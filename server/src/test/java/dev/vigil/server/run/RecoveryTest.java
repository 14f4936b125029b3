package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.AfterEach;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * State across a restart of {@code vigil run} on the same store and journal: what the replay of the
 * horizon rebuilds (windows, absences), and what comes from the store (throttles, open absence
 * alerts of keys silent longer than the horizon).
 */
class RecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");

    @TempDir
    Path dir;
    private WebhookReceiver receiver;
    private VigilServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private void start(String rules) throws Exception {
        if (receiver == null) {
            receiver = WebhookReceiver.answering(200);
        }
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/r.rules"), rules);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                channels:
                  hook: { type: webhook, url: "%s" }
                routes:
                  - { notify: [hook] }
                store: { path: data/test.db }
                """.formatted(receiver.url("/hook")));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
    }

    private void restart(String rules) throws Exception {
        server.close();
        server = null;
        start(rules);
    }

    private void post(String type, String key, Duration at) throws Exception {
        String body = "{\"type\":\"" + type + "\",\"data\":{\"k\":\"" + key + "\",\"at\":\"" + T0.plus(at) + "\"}}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/events")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private JsonNode stats() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/api/stats")).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    /** The alerts the receiver got, as "status key time" with the time as minutes after T0. */
    private List<String> received() throws Exception {
        List<String> out = new ArrayList<>();
        for (WebhookReceiver.Request req : receiver.accepted()) {
            JsonNode a = JSON.readTree(req.body());
            long minutes = Duration.between(T0, Instant.parse(a.get("time").asText())).toMinutes();
            out.add(a.get("status").asText() + " " + a.get("key").get("k").asText() + " " + minutes);
        }
        return out;
    }

    private void awaitReceived(String... alerts) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(received()).contains(alerts));
    }

    private static final String ABSENCE = """
            event Beat { k string  at timestamp }
            rule silent "silent" {
                when absent Beat by k for 2 min
                message "{k} is silent"
            }
            """;

    @Test
    void absence_keysSilentDuringTheDowntime_fireAtTheirExactEventTime_afterTheRestart() throws Exception {
        start(ABSENCE);
        post("Beat", "a", Duration.ZERO);
        post("Beat", "b", Duration.ZERO);
        post("Beat", "b", Duration.ofMinutes(1));
        restart(ABSENCE);
        assertThat(stats().get("recovery").get("state").asText()).isEqualTo("done");
        assertThat(stats().get("recovery").get("replayed").asLong()).isEqualTo(3);
        post("Beat", "b", Duration.ofMinutes(5)); // moves event time past both silences
        awaitReceived("firing a 2", "firing b 3", "resolved b 5");
        assertThat(received()).hasSize(3);
    }

    @Test
    void absence_anAlertOpenLongerThanTheHorizon_resolvesAfterTheRestart() throws Exception {
        start(ABSENCE);
        post("Beat", "a", Duration.ZERO);
        for (int m = 0; m <= 20; m++) {
            post("Beat", "b", Duration.ofMinutes(m));
        }
        awaitReceived("firing a 2");
        restart(ABSENCE); // replays only the last 2 minutes: `a` is not among them
        post("Beat", "a", Duration.ofMinutes(21));
        awaitReceived("resolved a 21");
        assertThat(received()).containsExactly("firing a 2", "resolved a 21");
    }

    private static final String THROTTLED = """
            event Tick { k string  at timestamp }
            rule tick "tick" {
                when Tick
                key k
                throttle 30 min
            }
            """;

    @Test
    void throttle_continuesAcrossTheRestart_fromWhatWasSent() throws Exception {
        start(THROTTLED);
        for (int m = 0; m <= 50; m += 5) {
            post("Tick", "x", Duration.ofMinutes(m));
        }
        awaitReceived("firing x 0", "firing x 30");
        restart(THROTTLED);
        for (int m = 55; m <= 90; m += 5) {
            post("Tick", "x", Duration.ofMinutes(m));
        }
        awaitReceived("firing x 60", "firing x 90");
        assertThat(received()).containsExactly("firing x 0", "firing x 30", "firing x 60", "firing x 90");
    }

    private static final String WINDOW = """
            event Buy { k string  at timestamp }
            rule burst "burst" {
                when Buy by k over sliding 10 min having count() >= 4
            }
            """;

    @Test
    void window_thatStraddlesTheRestart_stillCounts() throws Exception {
        start(WINDOW);
        post("Buy", "c", Duration.ofMinutes(1));
        post("Buy", "c", Duration.ofMinutes(2));
        post("Buy", "c", Duration.ofMinutes(3));
        restart(WINDOW);
        post("Buy", "c", Duration.ofMinutes(4));
        awaitReceived("firing c 4");
        assertThat(stats().get("journal").get("enabled").asBoolean()).isTrue();
        assertThat(stats().get("horizon").asText()).isEqualTo("PT10M");
    }

    @Test
    void withoutAJournal_aRestartForgetsTheWindow() throws Exception {
        start(WINDOW);
        Files.writeString(dir.resolve("vigil.yaml"), Files.readString(dir.resolve("vigil.yaml"))
                .replace("store: { path: data/test.db }", "store: { path: data/test.db, journal: { enabled: false } }"));
        server.close();
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
        post("Buy", "c", Duration.ofMinutes(1));
        post("Buy", "c", Duration.ofMinutes(2));
        post("Buy", "c", Duration.ofMinutes(3));
        server.close();
        server = VigilServer.start(config, Clock.systemUTC());
        for (int m = 4; m <= 7; m++) {
            post("Buy", "c", Duration.ofMinutes(m));
        }
        assertThat(stats().get("journal").get("enabled").asBoolean()).isFalse();
        awaitReceived("firing c 7");
        assertThat(received()).as("the control: without the journal the first three are forgotten")
                .containsExactly("firing c 7");
    }
}
