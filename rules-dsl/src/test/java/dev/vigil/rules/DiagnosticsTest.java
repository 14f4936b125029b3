package dev.vigil.rules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Broken inputs and the exact diagnostic each gives. In every input, {@code «} marks where the
 * diagnostic must point (it is removed before compiling).
 */
class DiagnosticsTest {
    private static final String DECLARATIONS = """
            event Transaction {
                cardId   string
                amount   double
                merchant string
                country  string
                at       timestamp
            }
            event Order {
                orderId string
                total   double
            }
            event Shipment {
                orderId string
                carrier string
            }
            """;

    record Case(ErrorCode code, String message, String text) {
        @Override
        public String toString() {
            return code + ": " + message;
        }
    }

    static Case rule(ErrorCode code, String message, String body) {
        return new Case(code, message, DECLARATIONS + "rule r {\n" + body + "\n}\n");
    }

    static Case file(ErrorCode code, String message, String text) {
        return new Case(code, message, text);
    }

    static List<Case> cases() {
        return List.of(
                // syntax: what was expected, with suggestions for misspelt keywords
                rule(ErrorCode.SYNTAX, "unexpected 'withn'; expected ',', 'over', 'within', 'for', a clause or '}';"
                                + " did you mean `within`?",
                        "when a: Transaction -> b: Transaction by cardId «withn 10 min"),
                rule(ErrorCode.SYNTAX, "unexpected 'withn'; expected 'times', '->', 'by', 'over', 'within', 'for',"
                                + " a clause or '}'; did you mean `within`?",
                        "when a: Transaction(amount > 5) «withn 5 min"),
                rule(ErrorCode.SYNTAX, "unexpected ')'; expected an expression",
                        "when Transaction(amount > «)"),
                file(ErrorCode.SYNTAX, "unexpected '}'; expected 'or', 'and', '+', '-', '*', '/', '%' or ')'",
                        DECLARATIONS + "rule r {\n  when Transaction(amount > 5\n«}\n"),
                rule(ErrorCode.SYNTAX, "unexpected 'severity'; expected a time unit (ms, s, min, h, d)",
                        "when a: Transaction within 10\n«severity high"),
                rule(ErrorCode.SYNTAX, "unexpected '='; expected 'or', 'and', 'not', 'in', 'between', 'matches', 'is',"
                                + " an operator, '(', '[', '.' or ')'; did you mean `==`?",
                        "when Transaction(amount «= 5)"),
                rule(ErrorCode.SYNTAX, "unexpected '@'; expected 'times', '->', 'by', 'over', 'within', 'for', a clause"
                                + " or '}'",
                        "when Transaction(amount > 5) «@"),
                file(ErrorCode.SYNTAX, "unexpected '}'; expected a severity (info, warning, high, critical)",
                        DECLARATIONS + "rule r {\n  when Transaction\n  severity\n«}\n"),
                rule(ErrorCode.SYNTAX, "unterminated string: close it with `\"` on the same line",
                        "when Transaction\nmessage «\"abc"),
                rule(ErrorCode.SYNTAX, "unterminated string: a string opened with `\"\"\"` must end with `\"\"\"`",
                        "when epl «\"\"\"select * from Transaction"),
                rule(ErrorCode.SYNTAX, "invalid escape `\\q` in string; use \\\", \\\\, \\n, \\t or \\uXXXX",
                        "when Transaction(merchant == \"a«\\q\")"),
                file(ErrorCode.SYNTAX, "unexpected 'evnt'; expected 'event', 'table', 'rule' or end of input;"
                                + " did you mean `event`?",
                        "«evnt X { a int }"),
                file(ErrorCode.SYNTAX, "unexpected ','; expected a name or '}'",
                        "event X { a int«, b int }"),
                rule(ErrorCode.SYNTAX, "a group joins all its terms with `and` or all with `or`, not both",
                        "when (a: Transaction and b: Order «or c: Shipment)"),
                rule(ErrorCode.SYNTAX, "an aggregate condition takes one event type without a tag:"
                                + " `TYPE[(FILTER)] [by FIELD, ...] over WINDOW having EXPR`",
                        "when «a: Transaction by cardId over sliding 1 min having count() > 1"),
                rule(ErrorCode.SYNTAX, "`within` does not apply to an aggregate condition: its window sets the time"
                                + " span",
                        "when Transaction over sliding 1 min having count() > 1 «within 2 min"),
                rule(ErrorCode.SYNTAX, "`for` applies to aggregate conditions (`over ... having ... for D`) and"
                                + " `absent`; a pattern's time limit is `within`",
                        "when Transaction «for 2 min"),
                rule(ErrorCode.SYNTAX, "unclosed `{` in message; write `{{` for a literal brace",
                        "when Transaction\nmessage \"a «{amount\""),
                rule(ErrorCode.SYNTAX, "unmatched `}` in message; write `}}` for a literal brace",
                        "when Transaction\nmessage \"a «} b\""),
                rule(ErrorCode.SYNTAX, "empty placeholder in message; write `{{` for a literal brace",
                        "when Transaction\nmessage \"a «{ } b\""),
                rule(ErrorCode.SYNTAX, "unexpected end of placeholder; expected an expression",
                        "when Transaction\nmessage \"{amount + «}\""),

                // clauses
                rule(ErrorCode.UNKNOWN_CLAUSE, "unknown clause `sevrity`; did you mean `severity`?",
                        "when Transaction\n«sevrity warning"),
                rule(ErrorCode.UNKNOWN_CLAUSE, "unknown clause `colour`; expected `when`, `key`, `severity`, `message`,"
                                + " `notify`, `throttle`, `labels`, `enabled` or `mode` (or `}`)",
                        "when Transaction\n«colour red"),
                rule(ErrorCode.REPEATED_CLAUSE, "repeated clause `severity`; a rule has at most one (the first is at"
                                + " line 17)",
                        "severity high\nwhen Transaction\n«severity info"),
                file(ErrorCode.MISSING_CLAUSE, "rule `r` has no `when` clause",
                        "event E { x int }\n«rule r {\n  key x\n}"),
                rule(ErrorCode.MISSING_CLAUSE, "`absent` needs a duration: `absent TYPE[(FILTER)] by FIELD for"
                                + " DURATION`",
                        "when «absent Transaction by cardId"),
                rule(ErrorCode.MISSING_CLAUSE, "`absent` needs a duration: `absent TYPE[(FILTER)] for DURATION`",
                        "when a: Order -> «absent Shipment"),

                // names
                rule(ErrorCode.UNKNOWN_EVENT_TYPE, "unknown event type `Transacton`; did you mean `Transaction`?",
                        "when «Transacton(amount > 5)"),
                rule(ErrorCode.UNKNOWN_EVENT_TYPE, "unknown event type `Payment`",
                        "when a: Order -> b: «Payment"),
                rule(ErrorCode.UNKNOWN_FIELD, "unknown field `amout` in Transaction; did you mean `amount`?",
                        "when Transaction(«amout > 5)"),
                rule(ErrorCode.UNKNOWN_FIELD, "unknown field `amout` in Transaction; did you mean `amount`?",
                        "when a: Transaction -> b: Transaction(«a.amout > 1)"),
                rule(ErrorCode.UNKNOWN_FIELD, "unknown field `cardd` in Transaction; did you mean `cardId`?",
                        "when Transaction by «cardd over sliding 1 min having count() > 1"),
                rule(ErrorCode.UNKNOWN_FIELD, "unknown field `carrier` in Order",
                        "when a: Order -> b: Shipment by «carrier"),
                rule(ErrorCode.UNKNOWN_FIELD, "unknown field `cardid` in Transaction; did you mean `cardId`?",
                        "when Transaction\nkey «cardid"),
                rule(ErrorCode.UNKNOWN_FIELD, "`amount` is not a `by` field; use an aggregate such as `last(amount)`",
                        "when Transaction by cardId over sliding 1 min having count() > 1 and «amount > 5"),
                rule(ErrorCode.UNKNOWN_TAG, "unknown tag `c`",
                        "when a: Transaction -> b: Transaction(«c.amount > 1)"),
                rule(ErrorCode.UNKNOWN_TAG, "unknown tag `ab`; did you mean `a`?",
                        "when a: Transaction -> b: Transaction(«ab.amount > 1)"),
                rule(ErrorCode.UNKNOWN_TAG, "tag `b` is not bound yet: a filter can use only the tags of earlier terms",
                        "when a: Transaction(«b.amount > 1) -> b: Transaction"),
                rule(ErrorCode.DUPLICATE_TAG, "tag `a` is bound twice in this pattern (first at line 17, column 6)",
                        "when a: Transaction -> «a: Order"),

                // types
                rule(ErrorCode.TYPE_MISMATCH, "cannot compare string with number",
                        "when Transaction(«merchant == 5)"),
                rule(ErrorCode.TYPE_MISMATCH, "`sum` needs a number, got string",
                        "when Transaction by cardId over sliding 1 min having sum(«merchant) > 1"),
                rule(ErrorCode.TYPE_MISMATCH, "`+` needs numbers, got string",
                        "when Transaction(«merchant + country == \"x\")"),
                rule(ErrorCode.TYPE_MISMATCH, "a filter must be a boolean expression, got number",
                        "when Transaction(«amount * 2)"),
                rule(ErrorCode.TYPE_MISMATCH, "`having` must be a boolean expression, got number",
                        "when Transaction by cardId over sliding 1 min having «count()"),
                rule(ErrorCode.TYPE_MISMATCH, "`or` needs booleans, got string",
                        "when Transaction(amount > 1 or «merchant)"),
                rule(ErrorCode.TYPE_MISMATCH, "`a` names 3 events (`times 3`); pick one, such as `a[0].amount`",
                        "when a: Transaction times 3 -> b: Transaction(amount > «a.amount)"),
                rule(ErrorCode.TYPE_MISMATCH, "`lower` needs a string, got number",
                        "when Transaction(lower(«amount) == \"x\")"),

                // declarations and rule ids
                file(ErrorCode.DUPLICATE_RULE, "duplicate rule id `r`; also declared at t.rules:2",
                        "event E { x int }\nrule r { when E }\nrule «r { when E(x > 1) }"),
                file(ErrorCode.CONFLICTING_EVENT, "event `E` is declared differently here and at t.rules:1;"
                                + " declarations of one event must be identical",
                        "event E { x int }\nevent «E { x long }"),
                file(ErrorCode.DUPLICATE_FIELD, "duplicate field `x` in event `E`",
                        "event E {\n  x int\n  «x string\n}"),
                file(ErrorCode.MULTIPLE_TIMESTAMPS, "event `E` has more than one timestamp field: `at` and `ts`;"
                                + " only one can be the event's time",
                        "event E {\n  at timestamp\n  «ts timestamp\n}"),
                file(ErrorCode.UNKNOWN_FIELD_TYPE, "unknown type `dobule`; did you mean `double`?",
                        "event E {\n  x «dobule\n}"),
                file(ErrorCode.UNKNOWN_FIELD_TYPE, "unknown type `decimal`; types are string, int, long, double,"
                                + " boolean and timestamp",
                        "event E {\n  x «decimal\n}"),

                // pattern structure
                rule(ErrorCode.ABSENT_FIRST, "a pattern cannot start with `absent`: it needs an earlier event to wait"
                                + " after (for a key that goes silent, write `absent TYPE by FIELD for DURATION` alone)",
                        "when «absent Order for 1 h -> b: Shipment"),
                rule(ErrorCode.INVALID_TIMES, "`times` needs a whole number of at least 1, not 0",
                        "when a: Transaction times «0 -> b: Transaction"),
                rule(ErrorCode.INVALID_TIMES, "`times` needs a whole number of at least 1, not 2.5",
                        "when a: Transaction times «2.5"),
                rule(ErrorCode.INVALID_TIMES, "`times` is at most 100, not 1000000 (each repetition is a step of "
                        + "the pattern; to count many events, write an aggregate: `when TYPE by KEY over sliding D "
                        + "having count() >= N`)", "when a: Transaction times «1000000 -> b: Transaction"),

                // aggregates
                rule(ErrorCode.AGGREGATE_OUTSIDE_AGGREGATE_RULE, "`sum` is an aggregate; aggregates can only be used"
                                + " in an aggregate rule (`over WINDOW having ...`)",
                        "when Transaction(«sum(amount) > 1)"),
                rule(ErrorCode.AGGREGATE_OUTSIDE_AGGREGATE_RULE, "`count` is an aggregate; aggregates cannot be used in"
                                + " a filter; use them in `having`",
                        "when Transaction(«count() > 1) over sliding 1 min having count() > 1"),
                rule(ErrorCode.AGGREGATE_OUTSIDE_AGGREGATE_RULE, "`max` is an aggregate; aggregates cannot be used in"
                                + " `key`: an alert's key must not change while it is open",
                        "when Transaction by cardId over sliding 1 min having count() > 1\nkey «max(amount)"),
                rule(ErrorCode.AGGREGATE_OUTSIDE_AGGREGATE_RULE, "`count` is an aggregate; aggregates can only be used"
                                + " in an aggregate rule (`over WINDOW having ...`)",
                        "when a: Order -> b: Shipment\nkey «count()"),
                rule(ErrorCode.AGGREGATE_OUTSIDE_AGGREGATE_RULE, "`sum` is an aggregate; aggregates cannot be nested"
                                + " (`avg` holds another)",
                        "when Transaction over sliding 1 min having avg(«sum(amount)) > 1"),

                // null
                rule(ErrorCode.NULL_COMPARISON, "`amount == null` is never true; use `amount is null`",
                        "when Transaction(«amount == null)"),
                rule(ErrorCode.NULL_COMPARISON, "`a.orderId != null` is never true; use `a.orderId is not null`",
                        "when a: Order -> b: Shipment(«a.orderId != null)"),

                // message templates
                rule(ErrorCode.UNKNOWN_TEMPLATE_NAME, "unknown field `amout` in Transaction; did you mean `amount`?",
                        "when Transaction\nmessage \"Card {cardId}: {«amout}\""),
                rule(ErrorCode.UNKNOWN_TEMPLATE_NAME, "`merchant` is not a `by` field; use an aggregate such as"
                                + " `last(merchant)`",
                        "when Transaction by cardId over sliding 1 min having count() > 1\n"
                                + "message \"{cardId} {sum(amount):0.00} {«merchant}\""),
                rule(ErrorCode.UNKNOWN_TEMPLATE_NAME, "`amount` needs a tag here, such as `a.amount`",
                        "when a: Transaction -> b: Transaction by cardId\nmessage \"{cardId} {a.amount} {«amount}\""),
                rule(ErrorCode.UNKNOWN_TEMPLATE_NAME, "unknown tag `c`",
                        "when a: Transaction -> b: Transaction\nmessage \"{«c.amount}\""),
                rule(ErrorCode.UNKNOWN_TEMPLATE_NAME, "`amount` is not a `by` field; an absence rule knows only its `by`"
                                + " fields (cardId)",
                        "when absent Transaction by cardId for 1 min\nmessage \"{cardId} {«amount}\""),

                // durations
                rule(ErrorCode.INVALID_DURATION, "duration must be positive: 0 s",
                        "when Transaction over sliding «0 s having count() > 1"),
                rule(ErrorCode.INVALID_DURATION, "duration must be positive: -5 min",
                        "when Transaction\nthrottle «-5 min"),
                rule(ErrorCode.INVALID_DURATION, "duration must be a whole number of milliseconds: 1.5 ms",
                        "when a: Transaction within «1.5 ms"),
                rule(ErrorCode.INVALID_DURATION, "unknown time unit `mins`; did you mean `min`?",
                        "when Transaction over sliding 5 «mins having count() > 1"),
                rule(ErrorCode.INVALID_DURATION, "unknown time unit `weeks`; use ms, s, min, h or d",
                        "when Transaction\nthrottle 2 «weeks"),

                // values
                rule(ErrorCode.INVALID_VALUE, "unknown severity `hihg`; did you mean `high`?",
                        "when Transaction\nseverity «hihg"),
                rule(ErrorCode.INVALID_VALUE, "unknown severity `urgent`; use info, warning, high or critical",
                        "when Transaction\nseverity «urgent"),
                rule(ErrorCode.INVALID_VALUE, "`enabled` must be true or false, not `yes`",
                        "when Transaction\nenabled «yes"),
                rule(ErrorCode.INVALID_VALUE, "unknown mode `shadw`; did you mean `shadow`?",
                        "when Transaction\nmode «shadw"),
                rule(ErrorCode.INVALID_VALUE, "unknown mode `dry_run`; use live or shadow",
                        "when Transaction\nmode «dry_run"),
                rule(ErrorCode.INVALID_VALUE, "`last` needs a whole number of events of at least 1, not 0",
                        "when Transaction over last «0 events having count() > 1"),
                rule(ErrorCode.INVALID_VALUE, "invalid regular expression `[a`: Unclosed character class",
                        "when Transaction(«merchant matches \"[a\")"),
                rule(ErrorCode.INVALID_VALUE, "index 3 is out of range: `a` names 3 events (0 to 2)",
                        "when a: Transaction times 3 -> b: Transaction(amount > «a[3].amount)"),
                rule(ErrorCode.INVALID_VALUE, "duplicate label `team`",
                        "when Transaction\nlabels { team: \"a\", «team: \"b\" }"),
                rule(ErrorCode.INVALID_VALUE, "invalid number pattern `0.0.0`: Multiple decimal separators in pattern"
                                + " \"0.0.0\"",
                        "when Transaction\nmessage \"{amount:«0.0.0}\""),

                // functions
                rule(ErrorCode.UNKNOWN_FUNCTION, "unknown function `lowr`; did you mean `lower`?",
                        "when Transaction(«lowr(merchant) == \"x\")"),
                rule(ErrorCode.UNKNOWN_FUNCTION, "unknown function `sqrt`; functions are abs, lower, upper, length,"
                                + " round, count, sum, avg, min, max, distinct, first and last",
                        "when Transaction(«sqrt(amount) > 1)"),
                rule(ErrorCode.WRONG_ARGUMENTS, "`abs` takes 1 argument, got 2",
                        "when Transaction(«abs(amount, 2) > 1)"),
                rule(ErrorCode.WRONG_ARGUMENTS, "`round` takes 1 or 2 arguments, got 3",
                        "when Transaction(«round(amount, 2, 3) > 1)"),
                rule(ErrorCode.WRONG_ARGUMENTS, "`count` takes no arguments, got 1",
                        "when Transaction over sliding 1 min having «count(amount) > 1"),
                rule(ErrorCode.WRONG_ARGUMENTS, "`sum` takes 1 argument, got 0",
                        "when Transaction over sliding 1 min having «sum() > 1"),
                // reference tables (rules-language.md, "Reference tables")
                table(ErrorCode.UNKNOWN_TABLE, "unknown table `Merchnt`; did you mean `Merchant`?",
                        "when Transaction(«Merchnt[merchant].risk == \"high\")"),
                table(ErrorCode.UNKNOWN_TABLE, "unknown table `BlockedCrd`; did you mean `BlockedCard`?",
                        "when Transaction(«cardId in BlockedCrd)"),
                table(ErrorCode.UNKNOWN_TABLE, "unknown table `Order`; `Order` is an event type, and events are not"
                                + " looked up",
                        "when Transaction(«Order[cardId].total > 1)"),
                table(ErrorCode.UNKNOWN_FIELD, "unknown field `risc` in table Merchant; did you mean `risk`?",
                        "when Transaction(«Merchant[merchant].risc == \"high\")"),
                table(ErrorCode.TABLE_KEY_MISMATCH, "key `merchant` of `Merchant` is a string, got a number",
                        "when Transaction(Merchant[«amount].risk == \"high\")"),
                table(ErrorCode.TABLE_KEY_MISMATCH, "`Pair` is keyed by 2 fields (card, n), got 1 key: write"
                                + " `Pair[card, n].v`",
                        "when Transaction(«Pair[cardId].v > 1)"),
                table(ErrorCode.TABLE_KEY_MISMATCH, "`in Pair` needs one key, but `Pair` is keyed by 2 fields"
                                + " (card, n); look a row up instead, as in `Pair[card, n].card is not null`",
                        "when Transaction(«cardId in Pair)"),
                table(ErrorCode.TABLE_KEY_MISMATCH, "`Merchant` is a table: look a row up by its key, as in"
                                + " `Merchant[merchant].risk`",
                        "when Transaction(«Merchant.risk == \"high\")"),
                table(ErrorCode.TABLE_KEY_MISMATCH, "`Merchant` is a table: to look up the literal key 2 write"
                                + " `Merchant[(2)].risk`",
                        "when Transaction(«Merchant[2].risk == \"high\")"),
                table(ErrorCode.NULL_COMPARISON, "a key is never null: `null` finds no row of `Merchant`",
                        "when Transaction(Merchant[«null].risk == \"high\")"),
                table(ErrorCode.TABLE_AS_EVENT, "`Merchant` is a table, not an event type: rules match events and"
                                + " look table rows up by key, as in `Merchant[merchant].risk`",
                        "when «Merchant(risk == \"high\")"),
                file(ErrorCode.TABLE_AS_EVENT, "`E` is declared as an event at t.rules:1; a name is an event type"
                                + " or a table, not both",
                        "event E { x int }\ntable «E { x int key }"),
                file(ErrorCode.MISSING_TABLE_KEY, "table `T` has no key: mark the field (or fields) rows are looked"
                                + " up by with `key`, as in `x int key`",
                        "table «T { x int  y string }"),
                file(ErrorCode.CONFLICTING_TABLE, "table `T` is declared differently here and at t.rules:1;"
                                + " declarations of one table must be identical",
                        "table T { x int key }\ntable «T { x long key }"),
                file(ErrorCode.DUPLICATE_FIELD, "duplicate field `x` in table `T`",
                        "table T {\n  x int key\n  «x string\n}"),
                file(ErrorCode.UNKNOWN_FIELD_TYPE, "unknown type `strin`; did you mean `string`?",
                        "table T { x «strin key }"),
                file(ErrorCode.SYNTAX, "unexpected '}'; expected a name",
                        "table T { x «}"));
    }

