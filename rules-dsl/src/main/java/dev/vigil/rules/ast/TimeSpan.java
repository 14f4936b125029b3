package dev.vigil.rules.ast;

import static java.util.Objects.requireNonNull;

/** A duration literal (`90 s`, `1.5 min`), normalised to whole milliseconds. */
public record TimeSpan(long millis, Position pos) implements Node {
    public TimeSpan {
        requireNonNull(pos, "pos is null");
    }

    public java.time.Duration toDuration() {
        return java.time.Duration.ofMillis(millis);
    }
}
