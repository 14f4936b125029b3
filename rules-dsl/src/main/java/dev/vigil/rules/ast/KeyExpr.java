package dev.vigil.rules.ast;

import static java.util.Objects.requireNonNull;

/** One expression of a rule's key, with its text as written (the alert's key names it so). */
public record KeyExpr(String text, Expr expr) {
    public KeyExpr {
        requireNonNull(text, "text is null");
        requireNonNull(expr, "expr is null");
    }
}
