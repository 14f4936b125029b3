package dev.vigil.rules.internal;

import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.Rule;

import java.util.Map;
import java.util.Set;

/** The semantic checks of one rule against the declared events. */
final class Checker {
    private final Map<String, EventDecl> events;
    private final Set<String> brokenEvents;
    private final Map<String, Set<String>> untypedFields;

    Checker(Map<String, EventDecl> events, Set<String> brokenEvents, Map<String, Set<String>> untypedFields) {
        this.events = events;
        this.brokenEvents = brokenEvents;
        this.untypedFields = untypedFields;
    }

    void check(Rule rule, Diagnostics diagnostics) {
    }
}
