package dev.vigil.rules.ast;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A reference table: {@code table NAME { FIELD TYPE [key] ... }} (rules-language.md, "Reference
 * tables"). Rows are keyed by the {@code key} fields, in declaration order.
 *
 * @param keys the key fields' names, in declaration order; at least one
 * @param file the rule file that declares it (as given to the compiler)
 */
public record TableDecl(String name, List<FieldDecl> fields, List<String> keys, String file, Position pos)
        implements Node {
    public TableDecl {
        requireNonNull(name, "name is null");
        fields = List.copyOf(fields);
        keys = List.copyOf(keys);
        requireNonNull(file, "file is null");
        requireNonNull(pos, "pos is null");
    }

    public Optional<FieldDecl> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    /** The key fields, in order. */
    public List<FieldDecl> keyFields() {
        return keys.stream().map(k -> field(k).orElseThrow()).toList();
    }

    /** True when both declare the same fields, types and keys in the same order. */
    public boolean sameShape(TableDecl other) {
        if (!name.equals(other.name) || fields.size() != other.fields.size() || !keys.equals(other.keys)) {
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
