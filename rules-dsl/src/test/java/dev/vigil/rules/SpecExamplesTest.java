package dev.vigil.rules;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every rule file of the conformance cases and every example of the language spec compiles clean. */
class SpecExamplesTest {
    /** The complete example at the top of the language spec. */
    static final String SPEC_EXAMPLE = """
            # rules/fraud.rules
            event Transaction {
                cardId    string
                amount    double
                merchant  string
                country   string
                at        timestamp        # the event time (see "Time")
            }

            event Heartbeat {
                terminalId string
                at         timestamp
            }

            rule big_purchase "Single purchase above 10 000" {
                when Transaction(amount > 10000)
                key cardId
                severity high
                message "Card {cardId}: {amount} at {merchant}"
                notify fraud_webhook
            }

            rule card_testing "Tiny test charge, then a large purchase on the same card" {
                when a: Transaction(amount < 2) -> b: Transaction(amount > 500) by cardId within 10 min
                severity critical
                message "Card {a.cardId}: test charge {a.amount}, then {b.amount} at {b.merchant}"
                notify fraud_sms, fraud_webhook
                throttle 30 min
            }

            rule velocity "Too many purchases on one card" {
                when Transaction by cardId over sliding 5 min having count() >= 5
                severity warning
                message "Card {cardId}: {count()} purchases, {sum(amount):0.00} in total, in 5 minutes"
                notify fraud_webhook
            }

            rule terminal_silent "A monitored card terminal stopped reporting" {
                when absent Heartbeat by terminalId for 2 min
                notify ops_email
            }
            """;

    /** Declarations for the spec's snippets under "Conditions" and "Expressions". */
    static final String DECLARATIONS = """
            event Transaction {
                cardId   string
                amount   double
                merchant string
                country  string
                at       timestamp
            }
            event Login {
                userId  string
                success boolean
                at      timestamp
            }
            event Order {
                orderId string
                total   double
                at      timestamp
            }
            event Shipment {
                orderId string
                carrier string
                at      timestamp
            }
            event Deposit {
                accountId string
                amount    double
            }
            event Withdrawal {
                accountId string
                amount    double
            }
            event Vitals {
                patientId string
                sensor    string
                heartRate int
                value     double
                at        timestamp
            }
            event StockLevel {
                sku          string
                quantity     long
                reorderLevel long
            }
            event Heartbeat {
                terminalId string
                at         timestamp
            }
            """;

    static final List<String> SPEC_SNIPPETS = List.of(
            "when Transaction(amount > 10000 and country not in (\"US\", \"CA\"))",
            "when Transaction",
            "when a: Login(success == false) times 3 -> b: Login(success) by userId within 2 min",
            "when a: Order -> absent Shipment(orderId == a.orderId) for 2 h",
            "when (a: Deposit and b: Withdrawal) by accountId within 1 min",
            "when Vitals by patientId over sliding 1 min having avg(heartRate) > 120 and count() >= 3",
            "when Vitals(sensor == \"spo2\") by patientId over tumbling 5 min having min(value) < 90 for 10 min",
            "when StockLevel by sku over last 1 events having last(quantity) < last(reorderLevel)",
            "when absent Heartbeat by terminalId for 2 min",
            "when epl \"\"\"\n    select cardId, count(*) as n from Transaction#time(1 min) group by cardId having count(*) > 20\n\"\"\"\nkey cardId",
            "when Transaction(-3 < amount and amount < 2.5 + 1e6 * 2 % 7 - -amount)",
            "when Transaction(merchant matches \"[A-Z].*\" and country is not null and cardId is null)",
            "when Transaction(amount between 10 and 20 or not (abs(amount) > round(amount, 2)))",
            "when Transaction(lower(merchant) == upper(country) and length(cardId) != 16)",
            "when a: Login times 3 -> b: Login(userId == a[2].userId)",
            "when Transaction(amount > 1) by cardId over hopping 10 min every 1 min having sum(amount) > 100",
            "when Transaction by cardId over session 30 s having distinct(merchant) > 3 and first(amount) < last(amount)",
            "when Transaction(amount > 1)\n severity info\n message \"{{literal}} {amount:#,##0.00} at {merchant}\"\n"
                    + " labels { team: \"fraud\", tier: \"1\" }\n enabled false\n throttle 1.5 min\n notify a, b");

    static List<Path> conformanceDirs() {
        List<Path> dirs = new ArrayList<>();
        for (String dir : List.of("../conformance", "../../shared/conformance")) {
            Path path = Path.of(dir);
            if (Files.isDirectory(path)) {
                dirs.add(path);
            }
        }
        return dirs;
    }

    static List<Path> conformanceRuleFiles() {
        List<Path> files = new ArrayList<>();
        for (Path dir : conformanceDirs()) {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.filter(p -> p.getFileName().toString().equals("case.rules")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return files;
    }

    static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void conformance_casesAreFound() {
        assertThat(conformanceRuleFiles()).hasSizeGreaterThanOrEqualTo(8);
    }

    @TestFactory
    Stream<DynamicTest> conformance_everyCaseRulesFile_compilesClean() {
        return conformanceRuleFiles().stream().map(path -> DynamicTest.dynamicTest(path.toString(), () -> {
            CompileResult result = RulesCompiler.compile(new SourceFile(path.toString(), read(path)));
            assertThat(result.diagnostics()).extracting(Diagnostic::format).isEmpty();
            assertThat(result.orThrow().rules()).isNotEmpty();
        }));
    }

    @Test
    void spec_completeExample_compilesClean() {
        CompileResult result = RulesCompiler.compile(new SourceFile("fraud.rules", SPEC_EXAMPLE));
        assertThat(result.diagnostics()).extracting(Diagnostic::format).isEmpty();
        assertThat(result.orThrow().rules()).extracting(r -> r.id())
                .containsExactly("big_purchase", "card_testing", "velocity", "terminal_silent");
    }

    @TestFactory
    Stream<DynamicTest> spec_everySnippet_compilesClean() {
        return SPEC_SNIPPETS.stream().map(snippet -> DynamicTest.dynamicTest(snippet, () -> {
            String text = DECLARATIONS + "rule r {\n" + snippet + "\n}\n";
            CompileResult result = RulesCompiler.compile(new SourceFile("snippet.rules", text));
            assertThat(result.diagnostics()).extracting(Diagnostic::format).isEmpty();
        }));
    }
}
