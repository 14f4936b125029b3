package dev.vigil.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void replay_printsAlertsAsJsonLines_sameIdsEveryTime() throws Exception {
        String[] args = {"replay", "--rules", "../conformance/sequence/case.rules",
                "--events", "../conformance/sequence/events.jsonl"};
        Run first = run(args);
        Run second = run(args);

        assertThat(first.code()).isZero();
        String[] lines = first.out().split("\n");
        assertThat(lines).hasSize(18);
        JsonNode alert = JSON.readTree(lines[0]);
        assertThat(alert.get("id").asText()).matches("[0-9a-f]{32}");
        assertThat(alert.get("rule").asText()).isEqualTo("card_testing");
        assertThat(alert.get("status").asText()).isEqualTo("firing");
        assertThat(alert.get("severity").asText()).isEqualTo("critical");
        assertThat(alert.get("events")).hasSize(2);
        assertThat(ids(first.out())).isEqualTo(ids(second.out()));
        assertThat(first.err()).contains("900 events (0 rejected, 0 late), 18 alerts");
    }

    private static String ids(String out) {
        return out.replaceAll("\"raisedAt\":\"[^\"]+\",", "");
    }

    @Test
    void replay_csvAndGzip_areReadTransparently(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("r.rules"), """
                event Reading { sensor string  value double  at timestamp }
                rule hot { when Reading(value > 50) key sensor message "{sensor} at {value:0.0} ({at})" }
                """);
        String csv = "sensor,value,at,note\ns1,20,2026-01-01T00:00:00Z,x\ns2,60.5,2026-01-01T00:00:01Z,\ns3,abc,2026-01-01T00:00:02Z,y\n";
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
            z.write(csv.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.write(dir.resolve("Reading.csv.gz"), gz.toByteArray());

        Run r = run("replay", "--rules", dir.resolve("r.rules").toString(), "--events", dir.resolve("Reading.csv.gz").toString());

        assertThat(r.code()).isZero();
        JsonNode alert = JSON.readTree(r.out().strip());
        assertThat(alert.get("message").asText()).isEqualTo("s2 at 60.5 (2026-01-01T00:00:01.000Z)");
        assertThat(r.err()).contains("Reading.csv.gz:4: field `value` of Reading: expected a number, got \"abc\"")
                .contains("3 events (1 rejected, 0 late), 1 alerts");
    }

    @Test
    void replay_brokenRules_exitOneWithDiagnostics(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.rules"), "event E { k string }\nrule r { when F(k > 1) }\n");
        Files.writeString(dir.resolve("e.jsonl"), "");
        Run r = run("replay", "--rules", dir.resolve("bad.rules").toString(), "--events", dir.resolve("e.jsonl").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("bad.rules:2:");
    }

    @Test
    void replay_missingEventFile_isAUsageError() {
        Run r = run("replay", "--rules", "../conformance/sequence/case.rules", "--events", "nope.jsonl");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no such event file: nope.jsonl");
    }

    @Test
    void explain_printsTheEplOfEachRule() {
        Run r = run("explain", "../conformance/unshipped/case.rules");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("create objectarray schema Order_t")
                .contains("every t_a=Order_t")
                .contains("(timer:interval(1 hour) and not Shipment(`orderId` = t_a.`orderId`))");
    }

    @Test
    void explain_printsEachRulesHorizonAboveItsEpl_andTheEnginesLast() {
        Run r = run("explain", "../conformance/unshipped/case.rules");

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("-- rule unshipped (../conformance/unshipped/case.rules:13)\n-- horizon: 1 h\n"
                + "@Name('unshipped')");
        assertThat(r.out().strip().lines().reduce((a, b) -> b)).contains("-- engine horizon: 1 h: the longest of the"
                + " enabled rules, each capped by state.maxHorizon (24 h by default)");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void explain_ruleWithoutAHorizon_isCommentedAndWarnedAbout(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("spree.rules"), """
                event Tx { card string  amount double  at timestamp }
                rule spree { when Tx by card over session 10 min having count() >= 3 }
                """);

        Run r = run("explain", file.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("-- rule spree (" + file + ":2)\n-- horizon: unbounded (a session window),"
                + " capped by state.maxHorizon (24 h by default)\n");
        assertThat(r.err()).isEqualTo(file + ":2:35: warning: rule spree: unbounded horizon (a session window): capped"
                + " by state.maxHorizon (24 h by default) for recovery\n");
    }
}
