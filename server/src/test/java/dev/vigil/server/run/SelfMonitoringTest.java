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
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code vigil run} end to end: a pattern rule at its {@code rules.maxPartialMatches} cap raises a
 * warning of rule {@code vigil} on the channel named {@code vigil}, a webhook here.
 */
class SelfMonitoringTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=";
    private final long t0 = System.currentTimeMillis();

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

    private void post(String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/events"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private String tx(String card, String country, int second) {
        return "{\"type\":\"Tx\",\"data\":{\"card\":\"" + card + "\",\"country\":\"" + country + "\",\"at\":"
                + (t0 + second * 1000L) + "}}\n";
    }

    @Test
    void ruleAtItsPartialMatchCap_sendsOneWarningToTheVigilChannel() throws Exception {
        receiver = WebhookReceiver.signed(SECRET, 204);
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/travel.rules"), """
                event Tx { card string  country string  at timestamp }
                rule travel { when a: Tx -> b: Tx(country != a.country) by card within 1 h }
                """);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules, maxPartialMatches: 2 }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                channels:
                  console: { type: log }
                  vigil: { type: webhook, url: "%s", secret: "%s" }
                routes:
                  - { notify: [console] }
                store: { path: data/test.db }
                """.formatted(receiver.url("/vigil"), SECRET));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());

        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            batch.append(tx("c" + i, "DE", i));
        }
        post(batch.toString());
        org.awaitility.Awaitility.await("the vigil alert").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(50)).until(() -> !receiver.accepted().isEmpty());

        assertThat(receiver.requests()).hasSize(1);
        WebhookReceiver.Request r = receiver.requests().get(0);
        assertThat(r.path()).isEqualTo("/vigil");
        assertThat(r.signatureValid()).isTrue();
        JsonNode alert = JSON.readTree(r.body());
        assertThat(alert.path("rule").asText()).isEqualTo("vigil");
        assertThat(alert.path("severity").asText()).isEqualTo("warning");
        assertThat(alert.path("status").asText()).isEqualTo("firing");
        assertThat(alert.path("key").path("rule").asText()).isEqualTo("travel");
        assertThat(alert.path("key").path("limit").asText()).isEqualTo("maxPartialMatches");
        assertThat(alert.path("message").asText())
                .startsWith("rule travel is at its cap of 2 partial matches (rules.maxPartialMatches):");
        assertThat(alert.path("id").asText()).startsWith("vigil-");
    }
}
