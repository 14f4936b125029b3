package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.StoredAlert;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every conformance case (the repository's and {@code ../shared/conformance}'s) through
 * {@code vigil run}: the first half of its events over HTTP, a crash right after a checkpoint, a
 * restart on the same store and journal, the second half: exactly the case's expected alerts; with
 * one engine, with 3 shards, and restarted from 1 into 2 shards.
 */
class ConformanceRestartTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCH = 100;

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyCase_killedAndRestartedMidFile_givesExactlyItsExpectedAlerts() throws Exception {
        List<Path> cases = new ArrayList<>();
        for (Path root : List.of(Path.of("..", "conformance"), Path.of("..", "..", "shared", "conformance"))) {
            if (Files.isDirectory(root)) {
                try (Stream<Path> s = Files.list(root)) {
                    s.filter(p -> Files.exists(p.resolve("case.test.yaml"))).sorted().forEach(cases::add);
                }
            }
        }
        assertThat(cases).isNotEmpty();
        // Shards (engine.shards) before and after the restart: one engine, shards on both sides, and a
        // restart that changes the count (recovery rebuilds state whatever ran before).
        List<int[]> shards = List.of(new int[] {1, 1}, new int[] {3, 3}, new int[] {1, 2});
        return cases.stream().flatMap(c -> shards.stream().map(n -> DynamicTest.dynamicTest(
                c.getParent().getFileName() + "/" + c.getFileName() + " (shards " + n[0] + ", then " + n[1] + ")",
                () -> run(c, n[0], n[1]))));
    }

    private void run(Path caseDir, int shardsBefore, int shardsAfter) throws Exception {
        JsonNode test = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .readTree(caseDir.resolve("case.test.yaml").toFile());
        String lateness = test.hasNonNull("lateness") ? test.get("lateness").asText() : "0s";
        Path dir = Files.createTempDirectory(tmp, caseDir.getFileName() + "-" + shardsBefore + "-" + shardsAfter);
        Path rules = Files.createDirectories(dir.resolve("rules"));
        for (JsonNode r : test.get("rules")) {
            Files.copy(caseDir.resolve(r.asText()), rules.resolve(Path.of(r.asText()).getFileName().toString()
                    .replaceAll("\\.rules$", "") + ".rules"));
        }
        String yaml = """
                rules: { dir: rules }
                time: { mode: event, lateness: %s }
                engine: { shards: SHARDS }
                server: { port: 0 }
                channels:
                  quiet: { type: webhook, url: "http://127.0.0.1:9/never" }
                routes:
                  - { notify: [quiet] }
                store: { path: vigil.db }
                """.formatted(lateness);
        Files.writeString(dir.resolve("vigil.yaml"), yaml.replace("SHARDS", Integer.toString(shardsBefore)));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        List<String> events = Files.readAllLines(caseDir.resolve(test.get("events").asText())).stream()
                .filter(l -> !l.isBlank()).toList();
        int half = events.size() / 2;

        VigilServer server = VigilServer.start(config, Clock.systemUTC());
        post(server, events.subList(0, half));
        server.crashAfterCheckpoint();
        Files.writeString(dir.resolve("vigil.yaml"), yaml.replace("SHARDS", Integer.toString(shardsAfter)));
        config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
        try {
            post(server, events.subList(half, events.size()));
            server.engine().finish(); // the end of input, as `vigil test` ends it
            server.notifier().orElseThrow().flush().get();
            List<String> got = new ArrayList<>();
            for (StoredAlert a : server.notifier().orElseThrow().history().alerts(AlertQuery.newest().withLimit(100_000))) {
                if (a.suppressed().isEmpty()) {
                    got.add(line(a.rule(), a.status(), JSON.readTree(a.json()).get("key"), a.time()));
                }
            }
            List<String> expected = new ArrayList<>();
            for (String l : Files.readAllLines(caseDir.resolve(test.get("expect").asText()))) {
                if (!l.isBlank()) {
                    JsonNode e = JSON.readTree(l);
                    expected.add(line(e.get("rule").asText(), e.get("status").asText(), e.get("key"),
                            Instant.parse(e.get("time").asText())));
                }
            }
            assertThat(got).as(caseDir + ": stored alerts after a restart at event " + half + ", shards "
                    + shardsBefore + " then " + shardsAfter)
                    .containsExactlyInAnyOrderElementsOf(expected);
        } finally {
            server.close();
        }
    }

    private static String line(String rule, String status, JsonNode key, Instant time) {
        return rule + " " + status + " " + key + " " + time;
    }

    private static void post(VigilServer server, List<String> lines) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < lines.size(); i += BATCH) {
            String body = String.join("\n", lines.subList(i, Math.min(lines.size(), i + BATCH))) + "\n";
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                            + "/events")).header("Content-Type", "application/x-ndjson")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        }
    }
}
