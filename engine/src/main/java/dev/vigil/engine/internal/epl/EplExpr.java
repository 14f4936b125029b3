package dev.vigil.engine.internal.epl;

import dev.vigil.rules.ast.Expr;

import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Translates expressions of the rules language to EPL. Field references are resolved by the
 * caller, because what {@code amount} or {@code a.amount} means depends on the condition form.
 */
final class EplExpr {
    private final Function<Expr.FieldRef, String> fields;

    EplExpr(Function<Expr.FieldRef, String> fields) {
        this.fields = fields;
    }

    String of(Expr e) {
        return switch (e) {
            case Expr.NumberLit n -> number(n);
            case Expr.StringLit s -> EsperNames.string(s.value());
            case Expr.BoolLit b -> Boolean.toString(b.value());
            case Expr.NullLit nullLit -> "null";
            case Expr.FieldRef f -> fields.apply(f);
            case Expr.Binary b -> "(" + of(b.left()) + " " + binary(b.op()) + " " + of(b.right()) + ")";
            case Expr.Not n -> "(not " + of(n.operand()) + ")";
            case Expr.Negate n -> "(-" + of(n.operand()) + ")";
            case Expr.InList in -> "(" + of(in.value()) + (in.negated() ? " not in (" : " in (")
                    + in.items().stream().map(this::of).collect(Collectors.joining(", ")) + "))";
            case Expr.Between b -> "(" + of(b.value()) + " between " + of(b.low()) + " and " + of(b.high()) + ")";
            case Expr.Matches m -> "(" + of(m.value()) + " regexp " + EsperNames.string(m.regex()) + ")";
            case Expr.IsNull n -> "(" + of(n.value()) + (n.negated() ? " is not null)" : " is null)");
            case Expr.Call c -> "vigil_" + c.function() + "("
                    + c.args().stream().map(this::of).collect(Collectors.joining(", ")) + ")";
            case Expr.Aggregate a -> aggregate(a);
        };
    }

    private String aggregate(Expr.Aggregate a) {
        String arg = a.arg().map(this::of).orElse("*");
        return switch (a.function()) {
            case COUNT -> a.arg().isPresent() ? "count(" + arg + ")" : "count(*)";
            case SUM -> "sum(" + arg + ")";
            case AVG -> "avg(" + arg + ")";
            case MIN -> "min(" + arg + ")";
            case MAX -> "max(" + arg + ")";
            case DISTINCT -> "count(distinct " + arg + ")";
            case FIRST -> "first(" + arg + ")";
            case LAST -> "last(" + arg + ")";
        };
    }

    private static String binary(Expr.BinaryOp op) {
        return switch (op) {
            case OR -> "or";
            case AND -> "and";
            case EQ -> "=";
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            case ADD -> "+";
            case SUB -> "-";
            case MUL -> "*";
            case DIV -> "/";
            case MOD -> "%";
        };
    }

    private static String number(Expr.NumberLit n) {
        if (n.integral()) {
            double v = n.value();
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                return Long.toString((long) v);
            }
            if (v >= Long.MIN_VALUE && v <= Long.MAX_VALUE) {
                return (long) v + "L";
            }
        }
        return Double.toString(n.value());
    }
}
