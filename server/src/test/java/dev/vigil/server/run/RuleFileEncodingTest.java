package dev.vigil.server.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rule files are strict UTF-8 however they arrive: a PUT or validate body, or a file in the
 * folder. The first bad byte is an error of the file with its line and column, as {@code vigil
 * check} reports it. Over real HTTP; after each refusal a good event still raises its alert.
 */
class RuleFileEncodingTest {
    @TempDir
    Path dir;

    /** Bytes that are not UTF-8, and where the first bad one is. */
    private record Case(String what, byte[] bytes, int line, int column, int offset) {
        String errors(String file) {
            return "{\"errors\":[{\"file\":\"" + file + "\",\"line\":" + line + ",\"column\":" + column
                    + ",\"message\":\"not valid UTF-8 text (first bad byte at offset " + offset + ")\"}]}";
        }
    }

    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }

    private static final String RULE = "rule r { when E key k }\n";

    private static final List<Case> CASES = List.of(
            // Column 24: 22 characters, then é (two bytes, one character), then the bad byte.
            new Case("a lone 0xff after multi-byte characters", bytes("# r\u00e8gles\nrule r { when E(k == \"\u00e9",
                    0xff, "\") key k }\n"), 2, 24, 34),
            new Case("Latin-1 text", bytes("# caf", 0xe9, "\n" + RULE), 1, 6, 5),
            new Case("an overlong '/'", bytes("# ", 0xc0, 0xaf, "\n" + RULE), 1, 3, 2),
            new Case("an encoded surrogate (CESU-8), after a byte-order mark", bytes(0xef, 0xbb, 0xbf, "# ",
                    0xed, 0xa0, 0x80, "\n" + RULE), 1, 3, 5),
            new Case("a sequence cut short at the end", bytes(RULE + "# ", 0xe2, 0x82), 2, 3, 26));

    @Test
    void invalidUtf8_isRefusedByPutAndValidate_withItsLineAndColumn_andNothingChanges() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            for (Case c : CASES) {
                HttpResponse<String> put = s.send("PUT", "/api/rule-files/bad.rules", c.bytes(), "text/plain");
                assertThat(put.statusCode()).as("put: " + c.what()).isEqualTo(422);
                assertThat(put.body()).as("put: " + c.what()).isEqualTo(c.errors("bad.rules"));
                s.stillAlerts();

                HttpResponse<String> validate = s.send("POST", "/api/rule-files/validate?name=bad.rules", c.bytes(),
                        "text/plain; charset=utf-8");
                assertThat(validate.statusCode()).as("validate: " + c.what()).isEqualTo(422);
                assertThat(validate.body()).as("validate: " + c.what()).isEqualTo(c.errors("bad.rules"));
                s.stillAlerts();
            }
            assertThat(s.folder()).containsExactly("main.rules");
            assertThat(s.send("GET", "/api/rule-files/bad.rules", null).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void aCharsetOtherThanUtf8_is415() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            for (String path : List.of("/api/rule-files/latin.rules", "/api/rule-files/validate")) {
                HttpResponse<String> r = s.send(path.endsWith("validate") ? "POST" : "PUT", path,
                        bytes("# caf", 0xe9, "\n" + RULE), "text/plain; charset=ISO-8859-1");
                assertThat(r.statusCode()).as(path).isEqualTo(415);
                assertThat(r.body()).isEqualTo("{\"error\":\"unsupported charset `iso-8859-1`: rule files are UTF-8"
                        + " (send charset=utf-8 or none)\"}");
                s.stillAlerts();
            }
            assertThat(s.folder()).containsExactly("main.rules");
        }
    }

    @Test
    void utf8Text_isDeployedAsSent_withoutAByteOrderMark() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            String text = "# r\u00e8gles \u2603\nrule snow { when E(k == \"caf\u00e9 \u2603\") key k message \"\u2603 {k}\" }\n";
            HttpResponse<String> put = s.send("PUT", "/api/rule-files/snow.rules", bytes(0xef, 0xbb, 0xbf, text),
                    "text/plain; charset=\"UTF-8\"");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            assertThat(s.send("GET", "/api/rule-files/snow.rules", null).body()).isEqualTo(text);
            assertThat(Files.readString(s.rules.resolve("snow.rules"))).isEqualTo(text);
            assertThat(s.send("POST", "/api/rule-files/validate?name=snow.rules", text).body()).isEqualTo("{\"ok\":true}");
            s.stillAlerts();
        }
    }

    @Test
    void invalidUtf8InTheFolder_refusesReloadAndStart_withItsLineAndColumn() throws Exception {
        Case latin = CASES.get(1);
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            Files.write(s.rules.resolve("latin.rules"), latin.bytes());
            HttpResponse<String> reload = s.send("POST", "/api/reload", null);
            assertThat(reload.statusCode()).isEqualTo(422);
            assertThat(reload.body()).isEqualTo(latin.errors("latin.rules"));
            s.stillAlerts();
        }
        assertThatThrownBy(() -> VigilServer.start(RuleFilesServer.config(dir), Clock.systemUTC()))
                .isInstanceOf(VigilServer.StartException.class)
                .hasMessage("the rule files in " + dir.resolve("rules") + " have errors:\n"
                        + "latin.rules:1:6: not valid UTF-8 text (first bad byte at offset 5)");
    }
}
