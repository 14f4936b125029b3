package dev.vigil.rules.ast;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** An event type with an optional filter: {@code Transaction(amount > 10)}. */
public record EventRef(Ident type, Optional<Expr> filter, Position pos) implements Node {
    public EventRef {
        requireNonNull(type, "type is null");
        requireNonNull(filter, "filter is null");
        requireNonNull(pos, "pos is null");
    }
}
