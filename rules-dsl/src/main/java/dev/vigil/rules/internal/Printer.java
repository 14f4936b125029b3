package dev.vigil.rules.internal;

import dev.vigil.rules.ast.Expr;

import java.util.Optional;

/** Prints simple expressions back as rule text, for messages that suggest a rewrite. */
final class Printer {
    private Printer() {
    }

    /** The text of a field reference or literal; empty for anything more complex. */
    static Optional<String> print(Expr e) {
        if (e instanceof Expr.FieldRef f) {
            StringBuilder s = new StringBuilder();
            f.tag().ifPresent(t -> s.append(t));
            f.index().ifPresent(i -> s.append('[').append(i).append(']'));
            if (f.tag().isPresent()) {
                s.append('.');
            }
            return Optional.of(s.append(f.field()).toString());
        } else if (e instanceof Expr.NumberLit n) {
            return Optional.of(n.text());
        } else if (e instanceof Expr.BoolLit b) {
            return Optional.of(String.valueOf(b.value()));
        }
        return Optional.empty();
    }
}
