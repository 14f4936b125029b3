package dev.vigil.engine;

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
        if (e instanceof Expr.NumberLit n) {
            return number(n);
        } else if (e instanceof Expr.StringLit s) {
            return EsperNames.string(s.value());
        } else if (e instanceof Expr.BoolLit b) {
            return Boolean.toString(b.value());
        } else if (e instanceof Expr.NullLit) {
            return "null";
        } else if (e instanceof Expr.FieldRef f) {
            return fields.apply(f);
        } else if (e instanceof Expr.Binary b) {
            return "(" + of(b.left()) + " " + binary(b.op()) + " " + of(b.right()) + ")";
        } else if (e instanceof Expr.Not n) {
            return "(not " + of(n.operand()) + ")";
        } else if (e instanceof Expr.Negate n) {
            return "(-" + of(n.operand()) + ")";
        } else if (e instanceof Expr.InList in) {
            return "(" + of(in.value()) + (in.negated() ? " not in (" : " in (")
                    + in.items().stream().map(this::of).collect(Collectors.joining(", ")) + "))";
        } else if (e instanceof Expr.Between b) {
            return "(" + of(b.value()) + " between " + of(b.low()) + " and " + of(b.high()) + ")";
        } else if (e instanceof Expr.Matches m) {
            return "(" + of(m.value()) + " regexp " + EsperNames.string(m.regex()) + ")";
        } else if (e instanceof Expr.IsNull n) {
            return "(" + of(n.value()) + (n.negated() ? " is not null)" : " is null)");
        } else if (e instanceof Expr.Call c) {
            return "vigil_" + c.function() + "("
                    + c.args().stream().map(this::of).collect(Collectors.joining(", ")) + ")";
        } else if (e instanceof Expr.Aggregate a) {
            return aggregate(a);
        }
        throw new AssertionError("unhandled expression " + e);
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
