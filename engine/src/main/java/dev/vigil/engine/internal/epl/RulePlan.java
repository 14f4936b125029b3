package dev.vigil.engine.internal.epl;

import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.Rule;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * What one rule compiles to: an EPL module and how to read its output rows.
 *
 * <p>Every listened statement of a rule outputs object-array rows with the same column layout:
 * group values (stateful rules), key values, message placeholder values, {@code values} entries,
 * matched events, and the condition (stateful rules).
 *
 * @param listened indexes of the statements whose rows raise alerts
 * @param layouts the column layout of each listened statement, in the same order
 * @param judgedEveryMillis for hopping windows: rows are read from the statement at every
 *     epoch-aligned multiple of this, instead of from a listener
 * @param forMillis the {@code for} duration of an aggregate rule, 0 when none
 * @param longestMillis the longest duration the rule uses (for the drain at the end of input)
 * @param types the declared event types the rule reads
 * @param params the values of the statements' substitution parameters by name, when the rule was
 *     translated with literals as parameters; empty otherwise
 */
public record RulePlan(
        Rule rule,
        Kind kind,
        List<String> statements,
        List<Integer> listened,
        List<Layout> layouts,
        long judgedEveryMillis,
        long forMillis,
        long longestMillis,
        Set<String> types,
        Map<String, Object> params) {

    /** A statement's name in a parametrized module, replaced by {@link #statementName} at deploy. */
    public static final String PLACEHOLDER_NAME = "vigil-statement-";

    public enum Kind {
        /** Filter, pattern and raw EPL rules: every row raises a firing alert. */
        FIRE_ONLY,
        /** Aggregate and absence rules: rows carry a condition per group; alerts on transitions. */
        STATEFUL
    }

    public RulePlan {
        requireNonNull(rule, "rule is null");
        requireNonNull(kind, "kind is null");
        statements = List.copyOf(statements);
        listened = List.copyOf(listened);
        layouts = List.copyOf(layouts);
        if (layouts.size() != listened.size()) {
            throw new IllegalArgumentException("one layout per listened statement: " + layouts.size() + " for "
                    + listened.size());
        }
        types = Set.copyOf(types);
        params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
    }

    public RulePlan(Rule rule, Kind kind, List<String> statements, List<Integer> listened, List<Layout> layouts,
                    long judgedEveryMillis, long forMillis, long longestMillis, Set<String> types) {
        this(rule, kind, statements, listened, layouts, judgedEveryMillis, forMillis, longestMillis, types, Map.of());
    }

    /** The same plan with these parameter values. */
    public RulePlan withParams(Map<String, Object> values) {
        return new RulePlan(rule, kind, statements, listened, layouts, judgedEveryMillis, forMillis, longestMillis, types,
                values);
    }

    /** The name of a rule's statement {@code index}: the rule id, then {@code id:1}, {@code id:2}, ... */
    public static String statementName(String ruleId, int index) {
        return ruleId + (index == 0 ? "" : ":" + index);
    }

    /** The layout of the first listened statement (the only one, except for group-first patterns). */
    public Layout layout() {
        return layouts.get(0);
    }

    /** The module text: statements separated by {@code ;} and a blank line. */
    public String module() {
        return String.join(";\n\n", statements);
    }

    /**
     * Column positions of the rows. Equal expressions share one column (a key that is also a
     * message placeholder is computed once).
     *
     * @param messageParts the template parts; placeholder i reads column {@code messageCols[i]}
     * @param timestampMessage per placeholder: true when it is a timestamp field (printed as ISO-8601)
     * @param matchedEvents whether the event columns hold the events that matched (filter,
     *     pattern) or the last events of a window, newest first (aggregates)
     * @param conditionCol the condition's column (stateful rules), else -1
     * @param countCol the column counting the group's events in its window (aggregate and absence
     *     rules: {@code count(*)}), else -1
     */
    public record Layout(
            int[] groupCols,
            List<String> keyNames,
            int[] keyCols,
            List<MessageTemplate.Part> messageParts,
            List<Boolean> timestampMessage,
            int[] messageCols,
            List<String> valueNames,
            int[] valueCols,
            int[] eventCols,
            boolean matchedEvents,
            int conditionCol,
            int countCol,
            int width) {

        public Layout {
            keyNames = List.copyOf(keyNames);
            messageParts = List.copyOf(messageParts);
            timestampMessage = List.copyOf(timestampMessage);
            valueNames = List.copyOf(valueNames);
        }
    }
}
