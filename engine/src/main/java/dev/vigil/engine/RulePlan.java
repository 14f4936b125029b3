package dev.vigil.engine;

import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.Rule;

import java.util.List;
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
 * @param judgedEveryMillis for hopping windows: rows are read from the statement at every
 *     epoch-aligned multiple of this, instead of from a listener
 * @param forMillis the {@code for} duration of an aggregate rule, 0 when none
 * @param longestMillis the longest duration the rule uses (for the drain at the end of input)
 * @param types the declared event types the rule reads
 */
record RulePlan(
        Rule rule,
        Kind kind,
        List<String> statements,
        List<Integer> listened,
        Layout layout,
        long judgedEveryMillis,
        long forMillis,
        long longestMillis,
        Set<String> types) {

    enum Kind {
        /** Filter, pattern and raw EPL rules: every row raises a firing alert. */
        FIRE_ONLY,
        /** Aggregate and absence rules: rows carry a condition per group; alerts on transitions. */
        STATEFUL
    }

    RulePlan {
        requireNonNull(rule, "rule is null");
        requireNonNull(kind, "kind is null");
        statements = List.copyOf(statements);
        listened = List.copyOf(listened);
        requireNonNull(layout, "layout is null");
        types = Set.copyOf(types);
    }

    /** The module text: statements separated by {@code ;} and a blank line. */
    String module() {
        return String.join(";\n\n", statements);
    }

    /**
     * Column positions of the rows.
     *
     * @param messageParts the template parts; placeholder i reads column {@code messageAt(i)}
     * @param timestampMessage per placeholder: true when it is a timestamp field (printed as ISO-8601)
     * @param matchedEvents whether the events columns hold the events that matched (filter,
     *     pattern) or the last events of a window, newest first (aggregates)
     */
    record Layout(
            int groups,
            List<String> keyNames,
            List<MessageTemplate.Part> messageParts,
            List<Boolean> timestampMessage,
            List<String> valueNames,
            int events,
            boolean matchedEvents,
            boolean hasCondition) {

        Layout {
            keyNames = List.copyOf(keyNames);
            messageParts = List.copyOf(messageParts);
            timestampMessage = List.copyOf(timestampMessage);
            valueNames = List.copyOf(valueNames);
        }

        int placeholders() {
            return timestampMessage.size();
        }

        int keyAt(int i) {
            return groups + i;
        }

        int messageAt(int i) {
            return groups + keyNames.size() + i;
        }

        int valueAt(int i) {
            return groups + keyNames.size() + placeholders() + i;
        }

        int eventAt(int i) {
            return groups + keyNames.size() + placeholders() + valueNames.size() + i;
        }

        int conditionAt() {
            return groups + keyNames.size() + placeholders() + valueNames.size() + events;
        }

        int width() {
            return conditionAt() + (hasCondition ? 1 : 0);
        }
    }
}
