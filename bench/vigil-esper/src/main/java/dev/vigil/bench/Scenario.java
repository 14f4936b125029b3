package dev.vigil.bench;

import java.util.List;

/** Measurement 1's rule mixes: which of rules/fraud.rules run, by rule id. */
public enum Scenario {
    /** (a) a filter rule. */
    FILTER(List.of("big_foreign_purchase")),
    /** (b) the card-testing pattern, {@code by cardId within 10 min}. */
    PATTERN(List.of("card_testing")),
    /** (c) a sliding 5-minute count per card. */
    SLIDING(List.of("velocity")),
    /** (d) the four fraud rules together. */
    FRAUD4(List.of("card_testing", "velocity", "impossible_travel", "big_foreign_purchase"));

    public final List<String> rules;

    Scenario(List<String> rules) {
        this.rules = rules;
    }

    public static Scenario of(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }

    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
