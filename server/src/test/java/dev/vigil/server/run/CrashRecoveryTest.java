package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code vigil run} in a child JVM, fed a recording over HTTP and killed with SIGKILL at ten
 * seeded moments (counts of accepted events), restarted each time on the same store and journal: the alerts its webhook
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
        long lastEvent = Replays.time(lines.get(lines.size() - 1));
        // The last quarter hour is left out: a live run holds it back (lateness, absences still open).
        long cutoff = lastEvent - Duration.ofMinutes(15).toMillis();

        Set<String> expected = Replays.ids(rules, events, cutoff);
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
            // Ten seeded moments, as counts of events answered 202: each kill lands while the next batch
            // is on its way (mid-request, between the journal and the answer) and earlier ones are in
            // the engine, or while the restarted child still recovers.
            Random random = new Random(SEED);
            List<Integer> killAt = new ArrayList<>();
            for (int i = 0; i < KILLS; i++) {
                killAt.add(BATCH + random.nextInt(lines.size() - 2 * BATCH));
            }
            killAt.sort(Comparator.naturalOrder());

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            AtomicReference<ChildVigil> child = new AtomicReference<>(ChildVigil.start(dir, dir.resolve("vigil.yaml")));
            AtomicLong answered = new AtomicLong();
            CompletableFuture<Void> posted = CompletableFuture.runAsync(() -> post(http, child, lines, answered));
            int posts = 0;
            for (int target : killAt) {
                await(target + " events answered 202").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(1))
                        .until(() -> posted.isDone() || answered.get() >= target);
                assertThat(posted).as("the poster finished before kill " + (posts + 1)).isNotDone();
                child.get().kill();
                child.set(ChildVigil.start(dir, dir.resolve("vigil.yaml")));
                posts++;
            }
            posted.get(300, TimeUnit.SECONDS);
            awaitQuiet(http, child.get().base);
            Set<String> delivered = new TreeSet<>();
            for (WebhookReceiver.Request req : receiver.accepted()) {
                JsonNode alert = JSON.readTree(req.body());
                if (Instant.parse(alert.get("time").asText()).toEpochMilli() < cutoff) {
                    delivered.add(alert.get("id").asText());
                }
            }
            child.get().stop();
            Set<String> missing = new TreeSet<>(expected);
            missing.removeAll(delivered);
            Set<String> unknown = new TreeSet<>(delivered);
            unknown.removeAll(expected);
            assertThat(posts).isEqualTo(KILLS);
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
        all.sort(Comparator.comparingLong(Replays::time));
        return all;
    }



    /**
     * Posts every batch in order, each with its Idempotency-Key, to whichever child runs now: a batch
     * whose answer was lost with a killed child, or refused while the next one recovers, is sent again.
     */
    private static void post(HttpClient http, AtomicReference<ChildVigil> child, List<String> lines, AtomicLong answered) {
        for (int b = 0; b * BATCH < lines.size(); b++) {
            String body = String.join("\n", lines.subList(b * BATCH, Math.min(lines.size(), (b + 1) * BATCH))) + "\n";
            int batch = b;
            int size = Math.min(lines.size(), (b + 1) * BATCH) - b * BATCH;
            await("batch " + b + " accepted").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(child.get().base + "/events"))
                                .header("Content-Type", "application/x-ndjson")
                                .header("Idempotency-Key", "batch-" + batch)
                                .timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                        assertThat(r.statusCode()).as(r.body()).isIn(202, 429, 503);
                        return r.statusCode() == 202;
                    });
            answered.addAndGet(size);
        }
    }

    /** Waits until the engine queue and the outbox are empty and the alert counts stay put for a second. */
    private static void awaitQuiet(HttpClient http, String base) {
        String[] last = {""};
        int[] stable = {0};
        await("vigil run goes quiet").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/stats")).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode st = JSON.readTree(r.body());
            String now = st.get("alerts").toString();
            boolean empty = st.get("queues").get("engine").asLong() == 0 && st.get("queues").get("outbox").asLong() == 0;
            stable[0] = empty && now.equals(last[0]) ? stable[0] + 1 : 0;
            last[0] = now;
            return stable[0] >= 5;
        });
    }
}
