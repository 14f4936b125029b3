package dev.vigil.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CheckCommandTest {

    private static final String TRANSACTION = """
            event Transaction {
                cardId    string
                amount    double
                merchant  string
                at        timestamp
            }
            """;

    private static final String BIG_PURCHASE = TRANSACTION + """

            rule big_purchase "Single purchase above 10 000" {
                when Transaction(amount > 10000)
                key cardId
                severity high
                message "Card {cardId}: {amount} at {merchant}"
            }
            """;

    private static final String CARD_TESTING = TRANSACTION + """

            rule card_testing "Tiny test charge, then a large purchase on the same card" {
                when a: Transaction(amount < 2) -> b: Transaction(amount > 500) by cardId within 10 min
                severity critical
            }
            """;

    /** Line 11, column 5 is the misspelt keyword {@code severty}. */
    private static final String MISSPELT_KEYWORD = TRANSACTION + """

            rule huge_purchase "Single purchase above 100 000" {
                when Transaction(amount > 100000)
                key cardId
                severty high
            }
            """;

    @TempDir
    Path dir;

    @Test
    void check_validFiles_exitsZeroWithSummaryOnly() throws IOException {
        Path first = write("big.rules", BIG_PURCHASE);
        Path second = write("testing.rules", CARD_TESTING);

        Run run = vigil("check", first.toString(), second.toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.outLines()).containsExactly("2 files checked, no errors");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void check_oneFile_saysFileInTheSingular() throws IOException {
        Run run = vigil("check", write("big.rules", BIG_PURCHASE).toString());

        assertThat(run.outLines()).containsExactly("1 file checked, no errors");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void check_brokenFile_printsLocatedDiagnosticAndExitsOne() throws IOException {
        Path valid = write("big.rules", BIG_PURCHASE);
        Path broken = write("broken.rules", MISSPELT_KEYWORD);

        Run run = vigil("check", valid.toString(), broken.toString());

        assertThat(run.out()).contains(broken + ":11:5: ", "severty", "    severty high");
        assertThat(run.out()).doesNotContain(valid.toString());
        assertThat(run.outLines()).last().asString().matches("2 files checked: \\d+ errors? in 1 file");
        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void check_threeMistakesInOneFile_reportsEachWithItsLocation() throws IOException {
        Path file = write("mistakes.rules", TRANSACTION + """

                rule big_purchase "Single purchase above 10 000" {
                    when Transaction(amout > 10000)
                    key cardId
                }

                rule velocity "Too many purchases on one card" {
                    when Transaction by cardId over sliding 5 min having count() >= 5
                    severty warning
                }

                rule testing "Test charge, then a large one" {
                    when a: Transactoin(amount < 2) -> b: Transaction(amount > 500) by cardId within 10 min
                }
                """);

        Run run = vigil("check", file.toString());

        assertThat(run.outLines())
                .filteredOn(line -> line.startsWith(file.toString()))
                .extracting(line -> line.substring(file.toString().length(), line.indexOf(": ")))
                .containsExactly(":9:22", ":15:5", ":19:13");
        assertThat(run.out()).contains("amout", "severty", "Transactoin");
        assertThat(run.outLines()).last().isEqualTo("1 file checked: 3 errors in 1 file");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void check_sameRuleIdInTwoFiles_isAnError() throws IOException {
        Path first = write("a.rules", BIG_PURCHASE);
        Path second = write("b.rules", BIG_PURCHASE);

        Run run = vigil("check", first.toString(), second.toString());

        assertThat(run.out()).contains("big_purchase");
        assertThat(run.outLines()).last().asString().startsWith("2 files checked: 1 error in 1 file");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void check_directory_checksRuleFilesBelowItInPathOrder() throws IOException {
        write("b.rules", MISSPELT_KEYWORD);
        write("a.rules", MISSPELT_KEYWORD.replace("huge_purchase", "other"));
        write("sub/c.rules", CARD_TESTING.replace("event Transaction", "event Payment")
                .replace("Transaction(", "Payment("));
        write("notes.txt", "not a rule file");
        write(".hidden/d.rules", "this is not checked");
        write(".e.rules", "nor is this");

        Run run = vigil("check", dir.toString());

        String out = run.out();
        assertThat(out.indexOf(dir.resolve("a.rules") + ":11:5: "))
                .isNotNegative()
                .isLessThan(out.indexOf(dir.resolve("b.rules") + ":11:5: "));
        assertThat(out).doesNotContain("c.rules", "d.rules", "e.rules", "notes.txt");
        assertThat(run.outLines()).last().asString().matches("3 files checked: \\d+ errors in 2 files");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void check_fileNamedTwice_isCheckedOnce() throws IOException {
        Path file = write("big.rules", BIG_PURCHASE);

        Run run = vigil("check", file.toString(), dir.toString(), dir.resolve(".").resolve("big.rules").toString());

        assertThat(run.outLines()).containsExactly("1 file checked, no errors");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void check_fileNotUtf8_isAnErrorInThatFile() throws IOException {
        Path valid = write("big.rules", BIG_PURCHASE);
        Path latin1 = dir.resolve("latin1.rules");
        Files.write(latin1, "# caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

        Run run = vigil("check", valid.toString(), latin1.toString());

        assertThat(run.outLines()).containsExactly(
                latin1 + ":1: not valid UTF-8 text (first bad byte at offset 5)",
                "2 files checked: 1 error in 1 file");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void check_missingFile_isUsageErrorNamingThePath() throws IOException {
        Path valid = write("big.rules", BIG_PURCHASE);
        Path missing = dir.resolve("nope.rules");

        Run run = vigil("check", valid.toString(), missing.toString());

        assertThat(run.out()).isEmpty();
        assertThat(run.errLines()).containsExactly(
                "vigil check: no such file or directory: " + missing,
                "Try 'vigil check --help' for more information.");
        assertThat(run.exitCode()).isEqualTo(2);
    }

    @Test
    void check_directoryWithoutRuleFiles_isUsageError() throws IOException {
        write("empty/notes.txt", "nothing here");

        Run run = vigil("check", dir.resolve("empty").toString());

        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("no .rules files in directory: " + dir.resolve("empty"));
        assertThat(run.exitCode()).isEqualTo(2);
    }

    @Test
    void check_withoutArguments_isUsageError() {
        Run run = vigil("check");

        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("FILE_OR_DIR");
        assertThat(run.exitCode()).isEqualTo(2);
    }

    @Test
    void check_help_describesTheCommand() {
        Run run = vigil("check", "--help");

        assertThat(run.out()).contains("Usage: vigil check", "FILE_OR_DIR", "Exit status:");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void check_conformanceCases_areAllValid() {
        Path conformance = Path.of(System.getProperty("vigil.conformance.dir", "../conformance"));
        assertThat(conformance.resolve("filter/case.rules")).isRegularFile();

        Run run = vigil("check", conformance.toString());

        assertThat(run.outLines()).singleElement().asString().matches("\\d+ files checked, no errors");
        assertThat(run.exitCode()).isZero();
    }

    /** Rules of every horizon kind; the line and column of each `when` (or window) are in the warnings below. */
    private static final String HORIZONS = TRANSACTION + """

            rule velocity { when Transaction by cardId over sliding 5 min having count() >= 5 }
            rule spree { when Transaction by cardId over session 10 min having count() >= 3 }
            rule pair { when a: Transaction -> b: Transaction(amount > a.amount) by cardId }
            rule quiet { when a: Transaction -> absent Transaction for 2 h by cardId }
            rule weekly { when Transaction by cardId over tumbling 7 d having count() > 100 }
            rule off { when a: Transaction -> b: Transaction by cardId within 3 h  enabled false }
            """;

    @Test
    void check_rulesWithoutAHorizon_warnOnStandardError_andStillPass() throws IOException {
        Path file = write("horizons.rules", HORIZONS);

        Run run = vigil("check", file.toString());

        assertThat(run.outLines()).containsExactly("1 file checked, no errors");
        assertThat(run.errLines()).containsExactly(
                file + ":9:46: warning: rule spree: unbounded horizon (a session window): capped by"
                        + " state.maxHorizon (24 h by default) for recovery",
                file + ":10:18: warning: rule pair: unbounded horizon (a pattern without `within`): capped by"
                        + " state.maxHorizon (24 h by default) for recovery",
                file + ":12:47: warning: rule weekly: horizon 7 d is longer than the cap: capped by"
                        + " state.maxHorizon (24 h by default) for recovery");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void check_horizonOption_printsEachRuleThenTheEngine_afterTheSummary() throws IOException {
        Path file = write("horizons.rules", HORIZONS);

        Run run = vigil("check", "--horizon", file.toString());

        assertThat(run.outLines()).containsExactly(
                "1 file checked, no errors",
                "rule velocity (" + file + ":8): horizon 5 min",
                "rule spree (" + file + ":9): horizon unbounded (a session window), capped by state.maxHorizon"
                        + " (24 h by default)",
                "rule pair (" + file + ":10): horizon unbounded (a pattern without `within`), capped by"
                        + " state.maxHorizon (24 h by default)",
                "rule quiet (" + file + ":11): horizon 2 h",
                "rule weekly (" + file + ":12): horizon 7 d, capped by state.maxHorizon (24 h by default)",
                "rule off (" + file + ":13): horizon 3 h",
                "engine horizon: 24 h: the longest of the enabled rules, each capped by state.maxHorizon"
                        + " (24 h by default)");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void check_horizonOption_boundedRules_engineHorizonIsTheLongest() throws IOException {
        Run run = vigil("check", "--horizon", write("big.rules", BIG_PURCHASE).toString(),
                write("testing.rules", CARD_TESTING.replace(TRANSACTION, "")).toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.outLines()).contains("rule big_purchase (" + dir.resolve("big.rules") + ":8): horizon 0 s",
                        "rule card_testing (" + dir.resolve("testing.rules") + ":2): horizon 10 min")
                .last().asString().startsWith("engine horizon: 10 min: ");
    }

    @Test
    void check_fileWithErrors_printsNoHorizonsOrWarnings() throws IOException {
        Path file = write("broken.rules", HORIZONS.replace("rule velocity", "rule velocity {}\nrule bad"));

        Run run = vigil("check", "--horizon", file.toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.out()).doesNotContain("horizon", "warning");
        assertThat(run.exitCode()).isEqualTo(1);
    }

    @Test
    void vigil_help_listsTheCommands() {
        Run run = vigil("--help");

        assertThat(run.out()).contains("Usage: vigil", "Commands:", "check");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void vigil_withoutCommand_printsUsageAndExitsTwo() {
        Run run = vigil();

        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("vigil: missing command", "Commands:", "check");
        assertThat(run.exitCode()).isEqualTo(2);
    }

    @Test
    void vigil_unknownCommand_isUsageError() {
        Run run = vigil("chek", "rules");

        assertThat(run.err()).contains("vigil: Unmatched arguments", "Did you mean", "check");
        assertThat(run.exitCode()).isEqualTo(2);
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private static Run vigil(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = VigilCli.newCommandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        List<String> errLines() {
            return err.lines().toList();
        }
    }
}
