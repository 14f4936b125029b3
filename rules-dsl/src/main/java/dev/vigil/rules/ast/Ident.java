package dev.vigil.rules.ast;

import static java.util.Objects.requireNonNull;

/** A name as written in a rule file (a `by` field, a channel), with its position. */
public record Ident(String name, Position pos) implements Node {
    public Ident {
        requireNonNull(name, "name is null");
        requireNonNull(pos, "pos is null");
    }
}
