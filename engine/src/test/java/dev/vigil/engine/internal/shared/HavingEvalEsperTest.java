package dev.vigil.engine.internal.shared;

import com.espertech.esper.common.client.EventBean;
import com.espertech.esper.common.client.EventType;
import com.espertech.esper.compiler.client.EPCompileException;
import com.espertech.esper.runtime.client.EPDeployment;
import com.espertech.esper.runtime.client.EPStatement;
import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.Expr;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;

import static dev.vigil.engine.internal.shared.ExprGen.P;
import static dev.vigil.engine.internal.shared.ExprGen.binary;
import static dev.vigil.engine.internal.shared.ExprGen.field;
import static dev.vigil.engine.internal.shared.ExprGen.number;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * HavingEval against real Esper, configured as the engine configures it, on the EPL the engine's
 * own translation writes: equal values of equal Java types for every supported expression.
 */
class HavingEvalEsperTest {
    private static final long SEED = 20_260_301L;

    /** Fields standing in for aggregate columns, in row order, with their Java types. */
    private static final Map<String, Class<?>> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("i1", Integer.class);
        FIELDS.put("i2", Integer.class);
        FIELDS.put("l1", Long.class);
        FIELDS.put("l2", Long.class);
        FIELDS.put("d1", Double.class);
        FIELDS.put("d2", Double.class);
        FIELDS.put("s1", String.class);
        FIELDS.put("s2", String.class);
        FIELDS.put("b1", Boolean.class);
    }

    private static final List<String> NAMES = List.copyOf(FIELDS.keySet());
    private static final Object[] INTS = {null, 0, 1, -1, 2, 3, 7, -5, 100, Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final Object[] LONGS = {null, 0L, 1L, -1L, 100L, 3_000_000_000L, 1L << 53, (1L << 53) + 1,
            -((1L << 53) + 1), Long.MAX_VALUE, Long.MIN_VALUE, 2_147_483_648L, -2_147_483_648L, 7L};
    private static final Object[] DOUBLES = {null, 0.0, -0.0, 1.5, -2.5, 100.0, Double.NaN,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0x1p53, 9_007_199_254_740_994.0, 1e300, 0.1, 3.0,
            Double.MIN_VALUE, 2_147_483_647.0, 7.0};
    private static final Object[] STRINGS = {null, "", "a", "abc", "ABC", "a.c", "Zürich", "10", "a\"b", "b",
            "back\\slash", "1.5"};
    private static final Object[] BOOLS = {null, Boolean.TRUE, Boolean.FALSE};

    private static final HavingEval.Columns COLUMNS = e -> e instanceof Expr.FieldRef f && FIELDS.containsKey(f.field())
            ? Optional.of(new HavingEval.Column(NAMES.indexOf(f.field()), FIELDS.get(f.field())))
            : Optional.empty();

    private static EsperAccess esper;
    private static List<Object[]> rows;

    @BeforeAll
    static void start() throws Exception {
        esper = new EsperAccess();
        StringBuilder schema = new StringBuilder("@public @buseventtype create objectarray schema T (");
        for (Map.Entry<String, Class<?>> f : FIELDS.entrySet()) {
            schema.append(f.getKey()).append(' ').append(f.getValue().getName()).append(", ");
        }
        schema.setLength(schema.length() - 2);
        esper.deploy(schema.append(')').toString());
        rows = rows(new Random(SEED));
    }

    @AfterAll
    static void stop() {
        esper.destroy();
    }

    // ---------------------------------------------------------------- random expressions

    @Test
    void randomExpressions_evaluateAsEsperDoes() throws Exception {
        Random rnd = new Random(SEED);
        ExprGen gen = new ExprGen(rnd,
                () -> field(rnd.nextInt(3) == 0 ? "i" + (1 + rnd.nextInt(2)) : rnd.nextBoolean()
                        ? "l" + (1 + rnd.nextInt(2)) : "d" + (1 + rnd.nextInt(2))),
                () -> field("s" + (1 + rnd.nextInt(2))),
                () -> field("b1"));
        List<Expr> all = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            all.add(rnd.nextInt(5) == 0 ? gen.num(1 + rnd.nextInt(4)) : gen.bool(1 + rnd.nextInt(4)));
        }
        Report report = differential(all);
        System.out.printf("HavingEval random: %d expressions, %d supported, %d refused, %d refused by Esper, "
                        + "%d evaluations compared%n", all.size(), report.supported, all.size() - report.supported,
                report.esperRefused.size(), report.compared);
        report.esperRefused.stream().limit(10).forEach(s -> System.out.println("  Esper refused: " + s));
        report.refused.stream().limit(Long.getLong("havingEval.showRefused", 0L))
                .forEach(e -> System.out.println("  refused: " + EsperAccess.epl(e, FIELD_EPL)));
        assertThat(report.mismatches).isEmpty();
        assertThat(report.esperRefused).isEmpty();
        assertThat(report.supported).as("share supported").isGreaterThan(all.size() / 2);
    }

    // ---------------------------------------------------------------- common forms

    /** Numeric columns compared with literals, combined with and/or/not, and + - * of numbers. */
    @Test
    void commonForms_areAllSupported_evaluateAsEsperDoes_andTheirThresholdsAreHonest() throws Exception {
        List<Expr> forms = new ArrayList<>();
        List<Expr> comparisons = new ArrayList<>();
        for (String col : List.of("i1", "l1", "d1")) {
            for (Expr.BinaryOp op : List.of(Expr.BinaryOp.EQ, Expr.BinaryOp.NE, Expr.BinaryOp.LT, Expr.BinaryOp.LE,
                    Expr.BinaryOp.GT, Expr.BinaryOp.GE)) {
                for (String lit : ExprGen.NUMBERS) {
                    comparisons.add(binary(op, field(col), number(lit)));
                    comparisons.add(binary(op, number(lit), field(col)));
                }
            }
        }
        forms.addAll(comparisons);
        Random rnd = new Random(SEED + 1);
        for (int i = 0; i < 300; i++) {
            Expr a = comparisons.get(rnd.nextInt(comparisons.size()));
            Expr b = comparisons.get(rnd.nextInt(comparisons.size()));
            forms.add(binary(rnd.nextBoolean() ? Expr.BinaryOp.AND : Expr.BinaryOp.OR, a, b));
            forms.add(new Expr.Not(a, P));
            Expr.BinaryOp arith = List.of(Expr.BinaryOp.ADD, Expr.BinaryOp.SUB, Expr.BinaryOp.MUL).get(rnd.nextInt(3));
            String x = List.of("i1", "i2", "l1", "l2", "d1", "d2").get(rnd.nextInt(6));
            Expr right = rnd.nextBoolean() ? field(List.of("i2", "l2", "d2").get(rnd.nextInt(3)))
                    : number(ExprGen.NUMBERS.get(rnd.nextInt(ExprGen.NUMBERS.size())));
            forms.add(binary(Expr.BinaryOp.GT, binary(arith, field(x), right), number("100")));
        }
        Report report = differential(forms);
        System.out.printf("HavingEval common forms: %d, %d supported, %d compared%n", forms.size(), report.supported,
                report.compared);
        assertThat(report.mismatches).isEmpty();
        assertThat(report.refused).isEmpty();
        assertThat(report.esperRefused).isEmpty();

        int exact = 0;
        for (Expr c : comparisons) {
            HavingEval eval = HavingEval.compile(c, COLUMNS).orElseThrow();
            HavingEval.Threshold t = eval.threshold().orElseThrow(() -> new AssertionError("no threshold: " + c));
            if (!t.exactInDouble()) {
                continue;
            }
            exact++;
            for (Object[] row : rows) {
                Object v = row[t.column()];
                Boolean inDouble = v == null ? null : compare(((Number) v).doubleValue(), t.op(), t.literalAsDouble());
                assertThat(eval.eval(row)).as("%s on %s", c, Arrays.toString(row)).isEqualTo(inDouble);
            }
        }
        System.out.printf("HavingEval thresholds: %d comparisons, %d exact in double%n", comparisons.size(), exact);
        assertThat(exact).isGreaterThan(comparisons.size() * 3 / 4);
    }

    private static Boolean compare(double v, Expr.BinaryOp op, double lit) {
        return switch (op) {
            case EQ -> v == lit;
            case NE -> v != lit;
            case LT -> v < lit;
            case LE -> v <= lit;
            case GT -> v > lit;
            case GE -> v >= lit;
            case OR, AND, ADD, SUB, MUL, DIV, MOD -> throw new AssertionError(op);
        };
    }

    // ---------------------------------------------------------------- hand-written cases

    /** Having conditions as a rule would write them, parsed by the rules compiler. */
    private static final List<String> PARSED = List.of(
            "i1 > 5 and d1 < 2", "i1 > 5 or d1 < 2", "not (i1 > 5)", "not (s1 == \"a\")",
            "i1 / 0 > 1", "i1 / 0 < 1", "d1 / 0 == d1 / 0", "i1 / i2 == 0.5", "l1 / 2 > 1",
            "d1 % 0 != 1", "i1 % 3 == -1", "i1 % -3 == 1", "l1 % 7 >= 0", "d1 % -2 < 0",
            "i1 + 1 > i1", "i1 * 2 < 0", "i1 + 2147483647 < 0", "i1 + 2147483648 > 0", "l1 + 1 < l1",
            "i1 - -2147483648 > 0", "-i1 == i1", "-l1 < 0", "-d1 == 0", "-(5) == -5", "-(2147483648) == -2147483648",
            "l1 == d1", "l1 == 9007199254740993", "l1 == 9007199254740992.0", "l1 > 9007199254740992.0",
            "l1 < 9223372036854775807", "d1 == 0", "d1 == -0.0", "d1 != 0.0", "d1 >= 0 and d1 <= 0",
            "i1 == 1.0", "i1 == -0.0", "d1 == d1", "d1 > d1", "d1 != d1",
            "s1 < s2", "s1 >= \"a\"", "s1 == \"\"", "s1 < \"b\" and s1 > \"\"",
            "s1 matches \"a.*\"", "s1 matches \"b\"", "s1 matches \".*\"", "s1 matches \"(?i)ABC\"",
            "i1 in (1, 2, 3)", "i1 not in (1, 2, 3)", "i1 in (l1, d1)", "d1 in (0, 1.5)", "l1 in (9007199254740993)",
            "s1 in (\"a\", s2)", "s1 not in (\"a\", \"b\")",
            "i1 between 1 and 10", "i1 between 10 and 1", "d1 between -1 and 1.5", "l1 between i1 and d1",
            "s1 between \"a\" and \"b\"", "s1 between \"b\" and \"a\"", "not (d1 between 0 and 1)",
            "i1 is null", "i1 is not null", "s1 is null or s1 == \"a\"", "(i1 > 1) is null",
            "b1", "not b1", "b1 == true", "b1 != (i1 > 0)", "b1 and i1 > 0", "b1 or d1 > 0",
            "abs(i1) > 1", "abs(d1) == d1", "abs(l1) > 9007199254740992", "round(d1, 0) == 2", "round(i1, 1) > 2",
            "round(d1, -1) >= 100", "length(s1) > 2", "length(lower(s1)) == length(s1)", "upper(s1) == \"ABC\"",
            "lower(s1) matches \"z.*\"");

    /** Forms the rules checker rejects but Esper accepts: null items and null operands. */
    private static final List<Expr> BUILT = List.of(
            new Expr.InList(field("i1"), List.of(number("1"), new Expr.NullLit(P)), false, P),
            new Expr.InList(field("i1"), List.of(new Expr.NullLit(P), number("1")), true, P),
            new Expr.InList(field("s1"), List.of(new Expr.NullLit(P)), false, P),
            new Expr.IsNull(new Expr.NullLit(P), false, P),
            new Expr.IsNull(new Expr.NullLit(P), true, P),
            binary(Expr.BinaryOp.AND, new Expr.BoolLit(true, P), field("b1")),
            binary(Expr.BinaryOp.EQ, new Expr.BoolLit(false, P), field("b1")));

    /** Refused: Esper would throw at run time, reject the EPL, or do what HavingEval does not model. */
    private static final List<String> REFUSED_PARSED = List.of(
            "i1 % i2 == 0", "i1 % 0 == 0", "l1 % i1 > 0", "i1 % (1 - 1) == 0", "round(d1, i1) > 0",
            "round(d1, 1000) > 0", "-(i1 + 1) > 0", "-(-5) < 0");

    /** Refused, and rejected by the rules checker too: mixed types. */
    private static final List<Expr> REFUSED_BUILT = List.of(
            binary(Expr.BinaryOp.LT, field("s1"), number("5")),
            binary(Expr.BinaryOp.LT, field("b1"), new Expr.BoolLit(true, P)),
            binary(Expr.BinaryOp.EQ, field("i1"), new Expr.StringLit("1", P)),
            binary(Expr.BinaryOp.EQ, field("i1"), new Expr.NullLit(P)),
            binary(Expr.BinaryOp.ADD, field("s1"), number("1")),
            new Expr.InList(field("d1"), List.of(new Expr.StringLit("a", P)), false, P),
            new Expr.Between(field("i1"), new Expr.NullLit(P), number("1"), P),
            new Expr.Not(field("i1"), P),
            new Expr.Call("abs", List.of(field("s1")), P),
            new Expr.Call("nosuch", List.of(field("i1")), P),
            new Expr.FieldRef(Optional.of("a"), java.util.OptionalInt.empty(), "i1", P),
            field("unknown"));

    @Test
    void handWrittenCases_evaluateAsEsperDoes() throws Exception {
        List<Expr> cases = new ArrayList<>();
        for (String having : PARSED) {
            cases.add(parse(having));
        }
        cases.addAll(BUILT);
        Report report = differential(cases);
        System.out.printf("HavingEval hand-written: %d cases, %d evaluations compared%n", cases.size(), report.compared);
        assertThat(report.mismatches).isEmpty();
        assertThat(report.refused).isEmpty();
        assertThat(report.esperRefused).isEmpty();
        List<Expr> refused = new ArrayList<>(REFUSED_BUILT);
        for (String having : REFUSED_PARSED) {
            refused.add(parse(having));
        }
        for (Expr e : refused) {
            assertThat(HavingEval.compile(e, COLUMNS)).as("%s", e).isEmpty();
        }
    }

    private static Expr parse(String having) {
        var set = TestRules.compile("event T { i1 int  i2 int  l1 long  l2 long  d1 double  d2 double  s1 string"
                + "  s2 string  b1 boolean }\n"
                + "rule r { when T by i1, i2, l1, l2, d1, d2, s1, s2, b1 over sliding 1 min having " + having + " }");
        return ((Condition.Aggregate) set.rules().get(0).when()).having();
    }

    // ---------------------------------------------------------------- real aggregates

    /** Aggregate columns as the engine's statement computes them, and random having conditions over them. */
    @Test
    void realAggregates_havingOverTheRow_equalsEsperHavingColumn() throws Exception {
        for (String type : List.of("java.lang.Integer", "java.lang.Double")) {
            String name = type.endsWith("Integer") ? "TxI" : "TxD";
            esper.deploy("@public @buseventtype create objectarray schema " + name + " (card string, amount " + type
                    + ")");
            Random rnd = new Random(SEED + name.hashCode());
            Map<Expr.Aggregate, String> aggregates = new LinkedHashMap<>();
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.COUNT, null), "c1");
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.SUM, "amount"), "c2");
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.AVG, "amount"), "c3");
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.MIN, "amount"), "c4");
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.MAX, "amount"), "c5");
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.DISTINCT, "amount"), "c6");
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.FIRST, "amount"), "c7");
            aggregates.put(ExprGen.aggregate(Expr.AggregateFunction.LAST, "amount"), "c8");
            List<Expr.Aggregate> aggs = List.copyOf(aggregates.keySet());
            ExprGen gen = new ExprGen(rnd, () -> aggs.get(rnd.nextInt(aggs.size())), () -> field("card"), null);
            Function<Expr.FieldRef, String> fields = f -> "`" + f.field() + "`";
            int havings = 120;
            List<Expr> exprs = new ArrayList<>();
            StringBuilder select = new StringBuilder("select irstream card as c0");
            for (Map.Entry<Expr.Aggregate, String> a : aggregates.entrySet()) {
                select.append(", ").append(EsperAccess.epl(a.getKey(), fields)).append(" as ").append(a.getValue());
            }
            Map<Expr, HavingEval.Column> cols = new HashMap<>();
            HavingEval.Columns columns = e -> Optional.ofNullable(cols.get(e));
            // Types as Esper reports them for these aggregates, read from a statement of the aggregates alone.
            EPDeployment probe = esper.deploy(select + "\nfrom " + name + "#time(1 minute) group by card");
            EventType probed = probe.getStatements()[0].getEventType();
            cols.put(field("card"), new HavingEval.Column(0, probed.getPropertyType("c0")));
            for (int i = 0; i < aggs.size(); i++) {
                cols.put(aggs.get(i), new HavingEval.Column(i + 1, probed.getPropertyType("c" + (i + 1))));
            }
            esper.runtime().getDeploymentService().undeploy(probe.getDeploymentId());
            int generated = 0;
            List<HavingEval> evals = new ArrayList<>();
            while (exprs.size() < havings) {
                Expr e = gen.bool(1 + rnd.nextInt(3));
                generated++;
                Optional<HavingEval> eval = HavingEval.compile(e, columns);
                if (eval.isEmpty()) {
                    continue; // (refused havings could make Esper throw, failing the whole row)
                }
                select.append(",\n  ").append(EsperAccess.epl(e, fields)).append(" as h").append(exprs.size());
                exprs.add(e);
                evals.add(eval.get());
            }
            select.append("\nfrom ").append(name).append("#time(1 minute) group by card");
            EPDeployment d = esper.deploy("@name('agg" + name + "') " + select);
            EPStatement stmt = d.getStatements()[0];
            EventType out = stmt.getEventType();
            for (HavingEval.Column c : cols.values()) {
                assertThat(out.getPropertyType("c" + c.index())).isEqualTo(c.type());
            }
            System.out.printf("HavingEval %s columns: %s%n", name, cols.values().stream()
                    .sorted(java.util.Comparator.comparingInt(HavingEval.Column::index))
                    .map(c -> c.type().getSimpleName()).toList());
            List<String> mismatches = new ArrayList<>();
            int[] compared = {0};
            stmt.addListener((newEvents, oldEvents, s, rt) -> {
                for (EventBean[] events : new EventBean[][]{newEvents, oldEvents}) {
                    if (events == null) {
                        continue;
                    }
                    for (EventBean ev : events) {
                        Object[] row = new Object[aggs.size() + 1];
                        for (int c = 0; c < row.length; c++) {
                            row[c] = ev.get("c" + c);
                        }
                        for (int h = 0; h < exprs.size(); h++) {
                            compared[0]++;
                            Object expected = ev.get("h" + h);
                            Object actual = evals.get(h).eval(row);
                            if (!sameValue(expected, actual) && mismatches.size() < 20) {
                                mismatches.add(EsperAccess.epl(exprs.get(h), fields) + " on " + Arrays.toString(row)
                                        + ": Esper " + describe(expected) + ", HavingEval " + describe(actual));
                            }
                        }
                    }
                }
            });
            long t = 0;
            Object[] amounts = name.equals("TxI")
                    ? new Object[]{null, 0, 1, -1, 5, 50, 100, 101, -7, Integer.MAX_VALUE, Integer.MIN_VALUE}
                    : new Object[]{null, 0.0, -0.0, 1.5, 5.0, 50.25, 100.0, 100.5, -7.0, Double.NaN,
                            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e300};
            for (int e = 0; e < 400; e++) {
                t += rnd.nextInt(4) == 0 ? rnd.nextInt(70_000) : rnd.nextInt(5_000);
                esper.runtime().getEventService().advanceTime(t);
                Object amount = rnd.nextInt(3) == 0 ? amounts[rnd.nextInt(amounts.length)] : name.equals("TxI")
                        ? (Object) (rnd.nextInt(300) - 100) : (Object) (rnd.nextInt(30_000) / 100.0 - 100);
                esper.runtime().getEventService().sendEventObjectArray(
                        new Object[]{"c" + rnd.nextInt(3), amount}, name);
            }
            esper.runtime().getEventService().advanceTime(t + 120_000); // everything expires
            System.out.printf("HavingEval %s: %d havings generated, %d supported, %d evaluations compared%n", name,
                    generated, exprs.size(), compared[0]);
            assertThat(mismatches).isEmpty();
            assertThat(compared[0]).isGreaterThan(havings * 300);
            assertThat(exprs.size()).isGreaterThan(generated / 2);
            esper.runtime().getDeploymentService().undeploy(d.getDeploymentId());
        }
    }

    // ---------------------------------------------------------------- the differential

    private static final class Report {
        int supported;
        int compared;
        final List<Expr> refused = new ArrayList<>();
        final List<String> esperRefused = new ArrayList<>();
        final List<String> mismatches = new ArrayList<>();
    }

    private static final Function<Expr.FieldRef, String> FIELD_EPL = f -> "`" + f.field() + "`";
    private static final int BATCH = 100;

    /**
     * Compiles each expression with HavingEval; the supported ones go to Esper in statements of
     * {@value #BATCH} columns ({@code select e0 as r0, ... from T}), every row is sent, and each
     * column is compared with eval.
     */
    private static Report differential(List<Expr> exprs) throws Exception {
        Report report = new Report();
        List<Expr> supported = new ArrayList<>();
        List<HavingEval> evals = new ArrayList<>();
        for (Expr e : exprs) {
            Optional<HavingEval> eval = HavingEval.compile(e, COLUMNS);
            if (eval.isPresent()) {
                supported.add(e);
                evals.add(eval.get());
            } else {
                report.refused.add(e);
            }
        }
        report.supported = supported.size();
        for (int from = 0; from < supported.size(); from += BATCH) {
            List<Expr> batch = new ArrayList<>(supported.subList(from, Math.min(supported.size(), from + BATCH)));
            List<HavingEval> batchEvals = new ArrayList<>(evals.subList(from, Math.min(evals.size(), from + BATCH)));
            EPDeployment d;
            try {
                d = esper.deploy(select(batch));
            } catch (EPCompileException whole) {
                for (int i = batch.size() - 1; i >= 0; i--) {
                    String epl = EsperAccess.epl(batch.get(i), FIELD_EPL);
                    try {
                        esper.compile("select " + epl + " as r0 from T");
                    } catch (EPCompileException one) {
                        report.esperRefused.add(epl + ": " + one.getMessage());
                        batch.remove(i);
                        batchEvals.remove(i);
                    }
                }
                d = esper.deploy(select(batch));
            }
            EPStatement stmt = d.getStatements()[0];
            EventBean[] last = new EventBean[1];
            stmt.addListener((newEvents, oldEvents, s, rt) -> last[0] = newEvents[0]);
            for (int i = 0; i < batch.size(); i++) {
                assertThat(batchEvals.get(i).type()).as("type of %s", EsperAccess.epl(batch.get(i), FIELD_EPL))
                        .isEqualTo(boxed(stmt.getEventType().getPropertyType("r" + i)));
            }
            for (Object[] row : rows) {
                last[0] = null;
                esper.runtime().getEventService().sendEventObjectArray(row.clone(), "T");
                assertThat(last[0]).isNotNull();
                for (int i = 0; i < batch.size(); i++) {
                    report.compared++;
                    Object expected = last[0].get("r" + i);
                    Object actual = batchEvals.get(i).eval(row);
                    if (!sameValue(expected, actual) && report.mismatches.size() < 30) {
                        report.mismatches.add(EsperAccess.epl(batch.get(i), FIELD_EPL) + " on " + Arrays.toString(row)
                                + ": Esper " + describe(expected) + ", HavingEval " + describe(actual));
                    }
                    if (actual instanceof Boolean b) {
                        assertThat(batchEvals.get(i).isTrue(row)).isEqualTo(b);
                    }
                }
            }
            esper.runtime().getDeploymentService().undeploy(d.getDeploymentId());
        }
        return report;
    }

    private static String select(List<Expr> batch) {
        StringBuilder sb = new StringBuilder("select ");
        for (int i = 0; i < batch.size(); i++) {
            sb.append(i > 0 ? ",\n  " : "").append(EsperAccess.epl(batch.get(i), FIELD_EPL)).append(" as r").append(i);
        }
        return sb.append("\nfrom T").toString();
    }

    /** Equal values of equal classes; doubles by {@link Double#equals} (NaN is NaN, -0.0 is not 0.0). */
    private static boolean sameValue(Object expected, Object actual) {
        return Objects.equals(expected, actual) && (expected == null || expected.getClass() == actual.getClass());
    }

    private static String describe(Object v) {
        return v == null ? "null" : v + " (" + v.getClass().getSimpleName() + ")";
    }

    private static Class<?> boxed(Class<?> c) {
        if (c == boolean.class) {
            return Boolean.class;
        } else if (c == int.class) {
            return Integer.class;
        } else if (c == long.class) {
            return Long.class;
        } else if (c == double.class) {
            return Double.class;
        }
        return c;
    }

    private static List<Object[]> rows(Random rnd) {
        Object[][] pools = {INTS, INTS, LONGS, LONGS, DOUBLES, DOUBLES, STRINGS, STRINGS, BOOLS};
        List<Object[]> rows = new ArrayList<>();
        for (int r = 0; r < 60; r++) {
            Object[] row = new Object[pools.length];
            for (int c = 0; c < pools.length; c++) {
                Object[] pool = pools[c];
                row[c] = r < 20 ? pool[(r * (c + 1) + c) % pool.length] : pool[rnd.nextInt(pool.length)];
            }
            rows.add(row);
        }
        return rows;
    }
}
