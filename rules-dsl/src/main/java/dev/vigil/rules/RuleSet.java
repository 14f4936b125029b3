package dev.vigil.rules;

import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.RuleFile;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A checked set of rule files: every event type declared once (identical re-declarations merged),
 * every rule id unique.
 */
public record RuleSet(List<RuleFile> files, List<EventDecl> events, List<Rule> rules) {
    public RuleSet {
        files = List.copyOf(files);
        events = List.copyOf(events);
        rules = List.copyOf(rules);
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
