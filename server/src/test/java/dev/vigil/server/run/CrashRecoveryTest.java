package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.server.cli.VigilCli;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code vigil run} in a child JVM, fed a recording over HTTP and killed with SIGKILL at ten
 * seeded moments, restarted each time on the same store and journal: the alerts its webhook
 * receives are exactly those of one uninterrupted {@code vigil replay} of the same events
 * (design.md, "State and recovery"; duplicates allowed, with the same id).
 */
class CrashRecoveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 50;
    private static final int KILLS = 10;
    private static final long SEED = 20261201L;

    @Test
    void killNineAtTenMoments_deliversExactlyTheAlertsOfOneUninterruptedReplay(@TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.copy(Path.of("..", "rules", "fraud.rules"), rules.resolve("fraud.rules"));
        Files.copy(Path.of("..", "rules", "health.rules"), rules.resolve("health.rules"));
        List<String> lines = merged(Path.of("..", "examples", "fraud", "events.jsonl"),
                Path.of("..", "examples", "health", "events.jsonl"));
        Path events = dir.resolve("events.jsonl");
        Files.write(events, lines);
        long lastEvent = time(lines.get(lines.size() - 1));
        // The last quarter hour is left out: a live run holds it back (lateness, absences still open).
        long cutoff = lastEvent - Duration.ofMinutes(15).toMillis();

        Set<String> expected = expectedIds(rules, events, cutoff);
        assertThat(expected).as("alerts of the uninterrupted replay").hasSizeGreaterThan(30);

        try (WebhookReceiver receiver = WebhookReceiver.answering(200)) {
            Files.writeString(dir.resolve("vigil.yaml"), """
                    rules: { dir: rules }
                    time: { mode: event, lateness: 10s }
                    server: { port: 0 }
                    sources: { http: { enabled: true, queue: 100000 } }
                    channels:
                      hook: { type: webhook, url: "%s" }
                    routes:
                      - { notify: [hook] }
                    store: { path: vigil.db }
                    """.formatted(receiver.url("/alerts")));
            Random random = new Random(SEED);
            List<Integer> killAfter = new ArrayList<>();
            int batches = (lines.size() + BATCH - 1) / BATCH;
            for (int i = 0; i < KILLS; i++) {
                killAfter.add(1 + random.nextInt(batches - 2));
            }
            killAfter.sort(Comparator.naturalOrder());

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            ChildVigil child = ChildVigil.start(dir, dir.resolve("vigil.yaml"));
            int kills = 0;
            int restarts = 0;
            for (int b = 0; b < batches; b++) {
                List<String> batch = lines.subList(b * BATCH, Math.min(lines.size(), (b + 1) * BATCH));
                String body = String.join("\n", batch) + "\n";
                // A kill lands while this batch is in flight: sent on another thread, killed after a seeded delay.
                boolean killNow = kills < killAfter.size() && killAfter.get(kills) == b;
                while (true) {
                    String base = child.base;
                    CompletableFuture<HttpResponse<String>> sent = http.sendAsync(HttpRequest.newBuilder(
                                    URI.create(base + "/events"))
                            .header("Content-Type", "application/x-ndjson")
                            .header("Idempotency-Key", "batch-" + b)
                            .timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (killNow) {
                        TimeUnit.MICROSECONDS.sleep(random.nextInt(3000));
                        child.kill();
                        kills++;
                        killNow = kills < killAfter.size() && killAfter.get(kills) == b;
                        child = ChildVigil.start(dir, dir.resolve("vigil.yaml"));
                        restarts++;
                    }
                    HttpResponse<String> r;
                    try {
                        r = sent.get(60, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException e) {
                        continue; // the connection died with the child: send the batch again
                    }
                    if (r.statusCode() == 202) {
                        break;
                    }
                    assertThat(r.statusCode()).as(r.body()).isIn(429, 503);
                    TimeUnit.MILLISECONDS.sleep(100);
                }
            }
            assertThat(kills).isEqualTo(KILLS);
            awaitQuiet(http, child.base);
            Set<String> delivered = new TreeSet<>();
            for (WebhookReceiver.Request req : receiver.accepted()) {
                JsonNode alert = JSON.readTree(req.body());
                if (Instant.parse(alert.get("time").asText()).toEpochMilli() < cutoff) {
                    delivered.add(alert.get("id").asText());
                }
            }
            child.stop();
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(delivered);
            Set<String> unknown = new TreeSet<>(delivered);
            unknown.removeAll(expected);
            assertThat(restarts).isEqualTo(KILLS);
            assertThat(missing).as("alerts of the uninterrupted replay never delivered (logs in " + dir + ")").isEmpty();
            assertThat(unknown).as("alerts an uninterrupted replay does not raise").isEmpty();
        }
    }

    /** The events of both files in time order (their {@code data.at}). */
    private static List<String> merged(Path... files) throws IOException {
        List<String> all = new ArrayList<>();
        for (Path f : files) {
            for (String line : Files.readAllLines(f)) {
                if (!line.isBlank()) {
                    all.add(line);
                }
            }
        }
        all.sort(Comparator.comparingLong(CrashRecoveryTest::time));
        return all;
    }

    private static long time(String line) {
        try {
            return Instant.parse(JSON.readTree(line).get("data").get("at").asText()).toEpochMilli();
        } catch (IOException e) {
            throw new IllegalStateException(line, e);
        }
    }

    private static Set<String> expectedIds(Path rules, Path events, long cutoff) throws IOException {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = VigilCli.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                "replay", "--rules", rules.toString(), "--events", events.toString());
        assertThat(code).as(err.toString()).isZero();
        Set<String> ids = new TreeSet<>();
        for (String line : out.toString().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode alert = JSON.readTree(line);
            if (Instant.parse(alert.get("time").asText()).toEpochMilli() < cutoff) {
                ids.add(alert.get("id").asText());
            }
        }
        return ids;
    }

    /** Waits until the engine queue and the outbox are empty and the engine has processed everything posted. */
    private static void awaitQuiet(HttpClient http, String base) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int stable = 0;
        String last = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/stats")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode s = JSON.readTree(r.body());
            String now = s.get("alerts").toString();
            boolean empty = s.get("queues").get("engine").asLong() == 0 && s.get("queues").get("outbox").asLong() == 0;
            stable = empty && now.equals(last) ? stable + 1 : 0;
            last = now;
            if (stable >= 5) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError("vigil run did not go quiet: " + last);
    }
}
