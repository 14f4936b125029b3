package dev.vigil.engine.internal.shared;

import dev.vigil.rules.ast.Expr;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.vigil.engine.internal.shared.ExprGen.P;
import static dev.vigil.engine.internal.shared.ExprGen.aggregate;
import static dev.vigil.engine.internal.shared.ExprGen.binary;
import static dev.vigil.engine.internal.shared.ExprGen.field;
import static dev.vigil.engine.internal.shared.ExprGen.number;
import static org.assertj.core.api.Assertions.assertThat;

/** HavingEval's static decisions: result types and the threshold form (values: HavingEvalEsperTest). */
class HavingEvalTest {
    private static final Expr.Aggregate COUNT = aggregate(Expr.AggregateFunction.COUNT, null);
    private static final Expr.Aggregate SUM = aggregate(Expr.AggregateFunction.SUM, "amount");
    private static final Expr.Aggregate AVG = aggregate(Expr.AggregateFunction.AVG, "amount");
    private static final Map<Expr, HavingEval.Column> LAYOUT = Map.of(
            field("card"), new HavingEval.Column(0, String.class),
            COUNT, new HavingEval.Column(1, Long.class),
            SUM, new HavingEval.Column(2, Integer.class),
            AVG, new HavingEval.Column(3, Double.class));
    private static final HavingEval.Columns COLUMNS = e -> Optional.ofNullable(LAYOUT.get(e));

    private static HavingEval compile(Expr e) {
        return HavingEval.compile(e, COLUMNS).orElseThrow(() -> new AssertionError("refused: " + e));
    }

    @Test
    void types_areEspersTypes() {
        record Case(Expr expr, Class<?> type) {
        }
        List<Case> cases = List.of(
                new Case(binary(Expr.BinaryOp.ADD, SUM, number("1")), Integer.class),
                new Case(binary(Expr.BinaryOp.ADD, SUM, number("2147483648")), Long.class),
                new Case(binary(Expr.BinaryOp.ADD, SUM, number("-2147483648")), Long.class),
                new Case(binary(Expr.BinaryOp.MUL, COUNT, number("2")), Long.class),
                new Case(binary(Expr.BinaryOp.DIV, COUNT, number("2")), Double.class),
                new Case(binary(Expr.BinaryOp.DIV, SUM, SUM), Double.class),
                new Case(binary(Expr.BinaryOp.MUL, AVG, number("3")), Double.class),
                new Case(binary(Expr.BinaryOp.MOD, SUM, number("7")), Integer.class),
                new Case(binary(Expr.BinaryOp.SUB, SUM, number("1.5")), Double.class),
                new Case(new Expr.Call("abs", List.of(SUM), P), Double.class),
                new Case(new Expr.Call("length", List.of(field("card")), P), Integer.class),
                new Case(new Expr.Call("upper", List.of(field("card")), P), String.class),
                new Case(binary(Expr.BinaryOp.GT, SUM, number("100")), Boolean.class),
                new Case(new Expr.Negate(number("5"), P), Integer.class),
                new Case(new Expr.Negate(number("2147483648"), P), Long.class));
        for (Case c : cases) {
            assertThat(compile(c.expr()).type()).as("%s", c.expr()).isEqualTo(c.type());
        }
    }

    @Test
    void threshold_columnAgainstLiteral_eitherWayRound() {
        HavingEval.Threshold t = compile(binary(Expr.BinaryOp.GT, SUM, number("100"))).threshold().orElseThrow();
        assertThat(t).isEqualTo(new HavingEval.Threshold(2, Expr.BinaryOp.GT, 100, 100.0, true));
        HavingEval.Threshold flipped = compile(binary(Expr.BinaryOp.LT, number("2.5"), AVG)).threshold().orElseThrow();
        assertThat(flipped).isEqualTo(new HavingEval.Threshold(3, Expr.BinaryOp.GT, 2.5, 2.5, true));
        HavingEval.Threshold negated = compile(binary(Expr.BinaryOp.GE, COUNT, new Expr.Negate(number("3"), P)))
                .threshold().orElseThrow();
        assertThat(negated).isEqualTo(new HavingEval.Threshold(1, Expr.BinaryOp.GE, -3, -3.0, true));
    }

    @Test
    void threshold_notExactInDouble_forHugeLongLiterals_andZeroEquality() {
        assertThat(compile(binary(Expr.BinaryOp.GT, COUNT, number("9007199254740993"))).threshold().orElseThrow())
                .isEqualTo(new HavingEval.Threshold(1, Expr.BinaryOp.GT, 1L << 53, 0x1p53, false));
        assertThat(compile(binary(Expr.BinaryOp.GT, COUNT, number("9007199254740991"))).threshold().orElseThrow()
                .exactInDouble()).isTrue();
        assertThat(compile(binary(Expr.BinaryOp.EQ, AVG, number("0"))).threshold().orElseThrow().exactInDouble())
                .isFalse();
        assertThat(compile(binary(Expr.BinaryOp.GE, AVG, number("0"))).threshold().orElseThrow().exactInDouble())
                .isTrue();
        assertThat(compile(binary(Expr.BinaryOp.NE, SUM, number("-0.0"))).threshold().orElseThrow().exactInDouble())
                .isFalse();
        assertThat(compile(binary(Expr.BinaryOp.NE, SUM, number("0.0"))).threshold().orElseThrow().exactInDouble())
                .isTrue();
    }

    @Test
    void threshold_absent_forOtherForms() {
        assertThat(compile(binary(Expr.BinaryOp.GT, binary(Expr.BinaryOp.ADD, SUM, number("1")), number("5")))
                .threshold()).isEmpty();
        assertThat(compile(binary(Expr.BinaryOp.GT, SUM, COUNT)).threshold()).isEmpty();
        assertThat(compile(binary(Expr.BinaryOp.AND, binary(Expr.BinaryOp.GT, SUM, number("1")),
                binary(Expr.BinaryOp.GT, COUNT, number("1")))).threshold()).isEmpty();
        assertThat(compile(binary(Expr.BinaryOp.EQ, field("card"), new Expr.StringLit("a", P))).threshold()).isEmpty();
    }

    @Test
    void isTrue_onlyForTrue() {
        HavingEval eval = compile(binary(Expr.BinaryOp.GT, SUM, number("100")));
        assertThat(eval.isTrue(new Object[]{"c", 1L, 101, 1.0})).isTrue();
        assertThat(eval.isTrue(new Object[]{"c", 1L, 100, 1.0})).isFalse();
        assertThat(eval.isTrue(new Object[]{"c", 0L, null, null})).isFalse();
        assertThat(eval.eval(new Object[]{"c", 0L, null, null})).isNull();
    }

    @Test
    void compile_refusesColumnsOfOtherTypes() {
        Map<Expr, HavingEval.Column> big = Map.of(SUM, new HavingEval.Column(0, java.math.BigDecimal.class));
        assertThat(HavingEval.compile(binary(Expr.BinaryOp.GT, SUM, number("1")),
                e -> Optional.ofNullable(big.get(e)))).isEmpty();
    }
}
