package dev.vigil.server.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One name rule ({@link RuleLibrary#NAME}) for every rule-file route and for the folder scan, so
 * what runs and what the folder holds never disagree. Over real HTTP; after each refusal a good
 * event still raises its alert.
 */
class RuleFileNamesTest {
    private static final String RULE = "a rule file name is at most 100 letters, digits, '.', '_' and '-', starts"
            + " with a letter or digit, has no '..' and ends in .rules ((?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9._-]{0,93}\\.rules)";
    private static final String LONGEST = "n".repeat(94) + ".rules";

    @TempDir
    Path dir;

    /** A refused name: (as written in the URL, as the server reads it). */
    private record BadName(String inUrl, String name) {
    }

    private static final List<BadName> BAD = List.of(
            new BadName(".hidden.rules", ".hidden.rules"),        // the folder scan skips hidden files
            new BadName("..rules", "..rules"),
            new BadName("a..b.rules", "a..b.rules"),
            new BadName("a%2Fb.rules", "a/b.rules"),               // a separator
            new BadName("a%5Cb.rules", "a\\b.rules"),
            new BadName("a%20b.rules", "a b.rules"),
            new BadName("r%C3%A8gles.rules", "r\u00e8gles.rules"),
            new BadName("-x.rules", "-x.rules"),
            new BadName("x.txt", "x.txt"),
            new BadName("x.rules.bak", "x.rules.bak"),
            new BadName(".rules", ".rules"),
            new BadName("n" + LONGEST, "n" + LONGEST));            // 101 characters

    private static String refusal(String name) {
        return "{\"error\":\"invalid rule file name `" + name.replace("\\", "\\\\") + "`: "
                + RULE.replace("\\", "\\\\") + "\"}";
    }

    @Test
    void badName_isRefusedWith400_byPutGetDeleteAndValidate_andNothingChanges() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            for (BadName bad : BAD) {
                String path = "/api/rule-files/" + bad.inUrl();
                for (HttpResponse<String> r : List.of(
                        s.send("PUT", path, RuleFilesServer.MAIN.replace("big", "other")),
                        s.send("GET", path, null),
                        s.send("DELETE", path, null),
                        s.send("POST", "/api/rule-files/validate?name=" + bad.inUrl(), RuleFilesServer.MAIN))) {
                    assertThat(r.statusCode()).as(r.request().method() + " " + bad.name()).isEqualTo(400);
                    assertThat(r.body()).as(r.request().method() + " " + bad.name()).isEqualTo(refusal(bad.name()));
                    s.stillAlerts();
                }
            }
            assertThat(s.folder()).containsExactly("main.rules");
            assertThat(s.send("GET", "/api/rule-files", null).body()).startsWith("[{\"name\":\"main.rules\"")
                    .doesNotContain("},{");
        }
    }

    @Test
    void longestName_isAccepted_writtenToTheFolder_andReloadedFromIt() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            String text = "rule other { when E(v > 100) key k }\n";
            assertThat(s.send("PUT", "/api/rule-files/" + LONGEST, text).statusCode()).isEqualTo(200);
            assertThat(s.send("PUT", "/api/rule-files/a-b_c.d.rules", text.replace("other", "third")).statusCode())
                    .isEqualTo(200);
            assertThat(s.folder()).containsExactly("a-b_c.d.rules", "main.rules", LONGEST);
            HttpResponse<String> reload = s.send("POST", "/api/reload", null);
            assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
            assertThat(reload.body()).contains("\"removed\":[]");
            assertThat(s.send("GET", "/api/rule-files/" + LONGEST, null).body()).isEqualTo(text);
            s.stillAlerts();
        }
    }

    @Test
    void folderScan_hiddenFilesAndFolders_areNotRead() throws Exception {
        // A mounted Kubernetes ConfigMap: the files are links into a hidden, timestamped folder.
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.createDirectories(rules.resolve("..2026_12_01_10_00_00.123"));
        Files.writeString(rules.resolve("..2026_12_01_10_00_00.123/main.rules"), RuleFilesServer.MAIN);
        Files.createSymbolicLink(rules.resolve("..data"), Path.of("..2026_12_01_10_00_00.123"));
        Files.createSymbolicLink(rules.resolve("main.rules"), Path.of("..data/main.rules"));
        // An AppleDouble file and an editor's backup: not rule files, and not text.
        Files.write(rules.resolve("._main.rules"), new byte[] {0, 5, 22, 7, (byte) 0xff});
        Files.writeString(rules.resolve(".main.rules"), "this is not read");
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            assertThat(s.send("GET", "/api/rule-files", null).body()).startsWith("[{\"name\":\"main.rules\"")
                    .doesNotContain("},{");
            assertThat(s.send("POST", "/api/reload", null).statusCode()).isEqualTo(200);
            s.stillAlerts();
        }
    }

    @Test
    void folderScan_misnamedFileOrSubFolder_refusesTheStart_namingEachFileAndTheRule() throws Exception {
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.writeString(rules.resolve("fraud rules.rules"), "rule two { when E key k }\n");
        Files.createDirectories(rules.resolve("team"));
        Files.writeString(rules.resolve("team/cards.rules"), "rule three { when E key k }\n");
        assertThatThrownBy(() -> VigilServer.start(RuleFilesServer.config(dir), Clock.systemUTC()))
                .isInstanceOf(VigilServer.StartException.class)
                .hasMessage("the rule files in " + rules + " have errors:\n"
                        + "fraud rules.rules: not a valid rule file name; rename it (" + RULE + ")\n"
                        + "team/cards.rules: rule file in a sub-folder: rule files are read from the rules folder"
                        + " itself; move it up or out (" + RULE + ")");
    }

    @Test
    void folderScan_misnamedFileAddedWhileRunning_reloadIs422_andWhatRunsIsUnchanged() throws Exception {
        try (RuleFilesServer s = RuleFilesServer.start(dir)) {
            Files.writeString(s.rules.resolve("Fraud Rules.rules"), "rule two { when E key k }\n");
            HttpResponse<String> reload = s.send("POST", "/api/reload", null);
            assertThat(reload.statusCode()).isEqualTo(422);
            assertThat(reload.body()).isEqualTo("{\"errors\":[{\"file\":\"Fraud Rules.rules\",\"line\":0,\"column\":0,"
                    + "\"message\":\"not a valid rule file name; rename it (" + RULE.replace("\\", "\\\\") + ")\"}]}");
            assertThat(s.send("GET", "/api/rules", null).body()).contains("\"id\":\"big\"").doesNotContain("two");
            s.stillAlerts();

            Files.move(s.rules.resolve("Fraud Rules.rules"), s.rules.resolve("fraud-rules.rules"));
            assertThat(s.send("POST", "/api/reload", null).statusCode()).isEqualTo(200);
            assertThat(s.send("GET", "/api/rules", null).body()).contains("\"id\":\"two\"");
        }
    }

    @Test
    void name_pattern_table() {
        for (BadName bad : BAD) {
            assertThat(RuleLibrary.NAME.matcher(bad.name()).matches()).as(bad.name()).isFalse();
        }
        for (String good : List.of("a.rules", "0.rules", "fraud.rules", "Fraud_2-b.v1.rules", LONGEST)) {
            assertThat(RuleLibrary.NAME.matcher(good).matches()).as(good).isTrue();
        }
        assertThat(LONGEST.getBytes(StandardCharsets.UTF_8)).hasSize(100);
    }
}
