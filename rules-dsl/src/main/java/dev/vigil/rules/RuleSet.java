package dev.vigil.rules;

import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.TableDecl;
import dev.vigil.rules.ast.RuleFile;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A checked set of rule files: every event type and table declared once (identical re-declarations
 * merged), every rule id unique.
 */
public record RuleSet(List<RuleFile> files, List<EventDecl> events, List<TableDecl> tables, List<Rule> rules) {
    public RuleSet {
        files = List.copyOf(files);
        events = List.copyOf(events);
        tables = List.copyOf(tables);
        rules = List.copyOf(rules);
    }

    /** A set without tables. */
    public RuleSet(List<RuleFile> files, List<EventDecl> events, List<Rule> rules) {
        this(files, events, List.of(), rules);
    }

    public Optional<TableDecl> table(String name) {
        requireNonNull(name, "name is null");
        return tables.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public Optional<EventDecl> event(String name) {
        requireNonNull(name, "name is null");
        return events.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    public Optional<Rule> rule(String id) {
        requireNonNull(id, "id is null");
        return rules.stream().filter(r -> r.id().equals(id)).findFirst();
    }
}
