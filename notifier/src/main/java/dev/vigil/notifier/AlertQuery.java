package dev.vigil.notifier;

import java.time.Instant;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Which alerts of the history to list, newest first (the admin API's
 * {@code GET /api/alerts?rule=&status=&since=&limit=}).
 *
 * @param status {@code firing}, {@code resolved} or {@code suppressed}
 * @param since alerts raised at or after this instant (wall clock, {@code raisedAt})
 */
public record AlertQuery(Optional<String> rule, Optional<String> status, Optional<Instant> since, int limit) {
    /** What the admin API lists when no {@code limit} is given. */
    public static final int DEFAULT_LIMIT = 100;

    public AlertQuery {
        requireNonNull(rule, "rule is null");
        requireNonNull(status, "status is null");
        requireNonNull(since, "since is null");
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
    }

    /** The newest {@link #DEFAULT_LIMIT} alerts. */
    public static AlertQuery newest() {
        return new AlertQuery(Optional.empty(), Optional.empty(), Optional.empty(), DEFAULT_LIMIT);
    }

    public AlertQuery withRule(String rule) {
        return new AlertQuery(Optional.of(rule), status, since, limit);
    }

    public AlertQuery withStatus(String status) {
        return new AlertQuery(rule, Optional.of(status), since, limit);
    }

    public AlertQuery withSince(Instant since) {
        return new AlertQuery(rule, status, Optional.of(since), limit);
    }

    public AlertQuery withLimit(int limit) {
        return new AlertQuery(rule, status, since, limit);
    }
}
