package dev.vigil.engine;

import static java.util.Objects.requireNonNull;

/**
 * Why an event was refused: {@code where} names the line (file) or index (batch), {@code reason}
 * the field and what was expected.
 */
public record Rejection(String where, String reason, Kind kind) {
    public enum Kind {
        /** The event does not match its declaration or is not an event at all. */
        INVALID,
        /** The event is behind the watermark (see the language spec, "Time"). */
        LATE
    }

    public Rejection {
        requireNonNull(where, "where is null");
        requireNonNull(reason, "reason is null");
        requireNonNull(kind, "kind is null");
    }

    @Override
    public String toString() {
        return where.isEmpty() ? reason : where + ": " + reason;
    }
}
