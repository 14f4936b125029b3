package dev.vigil.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The conformance cases straight through the engine (the full `vigil test` path is tested in the
 * server module): alerts compared on rule, status, key and time.
 */
class ConformanceSmokeTest {
    @TestFactory
    Stream<DynamicTest> conformanceCases() throws Exception {
        Path root = Path.of("..", "conformance");
        List<Path> cases;
        try (Stream<Path> s = Files.list(root)) {
            cases = s.filter(p -> Files.exists(p.resolve("case.rules"))).sorted().toList();
        }
        assertThat(cases).isNotEmpty();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> run(c)));
    }

    private static void run(Path dir) throws Exception {
        var rules = TestRules.compile("case.rules", Files.readString(dir.resolve("case.rules")));
        List<String> actual = new ArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
                actual.add(line(alert.rule(), alert.status().text(), Json.mapper().valueToTree(alert.key()).toString(),
                        alert.time()));
            }
        })) {
            engine.deploy(rules);
            int line = 0;
            for (String text : Files.readAllLines(dir.resolve("events.jsonl"))) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                Decoded d = engine.decoder().decodeJson(text, "events.jsonl:" + line);
                assertThat(d).isInstanceOf(Decoded.Accepted.class);
                engine.submit(((Decoded.Accepted) d).event());
            }
            engine.finish();
        }
        List<String> expected = new ArrayList<>();
        for (String text : Files.readAllLines(dir.resolve("expected-alerts.jsonl"))) {
            if (text.isBlank()) {
                continue;
            }
            JsonNode n = Json.mapper().readTree(text);
            expected.add(line(n.get("rule").asText(), n.get("status").asText(), n.get("key").toString(),
                    Times.parse(n.get("time").asText())));
        }
        assertThat(actual).containsExactlyInAnyOrderElementsOf(expected);
    }

    private static String line(String rule, String status, String key, long time) {
        return rule + " " + status + " " + key + " " + Times.format(time);
    }
}
