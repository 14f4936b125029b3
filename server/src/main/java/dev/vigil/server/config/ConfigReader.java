package dev.vigil.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads typed values out of a configuration tree, collecting every problem with its path instead
 * of stopping at the first. Values that went through {@code ${VAR}} substitution may arrive as
 * text, so numbers and booleans are also accepted as their text ({@code "587"}, {@code "true"}).
 * Public for the command line, which reads its test files with the same messages.
 */
public final class ConfigReader {
    final List<ConfigProblem> problems = new ArrayList<>();

    /** Every problem found so far, in reading order. */
    public List<ConfigProblem> problems() {
        return List.copyOf(problems);
    }

    public void problem(String path, String message) {
        problems.add(new ConfigProblem(path, message));
    }

    public static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    public static String index(String path, int i) {
        return path + "[" + i + "]";
    }

    /** True for an absent key, {@code key:} with nothing, and {@code null}. */
    public static boolean absent(JsonNode n) {
        return n == null || n.isMissingNode() || n.isNull();
    }

    public static String kind(JsonNode n) {
        return switch (n.getNodeType()) {
            case OBJECT, POJO -> "a mapping";
            case ARRAY -> "a list";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "nothing";
            case BINARY -> "binary data";
        };
    }

    /** The node as a mapping, or empty after reporting what it is instead. */
    public Optional<ObjectNode> object(JsonNode n, String path) {
        if (n instanceof ObjectNode o) {
            return Optional.of(o);
        }
        problem(path, "expected a mapping, got " + kind(n));
        return Optional.empty();
    }

    /** Reports every key of {@code o} not in {@code allowed}, with the nearest allowed key. */
    public void onlyKeys(ObjectNode o, String path, Collection<String> allowed) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                String hint = Suggest.nearest(k, allowed).map(s -> "; did you mean \"" + s + "\"?")
                        .orElse("; expected one of " + String.join(", ", allowed));
                problem(child(path, k), "unknown key" + hint);
            }
        }
    }

    /** A string value; empty text counts as absent (an unset {@code ${VAR:-}}). */
    public Optional<String> string(ObjectNode o, String path, String key, boolean required) {
        JsonNode n = o.get(key);
        String p = child(path, key);
        if (absent(n) || (n.isTextual() && n.asText().isEmpty())) {
            if (required) {
                problem(p, "missing");
            }
            return Optional.empty();
        }
        if (n.isTextual() || n.isNumber() || n.isBoolean()) {
            return Optional.of(n.asText());
        }
        problem(p, "expected a string, got " + kind(n));
        return Optional.empty();
    }

    public Optional<Integer> integer(ObjectNode o, String path, String key, int min, int max) {
        JsonNode n = o.get(key);
        String p = child(path, key);
        if (absent(n)) {
            return Optional.empty();
        }
        Integer v = null;
        if (n.isIntegralNumber() && n.canConvertToInt()) {
            v = n.intValue();
        } else if (n.isTextual()) {
            try {
                v = Integer.parseInt(n.asText().trim());
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        if (v == null) {
            problem(p, "expected a whole number, got " + describe(n));
            return Optional.empty();
        }
        if (v < min || v > max) {
            problem(p, "must be between " + min + " and " + max + ": " + v);
            return Optional.empty();
        }
        return Optional.of(v);
    }

    public Optional<Boolean> bool(ObjectNode o, String path, String key) {
        JsonNode n = o.get(key);
        if (absent(n)) {
            return Optional.empty();
        }
        if (n.isBoolean()) {
            return Optional.of(n.booleanValue());
        }
        if (n.isTextual()) {
            String t = n.asText().trim().toLowerCase(Locale.ROOT);
            if (t.equals("true") || t.equals("false")) {
                return Optional.of(Boolean.parseBoolean(t));
            }
        }
        problem(child(path, key), "expected true or false, got " + describe(n));
        return Optional.empty();
    }

    /**
     * A positive duration written as a number and a unit ({@code 10s}, {@code 500ms}, {@code 24h}),
     * in the grammar of {@link Durations}.
     */
    public Optional<Duration> duration(ObjectNode o, String path, String key) {
        JsonNode n = o.get(key);
        String p = child(path, key);
        if (absent(n)) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            problem(p, "expected a duration such as \"10s\", got " + describe(n));
            return Optional.empty();
        }
        String text = n.asText();
        double millis;
        try {
            millis = Durations.millis(text);
        } catch (IllegalArgumentException e) {
            problem(p, e.getMessage());
            return Optional.empty();
        }
        if (millis < 1 || millis != Math.rint(millis)) {
            problem(p, "must be a positive whole number of milliseconds: \"" + text + "\"");
            return Optional.empty();
        }
        return Optional.of(Duration.ofMillis((long) millis));
    }

    /**
     * A list of strings; a single string is taken as a list of one ({@code to: ops@example.org}).
     * Reports a missing or empty list when {@code required}.
     */
    public List<String> strings(ObjectNode o, String path, String key, boolean required) {
        JsonNode n = o.get(key);
        String p = child(path, key);
        if (absent(n)) {
            if (required) {
                problem(p, "missing");
            }
            return List.of();
        }
        if (n.isTextual()) {
            return List.of(n.asText());
        }
        if (!n.isArray()) {
            problem(p, "expected a list of strings, got " + kind(n));
            return List.of();
        }
        if (n.isEmpty() && required) {
            problem(p, "must not be empty");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            JsonNode e = n.get(i);
            if (e.isTextual() || e.isNumber()) {
                out.add(e.asText());
            } else {
                problem(index(p, i), "expected a string, got " + kind(e));
            }
        }
        return out;
    }

    /** A mapping of names to strings, in configuration order. */
    public Map<String, String> stringMap(ObjectNode o, String path, String key) {
        JsonNode n = o.get(key);
        String p = child(path, key);
        Map<String, String> out = new LinkedHashMap<>();
        if (absent(n)) {
            return out;
        }
        if (!n.isObject()) {
            problem(p, "expected a mapping, got " + kind(n));
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isTextual() || v.isNumber() || v.isBoolean()) {
                out.put(e.getKey(), v.asText());
            } else {
                problem(child(p, e.getKey()), "expected a string, got " + kind(v));
            }
        }
        return out;
    }

    private static String describe(JsonNode n) {
        return n.isTextual() ? "\"" + n.asText() + "\"" : n.isValueNode() ? n.toString() : kind(n);
    }

    /**
     * {@code text} in double quotes with control characters written as {@code \\uXXXX} (a raw NUL
     * or escape prints as nothing, or moves the cursor), naming the first one: {@code "a\\u0000b" (it
     * holds the character U+0000)}.
     */
    static String quoted(String text) {
        StringBuilder b = new StringBuilder("\"");
        int first = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                if (first < 0) {
                    first = c;
                }
            } else {
                b.append(c);
            }
        }
        b.append('"');
        if (first >= 0) {
            b.append(String.format(java.util.Locale.ROOT, " (it holds the character U+%04X)", first));
        }
        return b.toString();
    }
}
