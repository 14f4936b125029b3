package dev.vigil.notifier.internal.channel;

import java.time.Instant;

/** What is done with a delivery after an attempt, as {@link RetryPolicy} decided. */
sealed interface Decision {
    /** Confirmed: the outbox row leaves. */
    record Delivered() implements Decision {
    }

    /** Try again at {@code at}; {@code error} is what went wrong this time. */
    record RetryAt(Instant at, String error) implements Decision {
    }

    /** Given up: the delivery becomes a dead letter with this reason. */
    record Failed(String reason) implements Decision {
    }
}
