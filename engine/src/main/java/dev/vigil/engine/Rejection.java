package dev.vigil.engine;

import static java.util.Objects.requireNonNull;

/**
 * Why an event was refused: {@code where} names the line (file) or index (batch), {@code reason}
 * the field and what was expected; {@code type} is the event's type when it names a declared one,
 * else empty (for metrics by type).
 */
public record Rejection(String where, String reason, Kind kind, String type) {
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
        requireNonNull(type, "type is null");
    }

    public Rejection(String where, String reason, Kind kind) {
        this(where, reason, kind, "");
    }

    @Override
    public String toString() {
        return where.isEmpty() ? reason : where + ": " + reason;
    }
}
