package dev.vigil.notifier;

/**
 * One channel's deliveries since the notifier started, and what waits in its outbox now.
 *
 * @param delivered attempts the receiver confirmed
 * @param retried attempts that failed and were rescheduled
 * @param deadLettered deliveries given up
 * @param pending deliveries in the outbox (all of them, older runs' included)
 */
public record ChannelStats(String channel, long delivered, long retried, long deadLettered, long pending) {
}
