package dev.vigil.server.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Json;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.run.VigilServer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A running Vigil ({@link VigilServer}, as {@code vigil run} starts it, on port 0) with the probe
 * rule, one per corpus category: after each bad input a good event (a {@code Tx} whose {@code source}
 * is {@code "probe"}) is sent and its alert awaited in {@code GET /api/alerts}, so no bad input may
 * silence the engine.
 */
final class ProbeServer implements AutoCloseable {
    static final String ADMIN_TOKEN = "corpus-admin-token";
    static final String INGEST_TOKEN = "corpus-ingest-token";
    /**
     * The rules every category's server runs: {@code probe} alerts for each good event (keyed by its
     * number), {@code echo} for a Tx with {@code ok: true}, keyed by its text, so a case can check that
     * odd but valid text reaches its alert whole.
     */
    static final String PROBE_RULES = """
            event Tx {
                source string
                n      int
                amount double
                big    long
                ok     boolean
                at     timestamp
            }
            rule probe "A good event still alerts" {
                when Tx(source == "probe")
                key n
                message "probe {n}"
            }
            rule echo "A text field, echoed into an alert" {
                when Tx(ok == true)
                key source
                message "echo {source}"
            }
            """;
    /** An alert takes milliseconds; this bounds a silenced engine, not a slow one. */
    private static final Duration ALERT_WAIT = Duration.ofSeconds(20);

    private final Path dir;
    private final VigilServer server;
    private final String adminToken;
    private final HttpClient http = HttpClient.newHttpClient();
    private final AtomicInteger probes = new AtomicInteger();

    private ProbeServer(Path dir, VigilServer server, String adminToken) {
        this.dir = dir;
        this.server = server;
        this.adminToken = adminToken;
    }

    /**
     * Starts a server in a fresh folder whose configuration is {@code yaml} (it must name
     * {@code rules: { dir: rules }} and a store; {@code ${ADMIN}} and {@code ${INGEST}} are the tokens).
     */
    static ProbeServer start(String yaml) throws Exception {
        Path dir = Files.createTempDirectory("vigil-corpus-");
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/probe.rules"), PROBE_RULES);
        Files.writeString(dir.resolve("vigil.yaml"), yaml);
        var config = new ConfigLoader(Map.of("ADMIN", ADMIN_TOKEN, "INGEST", INGEST_TOKEN)).load(dir.resolve("vigil.yaml"));
        String admin = config.server().adminTokens().stream().findFirst().map(t -> t.token().reveal()).orElse(null);
        return new ProbeServer(dir, VigilServer.start(config, Clock.systemUTC()), admin);
    }

    /** Ingest and admin API with tokens, event time without lateness, bodies up to 64 KiB. */
    static ProbeServer standard() throws Exception {
        return start("""
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0, adminToken: "${ADMIN}" }
                sources:
                  http: { token: "${INGEST}", maxBodyBytes: 65536, queue: 10000 }
                store: { path: data/vigil.db }
                """);
    }

    int port() {
        return server.port();
    }

    Path dir() {
        return dir;
    }

    VigilServer server() {
        return server;
    }

    /** The next probe number: each probe has its own key, so its alert is told from earlier ones. */
    int nextProbe() {
        return probes.incrementAndGet();
    }

    /** A good event for probe {@code n}, as one JSON line. */
    static String probeEvent(int n) {
        return "{\"type\":\"Tx\",\"id\":\"probe-" + n + "\",\"data\":{\"source\":\"probe\",\"n\":" + n + "}}";
    }

    /** Posts a good event and waits for its alert: the engine still takes events and still alerts. */
    void assertStillAlerts(String afterWhat) throws Exception {
        int n = nextProbe();
        HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/events"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + INGEST_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(probeEvent(n)))
                .build();
        HttpResponse<String> r = http.send(post, HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("the good event after %s: %s", afterWhat, r.body()).isEqualTo(202);
        assertThat(r.body()).as("the good event after %s", afterWhat).isEqualTo("{\"accepted\":1,\"rejected\":[]}");
        awaitAlert(n, afterWhat);
    }

    /** Waits until the alert of probe {@code n} is in {@code GET /api/alerts}. */
    void awaitAlert(int n, String afterWhat) {
        await("the alert of a good event after " + afterWhat).atMost(ALERT_WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> hasAlert(n));
    }

    /** Waits until the {@code echo} rule has raised an alert keyed by exactly this {@code source}. */
    void awaitEcho(String source, String afterWhat) {
        await("the echo alert of " + afterWhat).atMost(ALERT_WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> alerts("echo").stream().anyMatch(a -> a.path("key").path("source").asText().equals(source)));
    }

    private boolean hasAlert(int n) throws IOException, InterruptedException {
        return alerts("probe").stream().anyMatch(a -> a.path("key").path("n").asInt() == n);
    }

    /** The newest alerts of a rule, from the admin API. */
    private List<JsonNode> alerts(String rule) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port() + "/api/alerts?rule=" + rule + "&limit=20"));
        if (adminToken != null) {
            b.header("Authorization", "Bearer " + adminToken);
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET /api/alerts answered " + r.statusCode() + ": " + r.body());
        }
        List<JsonNode> out = new ArrayList<>();
        Json.mapper().readTree(r.body()).forEach(out::add);
        return out;
    }

    @Override
    public void close() throws IOException {
        server.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
