package dev.vigil.engine;

import dev.vigil.rules.ast.Expr;

import java.util.stream.Collectors;

/** Prints an expression back in the rules language, as names in an alert's {@code values}. */
final class ExprText {
    private ExprText() {
    }

    static String of(Expr e) {
        if (e instanceof Expr.NumberLit n) {
            return n.text();
        } else if (e instanceof Expr.StringLit s) {
            return '"' + s.value().replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        } else if (e instanceof Expr.BoolLit b) {
            return Boolean.toString(b.value());
        } else if (e instanceof Expr.NullLit) {
            return "null";
        } else if (e instanceof Expr.FieldRef f) {
            StringBuilder sb = new StringBuilder();
            f.tag().ifPresent(t -> sb.append(t));
            f.index().ifPresent(i -> sb.append('[').append(i).append(']'));
            if (f.tag().isPresent()) {
                sb.append('.');
            }
            return sb.append(f.field()).toString();
        } else if (e instanceof Expr.Binary b) {
            return of(b.left()) + " " + b.op().symbol() + " " + of(b.right());
        } else if (e instanceof Expr.Not n) {
            return "not " + of(n.operand());
        } else if (e instanceof Expr.Negate n) {
            return "-" + of(n.operand());
        } else if (e instanceof Expr.InList in) {
            return of(in.value()) + (in.negated() ? " not in (" : " in (")
                    + in.items().stream().map(ExprText::of).collect(Collectors.joining(", ")) + ")";
        } else if (e instanceof Expr.Between b) {
            return of(b.value()) + " between " + of(b.low()) + " and " + of(b.high());
        } else if (e instanceof Expr.Matches m) {
            return of(m.value()) + " matches \"" + m.regex() + "\"";
        } else if (e instanceof Expr.IsNull n) {
            return of(n.value()) + (n.negated() ? " is not null" : " is null");
        } else if (e instanceof Expr.Call c) {
            return c.function() + "(" + c.args().stream().map(ExprText::of).collect(Collectors.joining(", ")) + ")";
        } else if (e instanceof Expr.Aggregate a) {
            return a.function().keyword() + "(" + a.arg().map(ExprText::of).orElse("") + ")";
        }
        throw new AssertionError("unhandled expression " + e);
    }
}
