package dev.vigil.rules.ast;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * An event declaration: {@code event NAME { FIELD TYPE ... }}.
 *
 * @param file the rule file that declares it (as given to the compiler)
 */
public record EventDecl(String name, List<FieldDecl> fields, String file, Position pos) implements Node {
    public EventDecl {
        requireNonNull(name, "name is null");
        fields = List.copyOf(fields);
        requireNonNull(file, "file is null");
        requireNonNull(pos, "pos is null");
    }

    public Optional<FieldDecl> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    /** The field of type timestamp, which gives the event its time. */
    public Optional<FieldDecl> timestampField() {
        return fields.stream().filter(f -> f.type() == FieldType.TIMESTAMP).findFirst();
    }

    /** True when both declare the same fields with the same types in the same order. */
    public boolean sameShape(EventDecl other) {
        if (!name.equals(other.name) || fields.size() != other.fields.size()) {
            return false;
        }
        for (int i = 0; i < fields.size(); i++) {
            FieldDecl a = fields.get(i);
            FieldDecl b = other.fields.get(i);
            if (!a.name().equals(b.name()) || a.type() != b.type()) {
                return false;
            }
        }
        return true;
    }
}
