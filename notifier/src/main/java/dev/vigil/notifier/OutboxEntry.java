package dev.vigil.notifier;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A delivery waiting in the outbox, with its alert.
 *
 * @param id the outbox row's id
 * @param createdAt when it entered the outbox (or re-entered it from the dead letters)
 * @param attempts attempts made since it entered the outbox
 * @param nextAttempt when it is due
 * @param lastError what the last attempt gave, when one failed
 * @param json the alert
 */
public record OutboxEntry(long id, String alertId, String channel, Instant createdAt, int attempts,
        Instant nextAttempt, Optional<String> lastError, String json) {
    public OutboxEntry {
        requireNonNull(alertId, "alertId is null");
        requireNonNull(channel, "channel is null");
        requireNonNull(createdAt, "createdAt is null");
        requireNonNull(nextAttempt, "nextAttempt is null");
        requireNonNull(lastError, "lastError is null");
        requireNonNull(json, "json is null");
    }
}
