package dev.vigil.engine.internal.epl;

import dev.vigil.rules.ast.Expr;

import java.util.stream.Collectors;

/** Prints an expression back in the rules language, as names in an alert's {@code values}. */
public final class ExprText {
    private ExprText() {
    }

    public static String of(Expr e) {
        switch (e) {
            case Expr.NumberLit n -> {
                return n.text();
            }
            case Expr.StringLit s -> {
                return '"' + s.value().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            }
            case Expr.BoolLit b -> {
                return Boolean.toString(b.value());
            }
            case Expr.NullLit nullLit -> {
                return "null";
            }
            case Expr.FieldRef f -> {
                StringBuilder sb = new StringBuilder();
                f.tag().ifPresent(t -> sb.append(t));
                f.index().ifPresent(i -> sb.append('[').append(i).append(']'));
                if (f.tag().isPresent()) {
                    sb.append('.');
                }
                return sb.append(f.field()).toString();
            }
            case Expr.Binary b -> {
                return of(b.left()) + " " + b.op().symbol() + " " + of(b.right());
            }
            case Expr.Not n -> {
                return "not " + of(n.operand());
            }
            case Expr.Negate n -> {
                return "-" + of(n.operand());
            }
            case Expr.InList in -> {
                return of(in.value()) + (in.negated() ? " not in (" : " in (")
                        + in.items().stream().map(ExprText::of).collect(Collectors.joining(", ")) + ")";
            }
            case Expr.Between b -> {
                return of(b.value()) + " between " + of(b.low()) + " and " + of(b.high());
            }
            case Expr.Matches m -> {
                return of(m.value()) + " matches \"" + m.regex() + "\"";
            }
            case Expr.IsNull n -> {
                return of(n.value()) + (n.negated() ? " is not null" : " is null");
            }
            case Expr.Call c -> {
                return c.function() + "(" + c.args().stream().map(ExprText::of).collect(Collectors.joining(", ")) + ")";
            }
            case Expr.Aggregate a -> {
                return a.function().keyword() + "(" + a.arg().map(ExprText::of).orElse("") + ")";
            }
            case Expr.Lookup l -> {
                return l.table() + "[" + l.keys().stream().map(ExprText::of).collect(Collectors.joining(", ")) + "]."
                        + l.field();
            }
            case Expr.InTable in -> {
                return of(in.value()) + (in.negated() ? " not in " : " in ") + in.table();
            }
        }
    }
}
