package dev.vigil.server.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Alert;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shards change nothing an alert says (design.md, "Scale"): every conformance case and example,
 * replayed with 2 and 4 shards, raises exactly the alerts of one engine, ids, times, messages,
 * values and events included, and the alerts of each rule and key come in the same order. Stricter than the
 * rule tests, which check only the fields their expectations give.
 */
class ShardEquivalenceTest {
    private static final Path REPO = Path.of("..");

    @TestFactory
    Stream<DynamicTest> everyCaseAndExample_withShards_raisesTheAlertsOfOneEngine() throws IOException {
        List<Path> files = new ArrayList<>();
        files.addAll(find(REPO.resolve("conformance"), "case.test.yaml"));
        files.addAll(find(REPO.resolve("../shared/conformance"), "case.test.yaml"));
        files.addAll(find(REPO.resolve("examples"), ".test.yaml"));
        assertThat(files).isNotEmpty();
        return files.stream().map(f -> DynamicTest.dynamicTest(REPO.relativize(f).toString(), () -> {
            RuleTest test = RuleTest.load(f);
            List<Alert> one = test.run(1).raised();
            assertThat(one).as("alerts of " + f).isNotEmpty();
            for (int shards : List.of(2, 4)) {
                List<Alert> many = test.run(shards).raised();
                assertThat(sorted(many)).as(f + " with " + shards + " shards").isEqualTo(sorted(one));
                assertThat(byKey(many)).as(f + " with " + shards + " shards, per rule and key").isEqualTo(byKey(one));
            }
        }));
    }

    /** Every alert as JSON without the wall-clock time it was raised at, in event-time then id order. */
    static List<String> sorted(List<Alert> alerts) {
        List<String> out = new ArrayList<>();
        alerts.stream().sorted(Comparator.comparingLong(Alert::time).thenComparing(Alert::id)).forEach(a -> {
            ObjectNode n = a.toJsonNode();
            n.remove("raisedAt");
            out.add(n.toString());
        });
        return out;
    }

    /**
     * The alert ids of each rule and key in the order raised: the order that means something
     * (alerts of different keys at one moment, a tumbling window's end, come in any order).
     */
    static Map<String, List<String>> byKey(List<Alert> alerts) {
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (Alert a : alerts) {
            out.computeIfAbsent(a.rule() + " " + a.key(), r -> new ArrayList<>()).add(a.id() + "@" + a.time());
        }
        return out;
    }

    private static List<Path> find(Path root, String suffix) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }
}
