package dev.vigil.server.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reference tables from the command line: {@code tables:} in a rule test and {@code vigil replay
 * --table NAME=FILE}, CSV and JSONL, bad rows refused with their file and line.
 */
class TablesCliTest {
    private static final Path DIR = Path.of("src/test/resources/tables");

    private record Run(int code, String out, String err) {
    }

    private static Run vigil(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @ParameterizedTest(name = "shards {0}")
    @ValueSource(ints = {1, 2})
    void ruleTest_withTables_passes(int shards) {
        Run r = vigil("test", "--shards", Integer.toString(shards), DIR.resolve("tables.test.yaml").toString());
        assertThat(r.out()).as(r.out() + r.err()).contains("PASS").contains("1 passed, 0 failed");
        assertThat(r.code()).isZero();
    }

    @Test
    void ruleTest_withBadTableRows_failsNamingEachRow() {
        Run r = vigil("test", DIR.resolve("bad-rows.test.yaml").toString());
        assertThat(r.code()).isEqualTo(1);
        // The test file's folder resolves the table files: their absolute paths.
        assertThat(r.out()).contains("table row refused: " + DIR.toAbsolutePath().resolve("merchants.csv")
                + ":4: field `limit`: expected a number, got \"lots\"");
        assertThat(r.out()).contains("table row refused: " + DIR.toAbsolutePath().resolve("blocked.jsonl")
                + ":2: key field `cardId` is missing");
    }

    @Test
    void replay_withTables_raisesTheLookupsAlerts_andReportsBadRows() {
        Run r = vigil("replay", "--rules", DIR.resolve("fraud.rules").toString(), "--events",
                DIR.resolve("events.jsonl").toString(), "--table", "Merchant=" + DIR.resolve("merchants.csv"),
                "--table", "BlockedCard=" + DIR.resolve("blocked.jsonl"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.out()).contains("\"rule\":\"risky_merchant\"", "\"message\":\"Card c-1: 600.0 at m-1 (risk high,"
                + " limit 500.0)\"", "\"rule\":\"blocked_card\"", "\"cardId\":\"c-9\"");
        assertThat(r.err()).contains("rejected row " + DIR.resolve("merchants.csv") + ":4: field `limit`: expected a"
                + " number, got \"lots\"");
    }

    @Test
    void explain_showsHowALookupRuns() {
        Run r = vigil("explain", DIR.resolve("fraud.rules").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("-- reads table Merchant: each vigil_table_* or vigil_in_table call is one hash"
                + " lookup in the engine's copy of the rows");
        assertThat(r.out()).contains("vigil_table_double(\"Merchant\", \"limit\", {`merchant`})",
                "vigil_in_table(\"BlockedCard\", {`cardId`})");
    }

    @Test
    void replay_withAnUndeclaredTable_orABadArgument_fails() {
        Run r = vigil("replay", "--rules", DIR.resolve("fraud.rules").toString(), "--events",
                DIR.resolve("events.jsonl").toString(), "--table", "Nope=" + DIR.resolve("merchants.csv"));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("table Nope: the rules declare no such table; they declare Merchant, BlockedCard");
        Run bad = vigil("replay", "--rules", DIR.resolve("fraud.rules").toString(), "--events",
                DIR.resolve("events.jsonl").toString(), "--table", "Merchant");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--table: expected NAME=FILE, got Merchant");
    }
}
