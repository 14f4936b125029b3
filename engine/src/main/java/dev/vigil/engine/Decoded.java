package dev.vigil.engine;

import static java.util.Objects.requireNonNull;

/** The result of decoding one event: an {@link Event} or a {@link Rejection}. */
public sealed interface Decoded {
    record Accepted(Event event) implements Decoded {
        public Accepted {
            requireNonNull(event, "event is null");
        }
    }

    record Rejected(Rejection rejection) implements Decoded {
        public Rejected {
            requireNonNull(rejection, "rejection is null");
        }
    }
}
