package dev.vigil.notifier;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What the notifier's store holds, read-only, for the admin API: the alert history, the dead
 * letters and what waits in the outbox. A dead letter is put back through
 * {@link Notifier#retryDeadLetter(long)}.
 *
 * <p>Every method may be called from any thread, and throws {@link StoreException} when the store
 * cannot be read (or is closed).
 */
public interface AlertHistory {
    /** The database file. */
    Path path();

    /** Alerts of the history, newest first. */
    List<StoredAlert> alerts(AlertQuery query);

    /** One alert of the history by id. */
    Optional<StoredAlert> alert(String id);

    /** Every dead letter, newest first. */
    List<DeadLetter> deadLetters();

    /** Deliveries waiting in the outbox, all channels (those no longer configured included). */
    long pending();

    /** Dead letters the store holds for one channel now (0 for a channel it knows nothing of). */
    long deadLetters(String channel);

    /**
     * Where each delivery of one alert stands, one per channel it went to (from the outbox, the
     * delivered deliveries and the dead letters), ordered by channel; empty for an unknown id or an
     * alert that went to no channel.
     */
    List<DeliveryState> deliveries(String alertId);

    /** Every recorded attempt to deliver one alert, ordered by channel, then attempt. */
    List<DeliveryAttempt> attempts(String alertId);

    /**
     * Up to {@code limit} deliveries waiting in the outbox, of one channel or of all, the next due
     * first (then in the order they entered it). A channel the store knows nothing of has none.
     */
    List<OutboxEntry> outbox(Optional<String> channel, int limit);

    /** Counts of everything the store holds. */
    StoreCounts counts();

    /**
     * What the rules' lifecycles held before {@code before} (event time), as the store recorded it,
     * for a restart ({@link dev.vigil.engine.Engine#beginRecovery}): per rule and key, the latest
     * alert when the rule needs its open alerts, and the latest sent firing within the rule's
     * throttle.
     */
    List<dev.vigil.engine.Engine.PriorAlert> priorAlerts(List<dev.vigil.engine.Engine.RestoreNeed> needs, long before);
}
