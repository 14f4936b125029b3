package dev.vigil.rules.ast;

import static java.util.Objects.requireNonNull;

/** The window of an aggregate condition. */
public sealed interface Window extends Node {

    /** Events with time in (t - size, t]. */
    record Sliding(TimeSpan size, Position pos) implements Window {
        public Sliding {
            requireNonNull(size, "size is null");
        }
    }

    /** Epoch-aligned back-to-back windows, judged at each end T over [T - size, T). */
    record Tumbling(TimeSpan size, Position pos) implements Window {
        public Tumbling {
            requireNonNull(size, "size is null");
        }
    }

    /** Judged at every epoch-aligned multiple T of {@code every}, over [T - size, T). */
    record Hopping(TimeSpan size, TimeSpan every, Position pos) implements Window {
        public Hopping {
            requireNonNull(size, "size is null");
            requireNonNull(every, "every is null");
        }
    }

    /** A key's events while the gaps between them stay under {@code gap}. */
    record Session(TimeSpan gap, Position pos) implements Window {
        public Session {
            requireNonNull(gap, "gap is null");
        }
    }

    /** The last {@code count} events of a key. */
    record Length(long count, Position pos) implements Window {
    }
}
