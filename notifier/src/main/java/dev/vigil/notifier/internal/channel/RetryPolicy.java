package dev.vigil.notifier.internal.channel;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The one place that decides what happens after a delivery attempt (interfaces.md, "Delivery"):
 * success is delivered; a network error, a timeout, HTTP 408, 429 or 5xx, or a transient SMTP
 * reply is retried with backoff until the channel's {@code maxAge}; anything else, a channel's
 * own bug included, is a dead letter at once.
 */
final class RetryPolicy {
    private final Backoff backoff;

    RetryPolicy(Backoff backoff) {
        this.backoff = requireNonNull(backoff, "backoff is null");
    }

    /**
     * @param createdAt when the delivery entered the outbox: {@code maxAge} counts from there
     * @param attempts attempts made, this one included
     */
    Decision decide(Outcome outcome, Instant createdAt, int attempts, Instant now, Duration maxAge) {
        Optional<Instant> retryAfter = Optional.empty();
        String error;
        switch (outcome) {
            case Outcome.Sent sent -> {
                return new Decision.Delivered();
            }
            case Outcome.Http h -> {
                int code = h.status();
                if (code >= 200 && code < 300) {
                    return new Decision.Delivered();
                }
                error = "HTTP " + code;
                if (code != 408 && code != 429 && (code < 500 || code > 599)) {
                    // 3xx included: a webhook receiver that redirects is misconfigured, and a
                    // redirected POST is not safe to follow blindly.
                    return new Decision.Failed(error);
                }
                retryAfter = h.retryAfter().flatMap(v -> retryAfter(v, now));
                if (h.retryAfter().isPresent()) {
                    error += " (Retry-After: " + h.retryAfter().get() + ")";
                }
            }
            case Outcome.SmtpReply r -> {
                error = "SMTP " + r.code() + " " + r.text();
                if (r.code() >= 500 && r.code() < 600) {
                    return new Decision.Failed(error);
                }
            }
            case Outcome.Unreachable u -> error = u.detail();
            case Outcome.TimedOut t -> error = t.detail();
            case Outcome.Refused r -> {
                return new Decision.Failed(r.detail());
            }
            case Outcome.Crashed c -> {
                return new Decision.Failed("channel failed: " + c.error());
            }
        }
        Instant deadline = createdAt.plus(maxAge);
        if (!now.isBefore(deadline)) {
            return new Decision.Failed("gave up after " + attempts + (attempts == 1 ? " attempt" : " attempts")
                    + " in " + format(maxAge) + ": " + error);
        }
        Instant at = retryAfter.orElseGet(() -> now.plus(backoff.delay(attempts)));
        return new Decision.RetryAt(at.isAfter(deadline) ? deadline : at, error);
    }

    /**
     * {@code Retry-After} as delay-seconds or an HTTP date (RFC 9110, 10.2.3); empty when it is
     * neither, so the backoff decides.
     */
    static Optional<Instant> retryAfter(String value, Instant now) {
        String v = value.trim();
        if (v.matches("[0-9]{1,9}")) {
            return Optional.of(now.plusSeconds(Long.parseLong(v)));
        }
        try {
            Instant at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
            return Optional.of(at.isBefore(now) ? now : at);
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private static String format(Duration d) {
        if (d.toSeconds() % 3600 == 0) {
            return d.toHours() + " h";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + " s";
        }
        return d.toMillis() + " ms";
    }
}