    private static final String TABLES = """
            table Merchant {
                merchant  string  key
                risk      string
                limit     double
            }
            table BlockedCard { cardId string key }
            table Pair { card string key  n int key  v double }
            """;

    static Case table(ErrorCode code, String message, String body) {
        return new Case(code, message, DECLARATIONS + TABLES + "rule r {\n" + body + "\n}\n");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void brokenInput_givesOneExactLocatedDiagnostic(Case c) {
        int marker = c.text().indexOf('«');
        assertThat(marker).as("the input marks a position").isNotNegative();
        String text = c.text().substring(0, marker) + c.text().substring(marker + 1);
        int line = 1 + (int) c.text().substring(0, marker).chars().filter(ch -> ch == '\n').count();
        int column = marker - c.text().lastIndexOf('\n', marker - 1);

        CompileResult result = RulesCompiler.compile(new SourceFile("t.rules", text));

        assertThat(result.ok()).isFalse();
        assertThat(result.diagnostics()).extracting(Diagnostic::format).hasSize(1);
        Diagnostic d = result.diagnostics().get(0);
        assertThat(d.message()).isEqualTo(c.message());
        assertThat(d.code()).isEqualTo(c.code());
        assertThat(d.file()).isEqualTo("t.rules");
        assertThat(new int[] {d.line(), d.column()}).containsExactly(line, column);
    }

    @Test
    void table_coversEveryErrorCodeButTooLarge() {
        assertThat(cases()).hasSizeGreaterThanOrEqualTo(40);
        assertThat(cases().stream().map(Case::code).distinct().toList())
                .containsExactlyInAnyOrder(java.util.Arrays.stream(ErrorCode.values())
                        .filter(code -> code != ErrorCode.TOO_LARGE)
                        .toArray(ErrorCode[]::new));
    }

    @Test
    void file_withSeveralBrokenRules_reportsEveryErrorInPositionOrder() {
        String text = DECLARATIONS + """
                rule a {
                    when Transaction(amout > 10000)
                    key cardId
                }
                rule b {
                    when Transaction by cardId over sliding 5 min having count() >= 5
                    severty warning
                }
                rule c {
                    when a: Transactoin(amount < 2) -> b: Transaction(amount > 500) by cardId within 10 min
                }
                rule d {
                    when Transaction(amount > )
                }
                rule e {
                    when Transaction
                    severity urgent
                    throttle 0 s
                }
                """;
        CompileResult result = RulesCompiler.compile(new SourceFile("f.rules", text));
        assertThat(result.diagnostics()).extracting(d -> d.line() + ":" + d.column() + " " + d.code())
                .containsExactly("17:22 UNKNOWN_FIELD", "22:5 UNKNOWN_CLAUSE", "25:13 UNKNOWN_EVENT_TYPE",
                        "28:31 SYNTAX", "32:14 INVALID_VALUE", "33:14 INVALID_DURATION");
    }

    @Test
    void diagnostics_ofSeveralFiles_comeInFileOrderThenPosition() {
        CompileResult result = RulesCompiler.compile(
                new SourceFile("b.rules", "event E { x int }\nrule r { when E(y > 1) }\nrule s { when F }\n"),
                new SourceFile("a.rules", "rule t { when E(z > 1) }\n"));
        assertThat(result.diagnostics()).extracting(d -> d.file() + ":" + d.line())
                .containsExactly("b.rules:2", "b.rules:3", "a.rules:1");
        assertThat(result.ruleSet()).isEmpty();
    }

    @Test
    void duplicateRule_acrossFiles_namesTheOtherPlace() {
        CompileResult result = RulesCompiler.compile(
                new SourceFile("a.rules", "event E { x int }\n\nrule r { when E }\n"),
                new SourceFile("b.rules", "event E { x int }\nrule r { when E }\n"));
        assertThat(result.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo(ErrorCode.DUPLICATE_RULE);
            assertThat(d.file() + ":" + d.line() + ":" + d.column()).isEqualTo("b.rules:2:6");
            assertThat(d.message()).isEqualTo("duplicate rule id `r`; also declared at a.rules:3");
        });
    }

