package dev.vigil.notifier;

import dev.vigil.engine.Alert;
import dev.vigil.rules.ast.Severity;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One entry of the configuration's {@code routes}: which channels receive the alerts of rules
 * without {@code notify}. The first route whose {@link Match} fits an alert decides.
 *
 * @param channels the route's {@code notify} list, at least one
 */
public record Route(Match match, List<String> channels) {
    public Route {
        requireNonNull(match, "match is null");
        channels = List.copyOf(channels);
        if (channels.isEmpty()) {
            throw new IllegalArgumentException("a route must name at least one channel");
        }
    }

    /**
     * What a route matches; an empty part matches everything.
     *
     * @param severities any of these severities
     * @param rules any of these rule ids
     * @param labels every one of these labels, with exactly this value
     */
    public record Match(Set<Severity> severities, Set<String> rules, Map<String, String> labels) {
        public static final Match ANY = new Match(Set.of(), Set.of(), Map.of());

        public Match {
            severities = Set.copyOf(severities);
            rules = Set.copyOf(rules);
            labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        }

        public boolean matches(Alert alert) {
            if (!severities.isEmpty() && !severities.contains(alert.severity())) {
                return false;
            }
            if (!rules.isEmpty() && !rules.contains(alert.rule())) {
                return false;
            }
            for (Map.Entry<String, String> l : labels.entrySet()) {
                if (!l.getValue().equals(alert.labels().get(l.getKey()))) {
                    return false;
                }
            }
            return true;
        }
    }
}
