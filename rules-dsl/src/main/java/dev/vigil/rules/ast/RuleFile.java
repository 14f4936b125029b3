package dev.vigil.rules.ast;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** One parsed rule file: its event declarations and rules in source order. */
public record RuleFile(String name, List<EventDecl> events, List<Rule> rules) {
    public RuleFile {
        requireNonNull(name, "name is null");
        events = List.copyOf(events);
        rules = List.copyOf(rules);
    }
}
