package dev.vigil.server.publicapi;

import dev.vigil.engine.Json;
import dev.vigil.server.cli.VigilCli;
import dev.vigil.server.config.ConfigException;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.server.run.VigilServer;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The server as a user drives it: the command line, and an embedded server from a configuration file. */
class PublicApiTest {
    private static final String RULES = """
            event Reading {
                sensor string
                value  double
                at     timestamp
            }
            rule hot "Sensor too hot" {
                when Reading(value > 100)
                key sensor
                severity critical
                message "{sensor}: {value}"
            }
            """;

    private record Run(int status, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = VigilCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void commandLine_checkReplayAndExplain_asTheLauncherRunsThem(@TempDir Path dir) throws Exception {
        Path rules = dir.resolve("sensors.rules");
        Files.writeString(rules, RULES);
        Path events = dir.resolve("readings.jsonl");
        Files.writeString(events, """
                {"type":"Reading","data":{"sensor":"s1","value":120,"at":"2026-11-21T10:00:00Z"}}
                {"type":"Reading","data":{"sensor":"s2","value":20,"at":"2026-11-21T10:00:01Z"}}
                """);

        Run check = cli("check", rules.toString());
        assertThat(check.status()).isZero();
        assertThat(check.out()).contains("1 file checked, no errors");

        Run replay = cli("replay", "--rules", rules.toString(), "--events", events.toString());
        assertThat(replay.status()).isZero();
        assertThat(Json.mapper().readTree(replay.out().strip()).get("message").asText()).isEqualTo("s1: 120.0");

        Run explain = cli("explain", rules.toString());
        assertThat(explain.out()).contains("select").contains("Reading");

        Run usage = cli("check");
        assertThat(usage.status()).isEqualTo(2);
    }

    @Test
    void embeddedServer_fromAConfigurationFile_takesEventsAndDeliversSignedWebhooks(@TempDir Path dir) throws Exception {
        String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        try (WebhookReceiver receiver = WebhookReceiver.signed(secret, 204)) {
            Files.createDirectories(dir.resolve("rules"));
            Files.writeString(dir.resolve("rules/sensors.rules"), RULES);
            Files.writeString(dir.resolve("vigil.yaml"), """
                    rules: { dir: rules }
                    time: { mode: event, lateness: 0s }
                    server: { port: 0, adminToken: "${ADMIN}" }
                    channels:
                      hook: { type: webhook, url: "%s", secret: "%s" }
                    routes:
                      - { notify: [hook] }
                    store: { path: vigil.db }
                    """.formatted(receiver.url("/hook"), secret));
            VigilConfig config = new ConfigLoader(Map.of("ADMIN", "t0ken")).load(dir.resolve("vigil.yaml"));
            try (VigilServer server = VigilServer.start(config, Clock.systemUTC())) {
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> posted = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/events"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"type\":\"Reading\",\"data\":{\"sensor\":\"s9\",\"value\":300,\"at\":\"2026-11-21T10:00:00Z\"}}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(posted.statusCode()).isEqualTo(202);
                await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.accepted().isEmpty());
                WebhookReceiver.Request hook = receiver.accepted().get(0);
                assertThat(hook.signatureValid()).isTrue();
                assertThat(Json.mapper().readTree(hook.body()).get("rule").asText()).isEqualTo("hot");

                HttpResponse<String> rules = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/api/rules"))
                        .header("Authorization", "Bearer t0ken").build(), HttpResponse.BodyHandlers.ofString());
                assertThat(Json.mapper().readTree(rules.body()).get(0).get("id").asText()).isEqualTo("hot");
            }
        }
    }

    @Test
    void brokenConfiguration_isOneProblemPerMistake_namingThePath(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vigil.yaml"), "server: { port: 70000 }\nnosuch: 1\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml")))
                .isInstanceOfSatisfying(ConfigException.class, e ->
                        assertThat(e.problems()).extracting(p -> p.path()).contains("server.port"));
    }
}
