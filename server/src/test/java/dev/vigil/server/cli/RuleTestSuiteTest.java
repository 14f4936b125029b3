package dev.vigil.server.cli;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every conformance case (the repository's copy and, when it is there, ../shared/conformance, where
 * new cases appear) and every example rule test, through the same code path as {@code vigil test}.
 */
class RuleTestSuiteTest {
    private static final Path REPO = Path.of("..");
    /** The shard counts every case runs with. */
    static final List<Integer> SHARDS = List.of(1, 2, 4);

    @TestFactory
    Stream<DynamicTest> conformanceCases_inTheRepository_pass() throws IOException {
        return tests(find(REPO.resolve("conformance"), "case.test.yaml"), true);
    }

    @TestFactory
    Stream<DynamicTest> conformanceCases_inShared_pass() throws IOException {
        Path shared = REPO.resolve("../shared/conformance");
        if (!Files.isDirectory(shared)) {
            return Stream.empty();
        }
        return tests(find(shared, "case.test.yaml"), true);
    }

    @TestFactory
    Stream<DynamicTest> exampleRuleTests_pass() throws IOException {
        return tests(find(REPO.resolve("examples"), ".test.yaml"), false);
    }

    private static Stream<DynamicTest> tests(List<Path> files, boolean required) {
        if (required) {
            assertThat(files).isNotEmpty();
        }
        // Every case with one engine and with shards (engine.shards): the alerts must not change.
        return files.stream().flatMap(f -> SHARDS.stream().map(n -> DynamicTest.dynamicTest(
                REPO.relativize(f) + " (shards " + n + ")", () -> {
                    RuleTest.Outcome outcome = RuleTest.load(f).run(n);
                    assertThat(outcome.problems()).as("problems of " + f + " with " + n + " shards").isEmpty();
                    assertThat(outcome.passed()).isTrue();
                })));
    }

    private static List<Path> find(Path root, String suffix) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void test_aWrongExpectation_failsWithMissingAndUnexpectedAlerts(@TempDir Path dir) throws Exception {
        Path source = REPO.resolve("conformance/sequence");
        for (String f : List.of("case.rules", "events.jsonl", "case.test.yaml")) {
            Files.copy(source.resolve(f), dir.resolve(f));
        }
        List<String> expected = new ArrayList<>(Files.readAllLines(source.resolve("expected-alerts.jsonl")));
        String first = expected.remove(0);
        expected.add(first.replaceFirst("\"cardId\": \"c-[0-9]+\"", "\"cardId\": \"c-nobody\""));
        Files.write(dir.resolve("expected-alerts.jsonl"), expected);

        StringWriter out = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(out))
                .execute("test", dir.resolve("case.test.yaml").toString());

        assertThat(code).isEqualTo(1);
        assertThat(out.toString())
                .contains("FAIL ")
                .contains("missing    {\"rule\":\"card_testing\",\"status\":\"firing\",\"key\":{\"cardId\":\"c-nobody\"}")
                .contains("unexpected {\"rule\":\"card_testing\"")
                .endsWith("0 passed, 1 failed\n");
    }

    @Test
    void test_unknownKeyInTestFile_namesItAndSuggests(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("t.test.yaml"), "name: x\nrules: [a.rules]\nevent: e.jsonl\nexpect: x.jsonl\n");
        StringWriter out = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(out))
                .execute("test", dir.resolve("t.test.yaml").toString());
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).contains("event: unknown key; did you mean \"events\"?");
    }

    @Test
    void test_rejectedEventsFailUnlessExpected(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("r.rules"), "event E { k string  at timestamp }\nrule all { when E key k }\n");
        Files.writeString(dir.resolve("events.jsonl"), """
                {"type": "E", "data": {"k": "a", "at": "2026-01-01T00:00:00Z"}}
                {"type": "E", "data": {"k": 5, "at": "2026-01-01T00:00:01Z"}}
                {"type": "Nope", "data": {}}
                """);
        Files.writeString(dir.resolve("expected.jsonl"),
                "{\"rule\": \"all\", \"status\": \"firing\", \"key\": {\"k\": \"a\"}, \"time\": \"2026-01-01T00:00:00Z\"}\n");
        Files.writeString(dir.resolve("strict.test.yaml"), "rules: r.rules\nevents: events.jsonl\nexpect: expected.jsonl\n");
        Files.writeString(dir.resolve("lenient.test.yaml"),
                "rules: r.rules\nevents: events.jsonl\nexpect: expected.jsonl\nrejected: 2\n");

        StringWriter out = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(out))
                .execute("test", dir.resolve("strict.test.yaml").toString(), dir.resolve("lenient.test.yaml").toString());

        assertThat(code).isEqualTo(1);
        assertThat(out.toString())
                .contains("2 events rejected")
                .contains("events.jsonl:2: field `k` of E: expected a string, got a number 5")
                .contains("events.jsonl:3: unknown event type `Nope` (declared: E)")
                .contains("PASS " + dir.resolve("lenient.test.yaml"))
                .endsWith("1 passed, 1 failed\n");
    }
}
