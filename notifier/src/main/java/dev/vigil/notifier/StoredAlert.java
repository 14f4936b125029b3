package dev.vigil.notifier;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One alert of the history, as the store holds it.
 *
 * @param status {@code firing} or {@code resolved}
 * @param time event time
 * @param raisedAt when the engine raised it (wall clock)
 * @param suppressed the reason it was recorded but not sent (a throttle), when it was
 * @param json the alert as the spec's JSON object, exactly as sent
 */
public record StoredAlert(String id, String rule, String status, String severity, Instant time, Instant raisedAt,
        Optional<String> suppressed, String json) {
    public StoredAlert {
        requireNonNull(id, "id is null");
        requireNonNull(rule, "rule is null");
        requireNonNull(status, "status is null");
        requireNonNull(severity, "severity is null");
        requireNonNull(time, "time is null");
        requireNonNull(raisedAt, "raisedAt is null");
        requireNonNull(suppressed, "suppressed is null");
        requireNonNull(json, "json is null");
    }
}
