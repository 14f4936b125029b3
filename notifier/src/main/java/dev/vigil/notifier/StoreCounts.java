package dev.vigil.notifier;

/**
 * What the store holds, for the admin API's stats.
 *
 * @param alerts alerts in the history, suppressed ones included
 * @param suppressed of which recorded but not sent
 * @param pending deliveries in the outbox (waiting, or waiting to be retried)
 * @param delivered deliveries a channel confirmed
 * @param deadLetters deliveries given up
 */
public record StoreCounts(long alerts, long suppressed, long pending, long delivered, long deadLetters) {
}
