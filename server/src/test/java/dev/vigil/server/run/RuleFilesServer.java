package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A started {@link VigilServer} on port 0 for the rule-file routes: a rules folder holding
 * {@code main.rules} (rule {@code big}: an E with v over 10), processing time so that an event
 * raises its alert at once, and a client that talks to it over real HTTP.
 */
final class RuleFilesServer implements AutoCloseable {
    static final String MAIN = "event E { k string  v int }\nrule big { when E(v > 10) key k }\n";

    final Path rules;
    final VigilServer server;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger probes = new AtomicInteger();

    private RuleFilesServer(Path rules, VigilServer server) {
        this.rules = rules;
        this.server = server;
    }

    /** Writes the configuration and {@code main.rules} under {@code dir}, then starts the server. */
    static RuleFilesServer start(Path dir) throws Exception {
        return new RuleFilesServer(dir.resolve("rules"), VigilServer.start(config(dir), Clock.systemUTC()));
    }

    /** The configuration of {@link #start}, written under {@code dir} with {@code main.rules}. */
    static VigilConfig config(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        if (!Files.exists(dir.resolve("rules/main.rules"))) {
            Files.writeString(dir.resolve("rules/main.rules"), MAIN);
        }
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules, allowRawEpl: true }
                time: { mode: processing }
                server: { port: 0 }
                store: { path: data/test.db }
                """);
        return new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
    }

    HttpResponse<String> send(String method, String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** A request with a text body as {@code text/plain} UTF-8, or none. */
    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return send(method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8), "text/plain");
    }

    /** The rule files in the folder, by name, sorted. */
    java.util.List<String> folder() throws Exception {
        try (var files = Files.list(rules)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A good event still raises its alert: posts one with a fresh key and awaits its alert in the history. */
    void stillAlerts() throws Exception {
        String key = "probe-" + probes.incrementAndGet();
        HttpResponse<String> r = send("POST", "/events", ("{\"type\": \"E\", \"data\": {\"k\": \"" + key
                + "\", \"v\": 50}}").getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(r.body()).isEqualTo("{\"accepted\":1,\"rejected\":[]}");
        org.awaitility.Awaitility.await("the alert of " + key).atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> send("GET", "/api/alerts?rule=big", null).body().contains("\"" + key + "\""));
    }

    @Override
    public void close() {
        server.close();
    }
}
