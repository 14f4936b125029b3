package dev.vigil.server.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /api/rule-files/validate} runs the checks of a {@code PUT}, Esper's compiler
 * included, and deploys nothing: what it refuses a PUT refuses with the same answer, and what it
 * passes deploys. Over real HTTP; after each refusal a good event still raises its alert.
 */
class RuleFileValidateTest {
    @TempDir
    Path dir;

    /** A file that passes the language's checks or not, and the one error both routes give for it. */
    private record Case(String what, String text, int line, int column, String message) {
        String errors(String file) {
            return "{\"errors\":[{\"file\":\"" + file + "\",\"line\":" + line + ",\"column\":" + column
                    + ",\"message\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}]}";
        }
    }

    private static final String DEEP = "(".repeat(100_000) + "1" + ")".repeat(100_000);

    private static final List<Case> REFUSED = List.of(
            new Case("raw EPL naming an unknown property", "rule raw { when epl \"\"\"select nosuch from E\"\"\" }\n",
                    1, 1, "rule raw: Failed to validate select-clause expression 'nosuch': Property named 'nosuch'"
                    + " is not valid in any stream [@Name('raw:source') insert into vigil_raw_raw select nosuch from E]"),
            new Case("raw EPL nested 100,000 parentheses deep",
                    "# deep\nrule deep { when epl \"\"\"select * from E(v > " + DEEP + ")\"\"\" }\n",
                    2, 1, "rule deep: rule is too large: its EPL nests too deeply to compile"),
            new Case("raw EPL over an undeclared type", "rule nowhere { when epl \"\"\"select * from Nowhere\"\"\" }\n",
                    1, 1, "rule nowhere: Failed to resolve event type, named window or table by name 'Nowhere'"
                    + " [@Name('nowhere:source') insert into vigil_raw_nowhere select * from Nowhere]"),
            new Case("an unknown field", "rule bad { when E(vv > 1) key k }\n",
                    1, 19, "unknown field `vv` in E; did you mean `v`?"),
            new Case("a rule id that main.rules has", "rule big { when E key k }\n",
                    1, 6, "duplicate rule id `big`; also declared at main.rules:2"),
            new Case("a channel the configuration lacks", "rule loud { when E key k notify pager }\n",
                    1, 33, "rule loud: unknown channel \"pager\"; no channels are configured"));

    @Test
    void validate_refusesWhatPutRefuses_withTheSameAnswer_andNothingChanges() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            for (Case c : REFUSED) {
                HttpResponse<String> validate = s.send("POST", "/api/rule-files/validate?name=x.rules", c.text());
                assertThat(validate.statusCode()).as("validate: " + c.what()).isEqualTo(422);
                assertThat(validate.body()).as("validate: " + c.what()).isEqualTo(c.errors("x.rules"));
                s.stillAlerts();

                HttpResponse<String> put = s.send("PUT", "/api/rule-files/x.rules", c.text());
                assertThat(put.statusCode()).as("put: " + c.what()).isEqualTo(422);
                assertThat(put.body()).as("put: " + c.what()).isEqualTo(validate.body());
                s.stillAlerts();
            }
            // Without ?name= the text is a file of its own, named (validate).rules in the errors.
            Case raw = REFUSED.get(0);
            HttpResponse<String> unnamed = s.send("POST", "/api/rule-files/validate", raw.text());
            assertThat(unnamed.statusCode()).isEqualTo(422);
            assertThat(unnamed.body()).isEqualTo(raw.errors("(validate).rules"));
            assertThat(s.folder()).containsExactly("main.rules");
            assertThat(s.send("GET", "/api/rules", null).body()).startsWith("[{\"id\":\"big\"").doesNotContain("},{");
            assertThat(s.send("GET", "/health", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void validate_passesWhatPutDeploys_andDeploysNothingItself() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            String text = "rule raw { when epl \"\"\"select k, v from E(v > 100)\"\"\" key k }\n";
            HttpResponse<String> validate = s.send("POST", "/api/rule-files/validate?name=x.rules", text);
            assertThat(validate.statusCode()).as(validate.body()).isEqualTo(200);
            assertThat(validate.body()).isEqualTo("{\"ok\":true}");
            assertThat(s.folder()).containsExactly("main.rules");
            assertThat(s.send("GET", "/api/rules", null).body()).doesNotContain("\"raw\"");
            s.stillAlerts();

            HttpResponse<String> put = s.send("PUT", "/api/rule-files/x.rules", text);
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            assertThat(put.body()).contains("\"deployed\":[\"raw\"]");
        }
    }
}
