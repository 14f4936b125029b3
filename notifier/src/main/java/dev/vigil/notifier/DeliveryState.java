package dev.vigil.notifier;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * Where the delivery of one alert to one channel stands: waiting in the outbox, delivered, or
 * given up as a dead letter.
 *
 * @param state {@code pending}, {@code delivered} or {@code dead}
 * @param attempts the attempts its row counts: an outbox row put back from the dead letters counts
 *     from 0 again (the attempts table, {@link DeliveryAttempt}, numbers every attempt)
 * @param lastError what the last failed attempt gave, for a pending or dead delivery
 * @param nextAttempt when it is attempted next; pending only
 * @param deliveredAt when the channel confirmed it; delivered only
 * @param deadLetterId the dead letter's id for {@link Notifier#retryDeadLetter(long)}; dead only
 */
public record DeliveryState(String channel, String state, int attempts, Optional<String> lastError,
        Optional<Instant> nextAttempt, Optional<Instant> deliveredAt, OptionalLong deadLetterId) {
    public DeliveryState {
        requireNonNull(channel, "channel is null");
        requireNonNull(state, "state is null");
        requireNonNull(lastError, "lastError is null");
        requireNonNull(nextAttempt, "nextAttempt is null");
        requireNonNull(deliveredAt, "deliveredAt is null");
        requireNonNull(deadLetterId, "deadLetterId is null");
    }
}
