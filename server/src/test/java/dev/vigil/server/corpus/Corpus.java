package dev.vigil.server.corpus;

import com.fasterxml.jackson.databind.JavaType;
import dev.vigil.server.config.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bad-input corpus: one YAML file per category under {@code src/test/resources/corpus/}, each a
 * list of cases (input and the exact answer), read into the category's case record. The files are
 * read with the server's own YAML mapper (a key written twice is an error) and an unknown key in a
 * case fails the test, so a misspelt expectation cannot pass silently.
 *
 * <p>Text in a case may hold placeholders, expanded when the case runs (in inputs and in expected
 * messages alike, with the same values):
 * <ul>
 *   <li>{@code {{N*TEXT}}}: TEXT repeated N times (deep nesting, long names, big bodies);
 *   <li>{@code {now}} and {@code {now+1h}}: the wall clock (plus one hour) in epoch milliseconds,
 *   {@code {nowIso}} and {@code {nowIso+1h}} the same in ISO-8601;
 *   <li>category-specific ones ({@code {file}}, {@code {dir}}, {@code {busyPort}}), given by the runner.
 * </ul>
 * A {@code bytes} or {@code raw} field is sent as ISO-8859-1, one character per byte, so YAML's
 * double-quoted {@code "\xff"} is the byte 0xff; a {@code body} or {@code text} field is UTF-8.
 */
final class Corpus {
    private static final Pattern REPEAT = Pattern.compile("\\{\\{(\\d+)\\*(.*?)}}", Pattern.DOTALL);
    private static final Pattern NAMED = Pattern.compile("\\{(now|now\\+1h|nowIso|nowIso\\+1h|file|dir|busyPort|port)}");

    private Corpus() {
    }

    /** Every case of one category file, in file order; names must be unique. */
    static <T> List<T> load(String file, Class<T> type, Function<T, String> name) {
        String resource = "/corpus/" + file;
        try (InputStream in = Corpus.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no corpus file " + resource + " on the test class path");
            }
            JavaType list = Yaml.mapper().getTypeFactory().constructCollectionType(List.class, type);
            // Read as text: jackson-dataformat-yaml 2.18.2 decoding a byte stream fails on a multi-byte
            // character split across its 1024-byte buffers (FasterXML/jackson-dataformats-text#508).
            List<T> read = Yaml.mapper().readValue(new String(in.readAllBytes(), StandardCharsets.UTF_8), list);
            List<T> cases = read == null ? List.of() : read; // a known-defects file whose cases are all fixed
            Set<String> names = new HashSet<>();
            for (T c : cases) {
                String n = name.apply(c);
                if (n == null || n.isBlank() || !names.add(n)) {
                    throw new IllegalStateException(resource + ": case names must be present and unique: " + n);
                }
            }
            return List.copyOf(cases);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    /** The values placeholders take in one run of one case. */
    record Context(long now, String file, String dir, int busyPort, int port) {
        static Context fresh() {
            return new Context(System.currentTimeMillis(), "", "", 0, 0);
        }

        Context withFile(String f) {
            return new Context(now, f, dir, busyPort, port);
        }

        Context withDir(String d) {
            return new Context(now, file, d, busyPort, port);
        }

        Context withBusyPort(int p) {
            return new Context(now, file, dir, p, port);
        }

        Context withPort(int p) {
            return new Context(now, file, dir, busyPort, p);
        }

        /** {@code text} with every placeholder expanded; null stays null. */
        String expand(String text) {
            if (text == null) {
                return null;
            }
            Matcher r = REPEAT.matcher(text);
            StringBuilder repeated = new StringBuilder();
            while (r.find()) {
                r.appendReplacement(repeated, Matcher.quoteReplacement(r.group(2).repeat(Integer.parseInt(r.group(1)))));
            }
            r.appendTail(repeated);
            Matcher m = NAMED.matcher(repeated);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String value = switch (m.group(1)) {
                    case "now" -> Long.toString(now);
                    case "now+1h" -> Long.toString(now + 3_600_000);
                    case "nowIso" -> iso(now);
                    case "nowIso+1h" -> iso(now + 3_600_000);
                    case "file" -> file;
                    case "dir" -> dir;
                    case "busyPort" -> Integer.toString(busyPort);
                    case "port" -> Integer.toString(port);
                    default -> throw new IllegalStateException(m.group(1));
                };
                m.appendReplacement(out, Matcher.quoteReplacement(value));
            }
            m.appendTail(out);
            return out.toString();
        }

        /** A {@code body}/{@code text} as UTF-8, or else a {@code bytes} field as one byte per character. */
        byte[] bytes(String utf8, String latin1) {
            if (utf8 != null && latin1 != null) {
                throw new IllegalStateException("a case gives either text or bytes, not both");
            }
            if (latin1 != null) {
                return latin1(expand(latin1));
            }
            return utf8 == null ? new byte[0] : expand(utf8).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** One byte per character; a character above U+00FF is a mistake in the corpus file. */
    static byte[] latin1(String s) {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xff) {
                throw new IllegalStateException("a bytes field holds U+" + Integer.toHexString(c)
                        + " (write bytes as \\xNN in a double-quoted YAML string)");
            }
            out[i] = (byte) c;
        }
        return out;
    }

    /** ISO-8601 with milliseconds, as Vigil prints times. */
    static String iso(long millis) {
        String s = Instant.ofEpochMilli(millis).toString();
        return s.length() == 20 ? s.substring(0, 19) + ".000Z" : s;
    }
}
