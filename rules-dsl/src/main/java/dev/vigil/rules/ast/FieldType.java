package dev.vigil.rules.ast;

/** The type of a declared event field. */
public enum FieldType {
    STRING, INT, LONG, DOUBLE, BOOLEAN, TIMESTAMP;

    /** The keyword a rule file uses for this type. */
    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean isNumeric() {
        return this == INT || this == LONG || this == DOUBLE;
    }
}
