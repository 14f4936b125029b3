package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
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
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/alerts/stream}: alerts as server-sent events, filtered, behind the admin token. */
class AlertStreamTest {
    @TempDir
    Path dir;

    @Test
    void theStream_sendsEachAlertAsItIsRaised_filteredByRule_andNeedsTheToken() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/main.rules"), """
                event E { k string  v int  at timestamp }
                rule big { when E(v > 10) key k message "{k}: {v}" }
                rule huge { when E(v > 100) key k }
                """);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0, adminToken: "t0ken-for-the-stream" }
                channels:
                  quiet: { type: log }
                routes:
                  - { notify: [quiet] }
                store: { path: data/vigil.db }
                """);
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        VigilServer server = VigilServer.start(config, Clock.systemUTC());
        HttpClient http = HttpClient.newHttpClient();
        try {
            String base = "http://127.0.0.1:" + server.port();
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/alerts/stream")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
            var plain = http.send(HttpRequest.newBuilder(URI.create(base + "/api/alerts/stream"))
                    .header("Authorization", "Bearer t0ken-for-the-stream").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.statusCode()).isEqualTo(406);
            assertThat(plain.body()).contains("send Accept: text/event-stream");

            CompletableFuture<HttpResponse<Stream<String>>> open = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(base + "/api/alerts/stream?rule=big")).header("Authorization", "Bearer t0ken-for-the-stream")
                    .header("Accept", "text/event-stream")
                    .build(), HttpResponse.BodyHandlers.ofLines());
            HttpResponse<Stream<String>> stream = open.get(10, TimeUnit.SECONDS);
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            Iterator<String> lines = stream.body().iterator();
            assertThat(lines.next()).startsWith(":"); // the greeting comment: the client is registered

            var post = http.send(HttpRequest.newBuilder(URI.create(base + "/events"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"E\",\"data\":{\"k\":\"a\",\"v\":500,"
                            + "\"at\":\"2026-12-01T10:00:00Z\"}}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(post.statusCode()).isEqualTo(202);

            // Both rules fire; the stream was asked for `big` only.
            CompletableFuture<String> event = CompletableFuture.supplyAsync(() -> {
                StringBuilder got = new StringBuilder();
                while (lines.hasNext()) {
                    String line = lines.next();
                    if (line.isEmpty() && got.length() > 0) {
                        return got.toString();
                    }
                    if (!line.startsWith(":") && !line.isEmpty()) {
                        got.append(line).append('\n');
                    }
                }
                return got.toString();
            });
            String got = event.get(20, TimeUnit.SECONDS);
            assertThat(got).contains("event: alert", "\"rule\":\"big\"", "\"message\":\"a: 500\"");
            assertThat(got).doesNotContain("\"rule\":\"huge\"");
            assertThat(got).containsPattern("id: [0-9a-f]{32}");
        } finally {
            server.close();
        }
    }
}
