package dev.vigil.server.corpus;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Json;
import dev.vigil.rules.CompileResult;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;
import dev.vigil.server.cli.VigilCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input corpus of rule files ({@code corpus/rule-files.yaml}): the compiler, {@code vigil
 * check} and {@code PUT /api/rule-files/{name}} of a running server give the same exact diagnostics
 * for each broken file, and the server's rules still alert after it.
 */
class RuleFileCorpusTest {
    private static ProbeServer server;
    private static Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = ProbeServer.standard();
        dir = server.dir().resolve("cases");
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    static List<RuleCase> cases() {
        return Corpus.load("rule-files.yaml", RuleCase.class, RuleCase::name);
    }

    static List<RuleCase> knownDefects() {
        return Corpus.load("known-defects/rule-files.yaml", RuleCase.class, RuleCase::name);
    }

    /** What {@code vigil check} printed and returned. */
    record Check(int status, String out, String err) {
    }

    static Check check(Path file) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = VigilCli.run(new PrintWriter(out), new PrintWriter(err), "check", file.toString());
        return new Check(status, out.toString(), err.toString());
    }

    /** The compiler's diagnostics of one file named case.rules, as {@code line:column: message}. */
    static List<String> compile(String text) {
        CompileResult r = RulesCompiler.compile(new SourceFile("case.rules", text));
        return r.diagnostics().stream().map(d -> d.line() + ":" + d.column() + ": " + d.message()).toList();
    }

    /** What the admin API answers to the file, and its errors as {@code line:column: message} (file case.rules). */
    static RawHttp.Response put(byte[] body) throws Exception {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Host", "localhost");
        h.put("Authorization", "Bearer " + ProbeServer.ADMIN_TOKEN);
        h.put("Content-Type", "text/plain; charset=utf-8");
        h.put("Connection", "close");
        return RawHttp.exchange(server.port(), RawHttp.request("PUT", "/api/rule-files/case.rules", h, body, false));
    }

    static List<String> errors(RawHttp.Response r) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode e : Json.mapper().readTree(r.body()).path("errors")) {
            out.add((e.path("file").asText().equals("case.rules") ? "" : e.path("file").asText() + ":")
                    + e.path("line").asInt() + ":" + e.path("column").asInt() + ": " + e.path("message").asText());
        }
        return out;
    }

    /** The file as {@code vigil check} prints one diagnostic: the position, the source line and a caret. */
    static String formatted(String file, String text, String diagnostic) {
        String[] parts = diagnostic.split(":", 3);
        int line = Integer.parseInt(parts[0]);
        int column = Integer.parseInt(parts[1]);
        String[] lines = text.split("\n", -1);
        String source = line - 1 < lines.length ? lines[line - 1] : "";
        StringBuilder caret = new StringBuilder();
        for (int i = 0; i < column - 1 && i < source.length(); i++) {
            caret.append(source.charAt(i) == '\t' ? '\t' : ' ');
        }
        return file + ":" + diagnostic + "\n    " + source + "\n    " + caret + "^";
    }

    static Path write(RuleCase c, Corpus.Context ctx) throws Exception {
        Path caseDir = Files.createDirectories(dir.resolve(Integer.toHexString(c.name().hashCode())));
        Path file = caseDir.resolve("case.rules");
        Files.write(file, ctx.bytes(c.text(), c.bytes()));
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenFile_compilerCheckAndApiGiveTheSameExactDiagnostics_andTheRulesStillAlert(RuleCase c) throws Exception {
        run(c);
    }

    @Disabled("defect: the cases of corpus/known-defects/rule-files.yaml state what a user should get; each says what happens today")
    @ParameterizedTest(name = "{0}")
    @MethodSource("knownDefects")
    void knownDefect_brokenFile_compilerCheckAndApiGiveTheSameExactDiagnostics_andTheRulesStillAlert(RuleCase c)
            throws Exception {
        run(c);
    }

    private static void run(RuleCase c) throws Exception {
        Corpus.Context ctx = Corpus.Context.fresh();
        Path file = write(c, ctx);
        Check check = check(file);
        assertThat(check.status()).as("vigil check exits 1: %s", check.out()).isEqualTo(1);
        assertThat(check.err()).as("vigil check prints to standard output only").isEmpty();
        if (c.text() != null) {
            String text = ctx.expand(c.text());
            // A message that names a file ({file}) names it as the reader was given it.
            Corpus.Context named = ctx.withFile("case.rules");
            Corpus.Context given = ctx.withFile(file.toString());
            List<String> expected = c.diagnostics().stream().map(named::expand).toList();
            assertThat(compile(text)).as("the compiler's diagnostics").containsExactlyElementsOf(expected);

            StringBuilder out = new StringBuilder();
            c.diagnostics().forEach(d -> out.append(formatted(file.toString(), text, given.expand(d))).append('\n'));
            out.append("1 file checked: ").append(expected.size()).append(expected.size() == 1 ? " error" : " errors")
                    .append(" in 1 file\n");
            assertThat(check.out()).as("vigil check's output").isEqualTo(out.toString());

            RawHttp.Response put = put(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(put.status()).as("PUT /api/rule-files/case.rules: %s", put.body()).isEqualTo(422);
            assertThat(errors(put)).as("the admin API's errors").containsExactlyElementsOf(expected);
        } else {
            ctx = ctx.withFile(file.toString());
            assertThat(check.out()).as("vigil check's output")
                    .isEqualTo(ctx.expand(c.check()) + "\n1 file checked: 1 error in 1 file\n");
        }
        server.assertStillAlerts(c.name());
    }
}
