package dev.vigil.rules.ast;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** One parsed rule file: its event and table declarations and rules in source order. */
public record RuleFile(String name, List<EventDecl> events, List<TableDecl> tables, List<Rule> rules) {
    public RuleFile {
        requireNonNull(name, "name is null");
        events = List.copyOf(events);
        tables = List.copyOf(tables);
        rules = List.copyOf(rules);
    }

    /** A file without tables. */
    public RuleFile(String name, List<EventDecl> events, List<Rule> rules) {
        this(name, events, List.of(), rules);
    }
}
