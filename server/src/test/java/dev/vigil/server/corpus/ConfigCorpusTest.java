package dev.vigil.server.corpus;

import dev.vigil.server.cli.VigilCli;
import dev.vigil.server.config.ConfigException;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.ConfigProblem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The bad-input corpus of configuration files ({@code corpus/config.yaml}): each is refused by
 * ConfigLoader with its exact problems and by {@code vigil run} (through {@link VigilCli#run}, in this
 * JVM) with exit 1 and exactly those lines on standard error, or, when it reads, {@code vigil run}
 * cannot start and prints one exact message. Nothing prints a stack trace, and a server running in
 * the same JVM still alerts after each failed start.
 */
class ConfigCorpusTest {
    /** How long a refused start may take; one that is not refused would run until stopped. */
    private static final long RUN_TIMEOUT_SECONDS = 30;
    private static ProbeServer witness;
    /** A port that is taken, for the case of a busy server.port. */
    private static ServerSocket busy;

    @BeforeAll
    static void start() throws Exception {
        witness = ProbeServer.standard();
        busy = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterAll
    static void stop() throws Exception {
        if (busy != null) {
            busy.close();
        }
        if (witness != null) {
            witness.close();
        }
    }

    static List<ConfigCase> cases() {
        return Corpus.load("config.yaml", ConfigCase.class, ConfigCase::name);
    }

    static List<ConfigCase> knownDefects() {
        return Corpus.load("known-defects/config.yaml", ConfigCase.class, ConfigCase::name);
    }

    /** What reading and running one configuration gave. */
    record Outcome(Optional<List<String>> problems, int exit, String out, String err) {
    }

    /** Writes the case's folder under {@code root} and reads and runs its configuration. */
    static Outcome run(ConfigCase c, Path root, Corpus.Context ctx) throws Exception {
        Path dir = Files.createDirectories(root.resolve(Integer.toHexString(c.name().hashCode())));
        if (!Boolean.TRUE.equals(c.noRules())) {
            Files.createDirectories(dir.resolve("rules"));
            Files.writeString(dir.resolve("rules/probe.rules"), ProbeServer.PROBE_RULES);
        }
        if (c.files() != null) {
            for (Map.Entry<String, String> f : c.files().entrySet()) {
                Path p = dir.resolve(f.getKey());
                if (f.getValue() == null) {
                    Files.createDirectories(p);
                } else {
                    Files.createDirectories(p.getParent());
                    Files.writeString(p, f.getValue());
                }
            }
        }
        Path file = dir.resolve("vigil.yaml");
        ctx = ctx.withDir(dir.toString()).withFile(file.toString());
        if (!Files.isDirectory(file)) {
            Files.write(file, ctx.bytes(c.yaml(), c.bytes()));
        }
        Optional<List<String>> problems;
        try {
            new ConfigLoader(Map.of()).load(file);
            problems = Optional.empty();
        } catch (ConfigException e) {
            problems = Optional.of(e.problems().stream().map(ConfigProblem::toString).toList());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        // Its own thread, not a shared pool: a start that is not refused runs until the JVM ends.
        FutureTask<Integer> run = new FutureTask<>(() ->
                VigilCli.run(new PrintWriter(out), new PrintWriter(err), "run", "--config", file.toString()));
        Thread thread = new Thread(run, "vigil-run-" + c.name());
        thread.setDaemon(true);
        thread.start();
        int exit;
        try {
            exit = run.get(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("vigil run did not refuse " + file + " within " + RUN_TIMEOUT_SECONDS
                    + " s: it started (or hangs); standard error so far: " + err);
        }
        return new Outcome(problems, exit, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenConfiguration_isRefusedWithItsExactMessage_andNothingElseStops(ConfigCase c) throws Exception {
        check(c);
    }

    @Disabled("defect: the cases of corpus/known-defects/config.yaml state what a user should get; each says what happens today")
    @ParameterizedTest(name = "{0}")
    @MethodSource("knownDefects")
    void knownDefect_brokenConfiguration_isRefusedWithItsExactMessage_andNothingElseStops(ConfigCase c) throws Exception {
        check(c);
    }

    private static void check(ConfigCase c) throws Exception {
        Corpus.Context ctx = Corpus.Context.fresh().withBusyPort(busy.getLocalPort());
        Path root = witness.dir().resolve("configs");
        Outcome o = run(c, root, ctx);
        Path dir = root.resolve(Integer.toHexString(c.name().hashCode()));
        Corpus.Context expand = ctx.withDir(dir.toString()).withFile(dir.resolve("vigil.yaml").toString());

        assertThat(o.err()).as("no stack trace from vigil run").doesNotContain("\tat ").doesNotContain("Exception in");
        assertThat(o.out()).as("vigil run prints nothing to standard output").isEmpty();
        assertThat(o.exit()).as("exit status of vigil run; standard error: %s", o.err())
                .isEqualTo(c.exit() == null ? 1 : c.exit());
        if (c.problems() != null) {
            assertThat(o.problems()).as("ConfigLoader's problems").hasValue(c.problems().stream().map(expand::expand).toList());
        } else {
            assertThat(o.problems()).as("the configuration reads (Vigil fails at start); ConfigLoader's problems").isEmpty();
        }
        if (c.stderr() != null) {
            assertThat(o.err()).as("what vigil run prints").isEqualTo(expand.expand(c.stderr()) + "\n");
        } else if (c.stderrPrefix() != null) {
            assertThat(o.err()).as("what vigil run prints").startsWith(expand.expand(c.stderrPrefix()));
        } else if (c.problems() != null) {
            List<String> lines = new ArrayList<>();
            c.problems().forEach(p -> lines.add(dir.resolve("vigil.yaml") + ": " + expand.expand(p)));
            lines.add(c.problems().size() + " configuration error" + (c.problems().size() == 1 ? "" : "s"));
            assertThat(o.err()).as("what vigil run prints").isEqualTo(String.join("\n", lines) + "\n");
        } else {
            fail("case %s states neither problems nor what vigil run prints", c.name());
        }
        witness.assertStillAlerts(c.name());
    }
}
