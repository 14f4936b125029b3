package dev.vigil.server.cli;

import dev.vigil.rules.Horizon;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.Position;
import dev.vigil.rules.ast.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Rule horizons as {@code vigil check} and {@code vigil explain} print them. Neither command reads
 * a configuration, so a horizon is capped by the default {@code state.maxHorizon}, and the text
 * says so.
 */
final class HorizonText {
    /** How the cap is named wherever a horizon is capped. */
    private static final String CAP = "state.maxHorizon (" + duration(Horizon.DEFAULT_MAX.toMillis()) + " by default)";

    private HorizonText() {
    }

    /** {@code 5 min}; {@code unbounded (a session window), capped by state.maxHorizon (24 h by default)}. */
    static String of(Rule rule) {
        OptionalLong h = Horizon.millis(rule);
        if (h.isEmpty()) {
            return "unbounded (" + Horizon.unboundedBecause(rule).orElseThrow() + "), capped by " + CAP;
        }
        String text = duration(h.getAsLong());
        return h.getAsLong() > Horizon.DEFAULT_MAX.toMillis() ? text + ", capped by " + CAP : text;
    }

    /** The horizon of an engine running the set's enabled rules, as {@link #of} writes one. */
    static String engine(RuleSet rules) {
        List<Rule> enabled = rules.rules().stream().filter(Rule::enabled).toList();
        return duration(Horizon.longestMillis(enabled, Horizon.DEFAULT_MAX))
                + ": the longest of the enabled rules, each capped by " + CAP;
    }

    /**
     * One line per rule whose state outlives its horizon's cap, in rule order:
     * {@code FILE:LINE:COLUMN: warning: rule ID: unbounded horizon (a pattern without `within`):
     * capped by state.maxHorizon (24 h by default) for recovery}.
     */
    static List<String> warnings(RuleSet rules) {
        List<String> out = new ArrayList<>();
        for (Rule rule : rules.rules()) {
            OptionalLong h = Horizon.millis(rule);
            Optional<String> problem = Optional.empty();
            if (h.isEmpty()) {
                problem = Optional.of("unbounded horizon (" + Horizon.unboundedBecause(rule).orElseThrow() + ")");
            } else if (h.getAsLong() > Horizon.DEFAULT_MAX.toMillis()) {
                problem = Optional.of("horizon " + duration(h.getAsLong()) + " is longer than the cap");
            }
            problem.ifPresent(p -> out.add(rule.file() + ":" + where(rule) + ": warning: rule " + rule.id() + ": " + p
                    + ": capped by " + CAP + " for recovery"));
        }
        return out;
    }

    /** Where the horizon comes from: the window of an aggregate, else the condition. */
    private static Position where(Rule rule) {
        return rule.when() instanceof Condition.Aggregate a ? a.window().pos() : rule.when().pos();
    }

    /**
     * A duration in the rule language's own units: the largest of h, min, s that divides it, else
     * milliseconds, and days from two days on ({@code 90 s}, {@code 10 min}, {@code 24 h}, {@code 7 d}).
     */
    static String duration(long millis) {
        if (millis == 0) {
            return "0 s";
        }
        if (millis >= 2 * 86_400_000L && millis % 86_400_000L == 0) {
            return millis / 86_400_000L + " d";
        }
        long[] sizes = {3_600_000L, 60_000L, 1_000L};
        String[] units = {"h", "min", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (millis % sizes[i] == 0) {
                return millis / sizes[i] + " " + units[i];
            }
        }
        return millis + " ms";
    }
}
