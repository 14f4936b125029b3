package dev.vigil.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vigil replay --compare OLD}: the alerts of --rules as a plain replay prints them, and the comparison. */
class ReplayCompareTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int code, String out, String err) {
        List<String> ids() {
            return Arrays.stream(out.split("\n")).filter(l -> !l.isBlank()).map(l -> {
                try {
                    return JSON.readTree(l).get("id").asText();
                } catch (Exception e) {
                    throw new AssertionError(l, e);
                }
            }).toList();
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @TempDir
    Path dir;

    private Path events() throws Exception {
        List<String> lines = new ArrayList<>();
        int[] values = {20, 50, -5, 5, 35};
        for (int i = 0; i < values.length; i++) {
            lines.add("{\"type\":\"E\",\"id\":\"e" + i + "\",\"time\":\"2024-03-05T10:00:0" + i + "Z\",\"data\":{\"k\":\"k"
                    + i + "\",\"v\":" + values[i] + "}}");
        }
        return Files.writeString(dir.resolve("events.jsonl"), String.join("\n", lines) + "\n");
    }

    private Path rules(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void compare_changedThreshold_printsTheNewAlerts_andTheDifferencePerRule() throws Exception {
        Path old = rules("old.rules", "event E { k string  v int }\nrule big { when E(v > 10) key k }\n"
                + "rule small { when E(v < 0) key k }\n");
        Path neu = rules("new.rules", "event E { k string  v int }\nrule big { when E(v > 30) key k }\n"
                + "rule small { when E(v < 0) key k }\n");
        Path events = events();
        Path json = dir.resolve("compare.json");

        Run compare = run("replay", "--rules", neu.toString(), "--events", events.toString(), "--compare",
                old.toString(), "--compare-json", json.toString());
        Run plainNew = run("replay", "--rules", neu.toString(), "--events", events.toString());
        Run plainOld = run("replay", "--rules", old.toString(), "--events", events.toString());

        assertThat(compare.code()).as(compare.err()).isZero();
        assertThat(compare.ids()).as("the same alerts as a replay of --rules alone")
                .containsExactlyInAnyOrderElementsOf(plainNew.ids()).hasSize(3);
        List<String> removed = plainOld.ids().stream().filter(id -> !plainNew.ids().contains(id)).toList();
        assertThat(removed).hasSize(1); // k0's v 20: over 10, not over 30
        assertThat(compare.err()).contains("compare big (changed): 0 added, 1 removed, 2 unchanged\n  removed "
                + removed.get(0) + "\n");
        assertThat(compare.err()).contains("compare small (same): 0 added, 0 removed, 1 unchanged\n");
        assertThat(compare.err()).contains("compare: 5 events (0 rejected by --rules, 0 by --compare): 0 added,"
                + " 1 removed, 3 unchanged in ");

        JsonNode answer = JSON.readTree(Files.readString(json));
        assertThat(answer.get("events").asLong()).isEqualTo(5);
        assertThat(answer.get("alertsTotal").asLong()).isEqualTo(3);
        assertThat(answer.get("alerts")).hasSize(3);
        assertThat(answer.get("totals").toString()).isEqualTo("{\"added\":0,\"removed\":1,\"unchanged\":3}");
        assertThat(answer.get("rules").get(0).get("ids").get("removed").get(0).asText()).isEqualTo(removed.get(0));
    }

    @Test
    void compare_sameRules_allUnchanged() throws Exception {
        Run r = run("replay", "--rules", "../conformance/sequence/case.rules", "--events",
                "../conformance/sequence/events.jsonl", "--compare", "../conformance/sequence/case.rules");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.ids()).hasSize(18);
        assertThat(r.err()).contains("0 added, 0 removed, 18 unchanged");
    }

    @Test
    void compare_badOldFile_exits1WithItsDiagnostics() throws Exception {
        Path old = rules("old.rules", "event E { k string  v int }\nrule big { when E(vv > 10) key k }\n");
        Path neu = rules("new.rules", "event E { k string  v int }\nrule big { when E(v > 30) key k }\n");
        Run r = run("replay", "--rules", neu.toString(), "--events", events().toString(), "--compare", old.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains(old + ":2:19: unknown field `vv` in E; did you mean `v`?").contains("1 error in rule files");
    }

    @Test
    void compareJson_withoutCompare_isWrongUsage() throws Exception {
        Run r = run("replay", "--rules", rules("new.rules", "event E { k string }\n").toString(), "--events",
                events().toString(), "--compare-json", dir.resolve("x.json").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--compare-json needs --compare OLD");
    }
}
