package dev.vigil.rules.ast;

import static java.util.Objects.requireNonNull;

/** One field of an event declaration. */
public record FieldDecl(String name, FieldType type, Position pos) implements Node {
    public FieldDecl {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(pos, "pos is null");
    }
}
