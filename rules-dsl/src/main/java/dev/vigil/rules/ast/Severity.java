package dev.vigil.rules.ast;

/** How urgent a rule's alerts are. */
public enum Severity {
    INFO, WARNING, HIGH, CRITICAL;

    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
