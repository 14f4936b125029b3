package dev.vigil.rules.ast;

/** A 1-based line and column in a rule file. */
public record Position(int line, int column) {
    public static final Position NONE = new Position(0, 0);

    @Override
    public String toString() {
        return line + ":" + column;
    }
}
