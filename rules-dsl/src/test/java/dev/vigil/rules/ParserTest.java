package dev.vigil.rules;

import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.EventRef;
import dev.vigil.rules.ast.Expr;
import dev.vigil.rules.ast.Expr.BinaryOp;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.FieldType;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.KeyExpr;
import dev.vigil.rules.ast.Label;
import dev.vigil.rules.ast.Mode;
import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.PatternTerm;
import dev.vigil.rules.ast.Position;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.Severity;
import dev.vigil.rules.ast.TimeSpan;
import dev.vigil.rules.ast.Window;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** Parsed trees compared with trees built by hand, ignoring positions. */
class ParserTest {
    private static final Position P = Position.NONE;

    static final String DECLARATIONS = SpecExamplesTest.DECLARATIONS;

    // ---------------------------------------------------------------------------------------------
    // Helpers: build trees by hand

    static Expr.FieldRef field(String name) {
        return Expr.FieldRef.of(name, P);
    }

    static Expr.FieldRef tagged(String tag, String name) {
        return Expr.FieldRef.tagged(tag, name, P);
    }

    static Expr.NumberLit num(String text) {
        boolean integral = !text.contains(".") && !text.contains("e") && !text.contains("E");
        return new Expr.NumberLit(text, Double.parseDouble(text), integral, P);
    }

    static Expr.StringLit str(String value) {
        return new Expr.StringLit(value, P);
    }

    static Expr bin(BinaryOp op, Expr left, Expr right) {
        return new Expr.Binary(op, left, right, P);
    }

    static EventRef ref(String type) {
        return new EventRef(new Ident(type, P), Optional.empty(), P);
    }

    static EventRef ref(String type, Expr filter) {
        return new EventRef(new Ident(type, P), Optional.of(filter), P);
    }

    static Ident id(String name) {
        return new Ident(name, P);
    }

    static TimeSpan span(long millis) {
        return new TimeSpan(millis, P);
    }

