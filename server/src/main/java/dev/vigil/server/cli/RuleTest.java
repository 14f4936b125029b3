package dev.vigil.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Json;
import dev.vigil.engine.Rejection;
import dev.vigil.engine.Times;
import dev.vigil.rules.RuleSet;
import dev.vigil.server.config.Durations;
import dev.vigil.server.config.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * A rule test file (interfaces.md, "Rule tests"): rules, events and the alerts they must raise,
 * exactly. What {@code vigil test} runs, and what the test suite runs for every conformance case.
 */
record RuleTest(Path file, String name, List<Path> rules, List<Path> events, Path expect, Duration lateness,
                OptionalLong rejected, Map<String, Path> tables) {
    private static final ObjectMapper JSON = Json.mapper();
    private static final List<String> KEYS = List.of("name", "rules", "events", "expect", "lateness", "rejected",
            "tables");
    /** The fields every expected alert must give. */
    private static final List<String> REQUIRED = List.of("rule", "status", "key", "time");

    RuleTest {
        requireNonNull(file, "file is null");
        requireNonNull(name, "name is null");
        rules = List.copyOf(rules);
        events = List.copyOf(events);
        requireNonNull(expect, "expect is null");
        requireNonNull(lateness, "lateness is null");
        requireNonNull(rejected, "rejected is null");
        tables = Map.copyOf(tables);
    }

    /** A test file that cannot be run: the message names the file and what is wrong. */
    static final class InvalidTestException extends Exception {
        private static final long serialVersionUID = 1L;

        InvalidTestException(String message) {
            super(message);
        }
    }

    /** The outcome of one test. */
    record Outcome(RuleTest test, boolean passed, int alerts, List<String> problems, List<Alert> raised) {
        Outcome {
            problems = List.copyOf(problems);
            raised = List.copyOf(raised);
        }

        Outcome(RuleTest test, boolean passed, int alerts, List<String> problems) {
            this(test, passed, alerts, problems, List.of());
        }
    }

    static RuleTest load(Path file) throws InvalidTestException {
        JsonNode root;
        try {
            // Decoded here and parsed from the text (Yaml.readTree): reading bytes or a plain Reader,
            // a character across the YAML reader's 1024-character buffer fails (jackson-dataformats-text#508).
            String text = dev.vigil.engine.Utf8.decode(Files.readAllBytes(file));
            root = Yaml.readTree(text.startsWith("\ufeff") ? text.substring(1) : text, "a rule test file");
        } catch (dev.vigil.engine.Utf8.MalformedException e) {
            throw new InvalidTestException(file + ": cannot read test file: " + e.getMessage());
        } catch (IOException e) {
            throw new InvalidTestException(file + ": cannot read test file: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidTestException(file + ": expected a YAML mapping with rules, events and expect");
        }
        dev.vigil.server.config.ConfigReader keys = new dev.vigil.server.config.ConfigReader();
        keys.onlyKeys((com.fasterxml.jackson.databind.node.ObjectNode) root, "", KEYS);
        if (!keys.problems().isEmpty()) {
            throw new InvalidTestException(file + ": " + keys.problems().get(0));
        }
        Path dir = file.toAbsolutePath().getParent();
        List<Path> rules = paths(file, dir, root, "rules");
        List<Path> events = paths(file, dir, root, "events");
        List<Path> expect = paths(file, dir, root, "expect");
        if (expect.size() != 1) {
            throw new InvalidTestException(file + ": expect: expected one file, got " + expect.size());
        }
        Duration lateness = Duration.ZERO;
        if (root.hasNonNull("lateness")) {
            try {
                lateness = Durations.parse(root.get("lateness").asText());
            } catch (IllegalArgumentException e) {
                throw new InvalidTestException(file + ": lateness: " + e.getMessage());
            }
        }
        OptionalLong rejected = OptionalLong.empty();
        if (root.has("rejected")) {
            JsonNode r = root.get("rejected");
            if (!r.canConvertToLong() || !r.isIntegralNumber() || r.longValue() < 0) {
                throw new InvalidTestException(file + ": rejected: expected a whole number >= 0, got " + r);
            }
            rejected = OptionalLong.of(r.longValue());
        }
        String name = root.hasNonNull("name") ? root.get("name").asText() : file.toString();
        Map<String, Path> tables = new java.util.LinkedHashMap<>();
        JsonNode t = root.get("tables");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) {
                throw new InvalidTestException(file + ": tables: expected a mapping of table names to files, got " + t);
            }
            for (var e : (Iterable<Map.Entry<String, JsonNode>>) t::fields) {
                if (!e.getValue().isTextual()) {
                    throw new InvalidTestException(file + ": tables." + e.getKey() + ": expected a file name, got "
                            + e.getValue());
                }
                Path p = dir.resolve(e.getValue().asText()).normalize();
                if (!Files.exists(p)) {
                    throw new InvalidTestException(file + ": tables." + e.getKey() + ": no such file: " + p);
                }
                tables.put(e.getKey(), p);
            }
        }
        return new RuleTest(file, name, rules, events, expect.get(0), lateness, rejected, tables);
    }

    private static List<Path> paths(Path file, Path dir, JsonNode root, String key) throws InvalidTestException {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            throw new InvalidTestException(file + ": " + key + ": missing");
        }
        List<Path> out = new ArrayList<>();
        if (n.isTextual()) {
            out.add(dir.resolve(n.asText()).normalize());
        } else if (n.isArray() && !n.isEmpty()) {
            for (JsonNode e : n) {
                if (!e.isTextual()) {
                    throw new InvalidTestException(file + ": " + key + ": expected file names, got " + e);
                }
                out.add(dir.resolve(e.asText()).normalize());
            }
        } else {
            throw new InvalidTestException(file + ": " + key + ": expected a file name or a list of them, got " + n);
        }
        for (Path p : out) {
            if (!Files.exists(p)) {
                throw new InvalidTestException(file + ": " + key + ": no such file: " + p);
            }
        }
        return out;
    }

    /** Runs the test; failures come back as problems, never as exceptions. */
    Outcome run() throws InterruptedException {
        return run(1);
    }

    /** Runs the test with this many engine shards ({@code vigil test --shards}). */
    Outcome run(int shards) throws InterruptedException {
        List<String> problems = new ArrayList<>();
        List<JsonNode> expected;
        try {
            expected = readExpected();
        } catch (InvalidTestException e) {
            return new Outcome(this, false, 0, List.of(e.getMessage()));
        }
        RuleSet ruleSet;
        try {
            ruleSet = Replayer.loadRules(rules);
        } catch (Replayer.RulesException e) {
            return new Outcome(this, false, 0, List.of(e.getMessage()));
        }
        List<Alert> alerts = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        try {
            Replayer.replay(ruleSet, events, Optional.empty(), lateness, 0, shards, tables,
                    p -> problems.add("table row refused: " + p), new AlertSink() {
                @Override
                public void onAlert(Alert alert) {
                    synchronized (alerts) {
                        alerts.add(alert);
                    }
                }
            }, r -> {
                synchronized (rejections) {
                    rejections.add(r);
                }
            }, null);
        } catch (Replayer.RulesException | IOException e) {
            return new Outcome(this, false, 0, List.of(e.getMessage()));
        }
        if (rejected.isPresent()) {
            if (rejections.size() != rejected.getAsLong()) {
                problems.add("rejected: expected " + rejected.getAsLong() + " events to be rejected, got "
                        + rejections.size());
                rejections.stream().limit(10).forEach(r -> problems.add("  rejected " + r));
            }
        } else if (!rejections.isEmpty()) {
            problems.add(rejections.size() + " events rejected (add `rejected: N` to the test if that is expected):");
            rejections.stream().limit(10).forEach(r -> problems.add("  rejected " + r));
        }
        List<ObjectNode> actual = alerts.stream().map(Alert::toJsonNode).toList();
        boolean[] used = new boolean[actual.size()];
        List<JsonNode> missing = new ArrayList<>();
        for (JsonNode want : expected) {
            int found = -1;
            for (int i = 0; i < actual.size(); i++) {
                if (!used[i] && matches(want, actual.get(i))) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                missing.add(want);
            } else {
                used[found] = true;
            }
        }
        List<JsonNode> unexpected = new ArrayList<>();
        for (int i = 0; i < actual.size(); i++) {
            if (!used[i]) {
                unexpected.add(brief(actual.get(i)));
            }
        }
        Comparator<JsonNode> byTime = Comparator.comparing(n -> n.path("time").asText());
        missing.sort(byTime);
        unexpected.sort(byTime);
        if (!missing.isEmpty()) {
            problems.add(missing.size() + " missing:");
            missing.forEach(m -> problems.add("  missing    " + m));
        }
        if (!unexpected.isEmpty()) {
            problems.add(unexpected.size() + " unexpected:");
            unexpected.forEach(u -> problems.add("  unexpected " + u));
        }
        return new Outcome(this, problems.isEmpty(), alerts.size(), problems, alerts);
    }

    private List<JsonNode> readExpected() throws InvalidTestException {
        List<JsonNode> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(expect);
        } catch (IOException e) {
            throw new InvalidTestException(expect + ": cannot read: " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new InvalidTestException(expect + ":" + (i + 1) + ": not valid JSON");
            }
            for (String field : REQUIRED) {
                if (!n.has(field)) {
                    throw new InvalidTestException(expect + ":" + (i + 1) + ": missing `" + field + "`");
                }
            }
            try {
                Times.parse(n.get("time").asText());
            } catch (DateTimeParseException e) {
                throw new InvalidTestException(expect + ":" + (i + 1) + ": time: not an ISO-8601 time: " + n.get("time"));
            }
            out.add(n);
        }
        return out;
    }

    /** Every field the expectation gives equals the alert's (times as instants, numbers by value). */
    static boolean matches(JsonNode want, JsonNode got) {
        for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            JsonNode g = got.get(f.getKey());
            if (g == null) {
                return false;
            }
            if (Set.of("time", "raisedAt").contains(f.getKey())) {
                try {
                    if (Times.parse(f.getValue().asText()) != Times.parse(g.asText())) {
                        return false;
                    }
                } catch (DateTimeParseException e) {
                    return false;
                }
            } else if (!f.getValue().equals(NUMERIC, g)) {
                return false;
            }
        }
        return true;
    }

    private static final Comparator<JsonNode> NUMERIC = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return Double.compare(a.doubleValue(), b.doubleValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private static JsonNode brief(ObjectNode alert) {
        ObjectNode o = JSON.createObjectNode();
        for (String f : List.of("rule", "status", "key", "time", "message")) {
            o.set(f, alert.get(f));
        }
        return o;
    }
}
