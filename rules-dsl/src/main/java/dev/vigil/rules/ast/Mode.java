package dev.vigil.rules.ast;

/**
 * A rule's {@code mode} clause. A shadow rule runs on the live stream like any other and its
 * alerts are stored and shown, marked {@code shadow}, but never go to a channel: a way to see
 * what a new rule would do before it pages anyone. The mode is not part of a rule's identity, so
 * switching a rule between the two keeps its state.
 */
public enum Mode {
    LIVE, SHADOW;

    /** As written in a rule file. */
    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
