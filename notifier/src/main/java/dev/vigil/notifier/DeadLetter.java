package dev.vigil.notifier;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * A delivery that was given up: a receiver refused it for good, or it was retried for the
 * channel's whole {@code maxAge}. Stays in the store until retried.
 *
 * @param id the dead letter's own id, for {@link Notifier#retryDeadLetter(long)}
 * @param attempts how many times it was tried
 * @param lastError what the last attempt gave ({@code HTTP 404}, {@code connection refused ...})
 * @param json the alert
 */
public record DeadLetter(long id, String alertId, String channel, int attempts, String lastError, Instant failedAt,
        String json) {
    public DeadLetter {
        requireNonNull(alertId, "alertId is null");
        requireNonNull(channel, "channel is null");
        requireNonNull(lastError, "lastError is null");
        requireNonNull(failedAt, "failedAt is null");
        requireNonNull(json, "json is null");
    }
}
