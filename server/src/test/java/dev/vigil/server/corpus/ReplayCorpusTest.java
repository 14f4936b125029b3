package dev.vigil.server.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Json;
import dev.vigil.server.cli.VigilCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input corpus of recorded files ({@code corpus/replay.yaml}): {@code vigil replay} (through
 * {@link VigilCli#run}) rejects each bad line with its file, line and reason on standard error, and
 * the good lines, before and after the bad ones, still raise their alerts on standard output.
 */
class ReplayCorpusTest {
    /** A good event for probe N: the probe rule alerts for it; its time is N seconds into 2026. */
    private static final Pattern GOOD = Pattern.compile("\\{good:(\\d+)}");
    private static final long T0 = 1_767_225_600_000L;
    private static Path dir;

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("vigil-replay-corpus-");
        Files.writeString(dir.resolve("probe.rules"), ProbeServer.PROBE_RULES);
    }

    @AfterAll
    static void stop() throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static List<ReplayCase> cases() {
        return Corpus.load("replay.yaml", ReplayCase.class, ReplayCase::name);
    }

    static List<ReplayCase> knownDefects() {
        return Corpus.load("known-defects/replay.yaml", ReplayCase.class, ReplayCase::name);
    }

    static String good(int n) {
        return "{\"type\":\"Tx\",\"data\":{\"source\":\"probe\",\"n\":" + n + ",\"at\":" + (T0 + n * 1000L) + "}}";
    }

    /** The text with each {@code {good:N}} replaced by the JSON line of probe N. */
    static String expandGood(String text) {
        Matcher m = GOOD.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(good(Integer.parseInt(m.group(1)))));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** What one replay printed and returned. */
    record Replay(int exit, String out, String err, Path file) {
    }

    static Replay replay(ReplayCase c) throws IOException {
        Path caseDir = Files.createDirectories(dir.resolve(Integer.toHexString(c.name().hashCode())));
        Path file = caseDir.resolve(c.file());
        Corpus.Context ctx = Corpus.Context.fresh();
        byte[] content = ctx.bytes(c.text() == null ? null : expandGood(c.text()), c.bytes());
        if (c.file().endsWith(".gz") && (c.gzipCut() == null || c.gzipCut() >= 0)) {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
                z.write(content);
            }
            content = gz.toByteArray();
            if (c.gzipCut() != null) {
                content = Arrays.copyOf(content, content.length - c.gzipCut());
            }
        }
        Files.write(file, content);
        List<String> args = new ArrayList<>(List.of("replay", "--rules", dir.resolve("probe.rules").toString(),
                "--events", file.toString()));
        if (c.args() != null) {
            Corpus.Context named = ctx.withDir(dir.toString());
            c.args().forEach(a -> args.add(named.expand(a)));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = VigilCli.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
        return new Replay(exit, out.toString(), err.toString(), file);
    }

    /** The probe numbers of the probe rule's alerts on standard output, in order (echo alerts are passed over). */
    static List<Integer> probes(String out) throws IOException {
        List<Integer> n = new ArrayList<>();
        for (String line : out.lines().toList()) {
            JsonNode alert = Json.mapper().readTree(line);
            if (alert.path("rule").asText().equals("probe")) {
                n.add(alert.path("key").path("n").asInt());
            }
        }
        return n;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void recordedFileWithBadLines_rejectsEachWithFileLineAndReason_andTheGoodLinesStillAlert(ReplayCase c)
            throws Exception {
        check(c);
    }

    @Disabled("defect: the cases of corpus/known-defects/replay.yaml state what a user should get; each says what happens today")
    @ParameterizedTest(name = "{0}")
    @MethodSource("knownDefects")
    void knownDefect_recordedFileWithBadLines_rejectsEachWithFileLineAndReason_andTheGoodLinesStillAlert(ReplayCase c)
            throws Exception {
        check(c);
    }

    private static void check(ReplayCase c) throws Exception {
        Replay r = replay(c);
        Corpus.Context ctx = Corpus.Context.fresh().withFile(r.file().toString()).withDir(dir.toString());
        assertThat(r.err()).as("no stack trace from vigil replay").doesNotContain("\tat ").doesNotContain("Exception in");
        assertThat(r.exit()).as("exit status; standard error: %s", r.err()).isEqualTo(c.exit() == null ? 0 : c.exit());
        assertThat(probes(r.out())).as("the alerts of the good lines").isEqualTo(c.alerts() == null ? List.of() : c.alerts());
        if (c.stderr() != null) {
            assertThat(r.err()).as("standard error").isEqualTo(ctx.expand(c.stderr()) + "\n");
            return;
        }
        List<String> lines = r.err().lines().toList();
        List<String> rejected = c.rejected() == null ? List.of() : c.rejected().stream().map(ctx::expand).toList();
        assertThat(lines.subList(0, Math.max(0, lines.size() - 1))).as("the rejections on standard error")
                .isEqualTo(rejected);
        assertThat(lines).as("standard error ends with the summary").isNotEmpty();
        assertThat(lines.get(lines.size() - 1)).as("the summary").startsWith(c.summary() + " in ");
    }
}
