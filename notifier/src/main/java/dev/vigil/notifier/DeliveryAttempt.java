package dev.vigil.notifier;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * One recorded delivery attempt of an alert to a channel, as the store's {@code attempts} table
 * keeps it.
 *
 * @param attempt 1 for the first attempt of this alert on this channel, counting on across a retry
 *     from the dead letters (so it can be higher than the outbox row's own count)
 * @param at when the attempt's result was recorded
 * @param result {@code delivered}, {@code retry} or {@code failed} (given up: a dead letter)
 * @param answer what the receiver said, as text: {@code sent}, {@code HTTP 503},
 *     {@code SMTP 451 try later}, or what went wrong ({@code connection refused ...})
 */
public record DeliveryAttempt(String channel, int attempt, Instant at, String result, String answer) {
    public DeliveryAttempt {
        requireNonNull(channel, "channel is null");
        requireNonNull(at, "at is null");
        requireNonNull(result, "result is null");
        requireNonNull(answer, "answer is null");
    }
}
