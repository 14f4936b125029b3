package dev.vigil.rules.ast;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A rule as written in a rule file.
 *
 * @param key the {@code key} clause; empty when not written (the default key is then the
 *     {@code by} fields, see {@link #effectiveKey()})
 * @param channels the {@code notify} channel names; empty means the configuration's routes decide
 * @param file the rule file that holds it
 * @param mode live, or shadow: alerts stored and shown, never sent
 * @param text the rule's tokens joined by single spaces, comments and the {@code mode} clause
 *     dropped: two rules with the same text are the same rule (hot swap keeps the state of
 *     unchanged rules, and of a rule switched between shadow and live)
 */
public record Rule(
        String id,
        Optional<String> title,
        Condition when,
        List<KeyExpr> key,
        Severity severity,
        Optional<MessageTemplate> message,
        List<Ident> channels,
        Optional<TimeSpan> throttle,
        List<Label> labels,
        boolean enabled,
        Mode mode,
        String file,
        String text,
        Position pos) implements Node {

    public Rule {
        requireNonNull(id, "id is null");
        requireNonNull(title, "title is null");
        requireNonNull(when, "when is null");
        key = List.copyOf(key);
        requireNonNull(severity, "severity is null");
        requireNonNull(message, "message is null");
        channels = List.copyOf(channels);
        requireNonNull(throttle, "throttle is null");
        labels = List.copyOf(labels);
        requireNonNull(mode, "mode is null");
        requireNonNull(file, "file is null");
        requireNonNull(text, "text is null");
        requireNonNull(pos, "pos is null");
    }

    /** Whether its alerts are only stored and shown, never sent ({@code mode shadow}). */
    public boolean shadow() {
        return mode == Mode.SHADOW;
    }

    /**
     * The key alerts are grouped by: the {@code key} clause, else the {@code by} fields of the
     * condition, else none.
     */
    public List<KeyExpr> effectiveKey() {
        if (!key.isEmpty()) {
            return key;
        }
        List<Ident> by = switch (when) {
            case Condition.Pattern p -> p.by();
            case Condition.Aggregate a -> a.by();
            case Condition.Absence a -> a.by();
            case Condition.Filter f -> List.of();
            case Condition.Epl e -> List.of();
        };
        return by.stream().map(b -> new KeyExpr(b.name(), Expr.FieldRef.of(b.name(), b.pos()))).toList();
    }
}