    @Test
    void conflictingEvent_acrossFiles_namesBothPlaces() {
        CompileResult result = RulesCompiler.compile(
                new SourceFile("a.rules", "\nevent E { x int }\n"),
                new SourceFile("b.rules", "event E {\n x int\n y int\n}\n"));
        assertThat(result.diagnostics()).singleElement().satisfies(d -> {
            assertThat(d.code()).isEqualTo(ErrorCode.CONFLICTING_EVENT);
            assertThat(d.format()).startsWith("b.rules:1:7: event `E` is declared differently here and at a.rules:2;");
        });
    }

    @Test
    void eventWithSyntaxError_isNotReportedAgainWhereItIsUsed() {
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules",
                "event E { x int, y int }\nrule r { when E(x > 1 and y > 2) }\n"));
        assertThat(result.diagnostics()).extracting(Diagnostic::code).containsExactly(ErrorCode.SYNTAX);
    }

    @Test
    void unknownEventType_isReportedOncePerRule() {
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules",
                "rule r { when a: X(p > 1) -> b: X(q > a.r) by k within 1 min message \"{a.z}\" }\n"));
        assertThat(result.diagnostics()).extracting(Diagnostic::message).containsExactly("unknown event type `X`");
    }

    @Test
    void format_rendersFileLineColumnMessageSourceLineAndCaret() {
        CompileResult result = RulesCompiler.compile(new SourceFile("fraud.rules",
                DECLARATIONS + "rule r {\n    when Transaction(amout > 1)\n}\n"));
        assertThat(result.diagnostics().get(0).format()).isEqualTo("""
                fraud.rules:17:22: unknown field `amout` in Transaction; did you mean `amount`?
                        when Transaction(amout > 1)
                                         ^""");
    }

    @Test
    void orThrow_withErrors_throwsListingThem() {
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules", "rule r { when X }"));
        org.assertj.core.api.Assertions.assertThatThrownBy(result::orThrow)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a.rules:1:15: unknown event type `X`");
    }

    @Test
    void misspeltClause_theRestOfTheRuleIsStillChecked() {
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules", """
                event Transaction { cardId string  amount double  at timestamp }
                rule big {
                    when Transaction(amout > 10000)
                    sevrity high
                    key cardId
                    message "{amont}"
                }
                """));
        assertThat(result.diagnostics()).extracting(d -> d.line() + ":" + d.column() + " " + d.message()).containsExactly(
                "3:22 unknown field `amout` in Transaction; did you mean `amount`?",
                "4:5 unknown clause `sevrity`; did you mean `severity`?",
                "6:15 unknown field `amont` in Transaction; did you mean `amount`?");
    }
}
