package dev.vigil.rules.ast;

import static java.util.Objects.requireNonNull;

/** One entry of a rule's {@code labels { NAME: "VALUE" }}. */
public record Label(String name, String value, Position pos) implements Node {
    public Label {
        requireNonNull(name, "name is null");
        requireNonNull(value, "value is null");
    }
}