    static PatternTerm.EventTerm term(String tag, EventRef event) {
        return new PatternTerm.EventTerm(Optional.ofNullable(tag), event, 1, P);
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers: parse

    static Rule parseRule(String body) {
        CompileResult result = RulesCompiler.compile(new SourceFile("test.rules", DECLARATIONS + "rule r {\n" + body
                + "\n}\n"));
        assertThat(result.diagnostics()).extracting(Diagnostic::format).isEmpty();
        return result.orThrow().rules().get(0);
    }

    static Condition when(String condition) {
        return parseRule("when " + condition).when();
    }

    static Expr filterOf(String expression) {
        return ((Condition.Filter) when("Transaction(" + expression + ")")).event().filter().orElseThrow();
    }

    static void assertSameTree(Object actual, Object expected) {
        assertThat(actual).usingRecursiveComparison().ignoringFieldsOfTypes(Position.class).isEqualTo(expected);
    }

    // ---------------------------------------------------------------------------------------------
    // Condition forms

    @Test
    void filter_typeWithFilter_isFilterCondition() {
        assertSameTree(when("Transaction(amount > 10000)"),
                new Condition.Filter(ref("Transaction", bin(BinaryOp.GT, field("amount"), num("10000"))), P));
    }

    @Test
    void filter_typeAlone_hasNoFilter() {
        assertSameTree(when("Transaction"), new Condition.Filter(ref("Transaction"), P));
    }

    @Test
    void pattern_tagsArrowByAndWithin_areAllKept() {
        assertSameTree(when("a: Transaction(amount < 2) -> b: Transaction(amount > 500) by cardId within 10 min"),
                new Condition.Pattern(List.of(
                        term("a", ref("Transaction", bin(BinaryOp.LT, field("amount"), num("2")))),
                        term("b", ref("Transaction", bin(BinaryOp.GT, field("amount"), num("500"))))),
                        List.of(id("cardId")), Optional.of(span(600_000)), P));
    }

    @Test
    void pattern_absentTermThenBy_isPatternWithAbsentTerm() {
        assertSameTree(when("a: Order -> absent Shipment for 1 h by orderId"),
                new Condition.Pattern(List.of(
                        term("a", ref("Order")),
                        new PatternTerm.AbsentTerm(ref("Shipment"), span(3_600_000), P)),
                        List.of(id("orderId")), Optional.empty(), P));
    }

    @Test
    void pattern_absentTermWithFilterUsingEarlierTag_keepsTheFilter() {
        assertSameTree(when("a: Order -> absent Shipment(orderId == a.orderId) for 2 h"),
                new Condition.Pattern(List.of(
                        term("a", ref("Order")),
                        new PatternTerm.AbsentTerm(
                                ref("Shipment", bin(BinaryOp.EQ, field("orderId"), tagged("a", "orderId"))),
                                span(7_200_000), P)),
                        List.of(), Optional.empty(), P));
    }

    @Test
    void pattern_timesAndIndexedTag_areParsed() {
        assertSameTree(when("a: Login(success == false) times 3 -> b: Login(userId == a[2].userId) by userId"),
                new Condition.Pattern(List.of(
                        new PatternTerm.EventTerm(Optional.of("a"),
                                ref("Login", bin(BinaryOp.EQ, field("success"), new Expr.BoolLit(false, P))), 3, P),
                        term("b", ref("Login", bin(BinaryOp.EQ, field("userId"),
                                new Expr.FieldRef(Optional.of("a"), OptionalInt.of(2), "userId", P))))),
                        List.of(id("userId")), Optional.empty(), P));
    }

    @Test
    void pattern_andGroup_isOneGroupTerm() {
        assertSameTree(when("(a: Deposit and b: Withdrawal) by accountId within 1 min"),
                new Condition.Pattern(List.of(new PatternTerm.Group(PatternTerm.GroupOp.AND,
                        List.of(term("a", ref("Deposit")), term("b", ref("Withdrawal"))), P)),
                        List.of(id("accountId")), Optional.of(span(60_000)), P));
    }

    @Test
    void pattern_orGroupAfterArrow_isSecondTerm() {
        assertSameTree(when("a: Order -> (b: Shipment or c: Deposit)"),
                new Condition.Pattern(List.of(term("a", ref("Order")), new PatternTerm.Group(PatternTerm.GroupOp.OR,
                        List.of(term("b", ref("Shipment")), term("c", ref("Deposit"))), P)),
                        List.of(), Optional.empty(), P));
    }

    @Test
    void pattern_singleTaggedTerm_isPatternNotFilter() {
        assertSameTree(when("a: Transaction"),
                new Condition.Pattern(List.of(term("a", ref("Transaction"))), List.of(), Optional.empty(), P));
    }

    @Test
    void aggregate_slidingWindowWithBy_isAggregateCondition() {
        assertSameTree(when("Transaction by cardId over sliding 5 min having count() >= 5"),
                new Condition.Aggregate(ref("Transaction"), List.of(id("cardId")),
                        new Window.Sliding(span(300_000), P),
                        bin(BinaryOp.GE, new Expr.Aggregate(Expr.AggregateFunction.COUNT, Optional.empty(), P),
                                num("5")),
                        Optional.empty(), P));
    }

    @Test
    void aggregate_filterTumblingAndFor_areKept() {
        assertSameTree(when("Vitals(sensor == \"spo2\") by patientId over tumbling 5 min having min(value) < 90"
                        + " for 10 min"),
                new Condition.Aggregate(ref("Vitals", bin(BinaryOp.EQ, field("sensor"), str("spo2"))),
                        List.of(id("patientId")), new Window.Tumbling(span(300_000), P),
                        bin(BinaryOp.LT, new Expr.Aggregate(Expr.AggregateFunction.MIN, Optional.of(field("value")), P),
                                num("90")),
                        Optional.of(span(600_000)), P));
    }

    @Test
    void aggregate_everyWindowKind_isParsed() {
        assertSameTree(((Condition.Aggregate) when("Transaction over hopping 10 min every 1 min having count() > 1"))
                .window(), new Window.Hopping(span(600_000), span(60_000), P));
        assertSameTree(((Condition.Aggregate) when("Transaction over session 30 s having count() > 1")).window(),
                new Window.Session(span(30_000), P));
        assertSameTree(((Condition.Aggregate) when("StockLevel by sku over last 1 events having last(quantity) < 3"))
                .window(), new Window.Length(1, P));
    }

    @Test
    void aggregate_withoutBy_hasEmptyBy() {
        assertThat(((Condition.Aggregate) when("Transaction over sliding 1 min having count() > 1")).by()).isEmpty();
    }

    @Test
    void absence_byThenFor_isAbsenceCondition() {
        assertSameTree(when("absent Heartbeat by terminalId for 2 min"),
                new Condition.Absence(ref("Heartbeat"), List.of(id("terminalId")), span(120_000), P));
    }

    @Test
    void absence_forThenBy_isTheSameCondition() {
        assertSameTree(when("absent Heartbeat for 2 min by terminalId"),
                new Condition.Absence(ref("Heartbeat"), List.of(id("terminalId")), span(120_000), P));
    }

    @Test
    void epl_tripleQuotedString_keepsStatementStripped() {
        assertSameTree(when("epl \"\"\"\n  select * from Transaction\n  where amount > 1\n\"\"\""),
                new Condition.Epl("select * from Transaction\n  where amount > 1", P));
    }

    // ---------------------------------------------------------------------------------------------
    // Expressions

    @Test
    void expression_andBindsTighterThanOr() {
        assertSameTree(filterOf("amount > 1 or amount < 0 and cardId == \"x\""),
                bin(BinaryOp.OR, bin(BinaryOp.GT, field("amount"), num("1")),
                        bin(BinaryOp.AND, bin(BinaryOp.LT, field("amount"), num("0")),
                                bin(BinaryOp.EQ, field("cardId"), str("x")))));
    }

    @Test
    void expression_notBindsLooserThanComparison() {
        assertSameTree(filterOf("not amount > 1 and true"),
                bin(BinaryOp.AND, new Expr.Not(bin(BinaryOp.GT, field("amount"), num("1")), P),
                        new Expr.BoolLit(true, P)));
    }

    @Test
    void expression_multiplicationBindsTighterThanAddition_andBothAssociateLeft() {
        assertSameTree(filterOf("amount - 1 - 2 * 3 % 4 > 0"),
                bin(BinaryOp.GT,
                        bin(BinaryOp.SUB, bin(BinaryOp.SUB, field("amount"), num("1")),
                                bin(BinaryOp.MOD, bin(BinaryOp.MUL, num("2"), num("3")), num("4"))),
                        num("0")));
    }

    @Test
    void expression_parenthesesOverridePrecedence() {
        assertSameTree(filterOf("(amount + 1) * 2 > 0"),
                bin(BinaryOp.GT, bin(BinaryOp.MUL, bin(BinaryOp.ADD, field("amount"), num("1")), num("2")), num("0")));
    }

    @Test
    void expression_unaryMinus_foldsIntoNumberAndNegatesOtherOperands() {
        assertSameTree(filterOf("-3 < -amount"),
                bin(BinaryOp.LT, num("-3"), new Expr.Negate(field("amount"), P)));
    }

    @Test
    void expression_inAndNotIn_areInLists() {
        assertSameTree(filterOf("country not in (\"US\", \"CA\") and amount in (1, 2.5)"),
                bin(BinaryOp.AND,
                        new Expr.InList(field("country"), List.of(str("US"), str("CA")), true, P),
                        new Expr.InList(field("amount"), List.of(num("1"), num("2.5")), false, P)));
    }

    @Test
    void expression_betweenMatchesAndIsNull_areParsed() {
        assertSameTree(filterOf("amount between 1 and 1e6 and merchant matches \"A.*\" and country is not null"
                        + " and cardId is null"),
                bin(BinaryOp.AND, bin(BinaryOp.AND, bin(BinaryOp.AND,
                        new Expr.Between(field("amount"), num("1"), num("1e6"), P),
                        new Expr.Matches(field("merchant"), "A.*", P)),
                        new Expr.IsNull(field("country"), true, P)),
                        new Expr.IsNull(field("cardId"), false, P)));
    }

    @Test
    void expression_scalarFunctions_areCalls() {
        assertSameTree(filterOf("round(abs(amount), 2) > length(lower(merchant))"),
                bin(BinaryOp.GT,
                        new Expr.Call("round", List.of(new Expr.Call("abs", List.of(field("amount")), P), num("2")), P),
                        new Expr.Call("length", List.of(new Expr.Call("lower", List.of(field("merchant")), P)), P)));
    }

    @Test
    void expression_aggregateNames_areAggregates() {
        Condition.Aggregate a = (Condition.Aggregate) when("Transaction by cardId over sliding 1 min having "
                + "sum(amount) > avg(amount) and distinct(merchant) > 1 and first(amount) < last(amount)"
                + " and max(amount) > min(amount)");
        assertSameTree(a.having(), bin(BinaryOp.AND, bin(BinaryOp.AND, bin(BinaryOp.AND,
                bin(BinaryOp.GT, agg(Expr.AggregateFunction.SUM, "amount"), agg(Expr.AggregateFunction.AVG, "amount")),
                bin(BinaryOp.GT, agg(Expr.AggregateFunction.DISTINCT, "merchant"), num("1"))),
                bin(BinaryOp.LT, agg(Expr.AggregateFunction.FIRST, "amount"), agg(Expr.AggregateFunction.LAST, "amount"))),
                bin(BinaryOp.GT, agg(Expr.AggregateFunction.MAX, "amount"), agg(Expr.AggregateFunction.MIN, "amount"))));
    }

    private static Expr agg(Expr.AggregateFunction f, String field) {
        return new Expr.Aggregate(f, Optional.of(field(field)), P);
    }

    @Test
    void expression_stringEscapes_areDecoded() {
        assertSameTree(filterOf("merchant == \"a\\\"b\\\\c\\nd\\te\\u00e9\""),
                bin(BinaryOp.EQ, field("merchant"), str("a\"b\\c\nd\te\u00e9")));
    }

    // ---------------------------------------------------------------------------------------------
    // Durations

    @ParameterizedTest
    @CsvSource({
        "250 ms, 250", "1 s, 1000", "2 sec, 2000", "1 second, 1000", "3 seconds, 3000",
        "1 min, 60000", "1 minute, 60000", "2 minutes, 120000", "1 h, 3600000", "1 hour, 3600000",
        "2 hours, 7200000", "1 d, 86400000", "1 day, 86400000", "2 days, 172800000", "1.5 min, 90000",
        "90 s, 90000", "1e3 ms, 1000", "10min, 600000"})
    void duration_everyUnitSpelling_isNormalisedToMilliseconds(String written, long millis) {
        assertThat(parseRule("when Transaction\nthrottle " + written).throttle()).map(TimeSpan::millis)
                .contains(millis);
    }

    // ---------------------------------------------------------------------------------------------
    // Rules, clauses, declarations

    @Test
    void rule_withOnlyWhen_hasDefaults() {
        Rule rule = parseRule("when Transaction");
        assertThat(rule.id()).isEqualTo("r");
        assertThat(rule.title()).isEmpty();
        assertThat(rule.key()).isEmpty();
        assertThat(rule.severity()).isEqualTo(Severity.WARNING);
        assertThat(rule.message()).isEmpty();
        assertThat(rule.channels()).isEmpty();
        assertThat(rule.throttle()).isEmpty();
        assertThat(rule.labels()).isEmpty();
        assertThat(rule.enabled()).isTrue();
        assertThat(rule.mode()).isEqualTo(Mode.LIVE);
        assertThat(rule.file()).isEqualTo("test.rules");
    }

    @Test
    void mode_shadow_isKept_andIsNotPartOfTheRulesText() {
        Rule shadow = parseRule("""
                when Transaction(amount > 1)
                mode shadow
                severity high
                """);
        Rule live = parseRule("""
                when Transaction(amount > 1)
                severity high
                """);
        Rule writtenLive = parseRule("""
                mode live
                when Transaction(amount > 1)
                severity high
                """);
        assertThat(shadow.mode()).isEqualTo(Mode.SHADOW);
        assertThat(shadow.shadow()).isTrue();
        assertThat(writtenLive.mode()).isEqualTo(Mode.LIVE);
        assertThat(shadow.text()).isEqualTo(live.text()).doesNotContain("mode", "shadow");
        assertThat(writtenLive.text()).isEqualTo(live.text());
    }

    @Test
    void rule_everyClauseInAnyOrder_isKept() {
        Rule rule = parseRule("""
                enabled false
                labels { team: "fraud", tier: "1", }
                throttle 30 min
                notify fraud_sms, fraud_webhook
                message "Card {cardId}"
                severity critical
                key lower(merchant),   cardId
                when Transaction(amount > 1)
                """);
        assertThat(rule.enabled()).isFalse();
        assertSameTree(rule.labels(), List.of(new Label("team", "fraud", P), new Label("tier", "1", P)));
        assertThat(rule.throttle()).map(TimeSpan::millis).contains(1_800_000L);
        assertThat(rule.channels()).extracting(Ident::name).containsExactly("fraud_sms", "fraud_webhook");
        assertThat(rule.severity()).isEqualTo(Severity.CRITICAL);
        assertSameTree(rule.key(), List.of(
                new KeyExpr("lower(merchant)", new Expr.Call("lower", List.of(field("merchant")), P)),
                new KeyExpr("cardId", field("cardId"))));
    }

    @Test
    void rule_text_isTokensJoinedBySingleSpacesWithoutComments() {
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules", DECLARATIONS + """
                rule   big "Big one"  {   # a comment
                    when Transaction(amount>10000)   // another
                    key cardId
                }
                """));
        assertThat(result.orThrow().rule("big").orElseThrow().text())
                .isEqualTo("rule big \"Big one\" { when Transaction ( amount > 10000 ) key cardId }");
    }

    @Test
    void rule_position_isOneBasedLineAndColumnOfRuleKeyword() {
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules", "event E { x int }\n\n  rule r {\n"
                + "    when E(x > 1)\n  }\n"));
        Rule rule = result.orThrow().rules().get(0);
        assertThat(rule.pos()).isEqualTo(new Position(3, 3));
        Condition.Filter filter = (Condition.Filter) rule.when();
        assertThat(filter.pos()).isEqualTo(new Position(4, 10));
        assertThat(filter.event().filter().orElseThrow().pos()).isEqualTo(new Position(4, 12));
        assertThat(((Expr.Binary) filter.event().filter().orElseThrow()).right().pos()).isEqualTo(new Position(4, 16));
    }

    @Test
    void message_placeholdersAndDoubledBraces_areSplitIntoParts() {
        Rule rule = parseRule("when Transaction by cardId over sliding 1 min having count() > 1\n"
                + "message \"{{Card}} {cardId} spent {sum(amount):0.00}!\"");
        assertSameTree(rule.message().orElseThrow(), new MessageTemplate(List.of(
                new MessageTemplate.Text("{Card} "),
                new MessageTemplate.Placeholder(field("cardId"), "cardId", Optional.empty()),
                new MessageTemplate.Text(" spent "),
                new MessageTemplate.Placeholder(agg(Expr.AggregateFunction.SUM, "amount"), "sum(amount)",
                        Optional.of("0.00")),
                new MessageTemplate.Text("!")), P));
    }

    @Test
    void message_placeholderPositions_pointIntoTheFile() {
        CompileResult result = RulesCompiler.compile(new SourceFile("a.rules",
                "event E { x int }\nrule r {\n when E\n message \"x={x}\"\n}\n"));
        MessageTemplate.Placeholder p = (MessageTemplate.Placeholder) result.orThrow().rules().get(0).message()
                .orElseThrow().parts().get(1);
        assertThat(p.expr().pos()).isEqualTo(new Position(4, 14));
    }

    @Test
    void keywords_areValidTypeFieldAndTagNames() {
        CompileResult result = RulesCompiler.compile(new SourceFile("k.rules", """
                event Order {
                    count  int
                    key    string
                    window string
                    last   long
                    event  string
                    rule   string
                    at     timestamp
                }
                rule count {
                    when last: Order(count > 1 and key == "k" and window != "w") -> event: Order(last > last.last)
                        by key within 1 min
                    message "{last.count} {event.window} {key}"
                }
                rule window {
                    when Order by key over last 5 events having sum(last) > 1 and count() > 1 and key != "x"
                    key key
                }
                """));
        assertThat(result.diagnostics()).extracting(Diagnostic::format).isEmpty();
        EventDecl order = result.orThrow().event("Order").orElseThrow();
        assertSameTree(order.fields().get(0), new FieldDecl("count", FieldType.INT, P));
    }

    @ParameterizedTest
    @CsvSource({"event", "rule", "when", "key", "severity", "message", "notify", "throttle", "labels", "enabled", "mode",
        "epl", "absent", "times", "by", "over", "sliding", "tumbling", "hopping", "every", "session", "last",
        "events", "having", "within", "for", "count", "at", "window", "Order"})
    void keyword_isValidAsTypeFieldTagAndRuleName(String word) {
        String text = "event " + word + " {\n " + word + " int\n}\n"
                + "rule " + word + " {\n when " + word + ": " + word + "(" + word + " > 1) -> b: " + word
                + "(" + word + " > " + word + "." + word + ")\n key " + word + "." + word + "\n}\n";
        CompileResult result = RulesCompiler.compile(new SourceFile("k.rules", text));
        assertThat(result.diagnostics()).extracting(Diagnostic::format).isEmpty();
        assertThat(result.orThrow().rule(word)).isPresent();
    }

    @Test
    void events_identicalAcrossFiles_areMergedIntoOne() {
        String decl = "event E {\n x int\n at timestamp\n}\n";
        CompileResult result = RulesCompiler.compile(
                new SourceFile("a.rules", decl + "rule a { when E }"),
                new SourceFile("b.rules", decl + "rule b { when E(x > 1) }"));
        RuleSet set = result.orThrow();
        assertThat(set.events()).hasSize(1);
        assertThat(set.events().get(0).file()).isEqualTo("a.rules");
        assertThat(set.files()).extracting(f -> f.events().size()).containsExactly(1, 1);
        assertThat(set.rules()).extracting(Rule::id).containsExactly("a", "b");
        assertThat(set.events().get(0).timestampField()).map(FieldDecl::name).contains("at");
    }

    @Test
    void effectiveKey_withoutKeyClause_isTheByFields() {
        Rule rule = parseRule("when Transaction by cardId, merchant over sliding 1 min having count() > 1");
        assertThat(rule.effectiveKey()).extracting(KeyExpr::text).containsExactly("cardId", "merchant");
    }
}
