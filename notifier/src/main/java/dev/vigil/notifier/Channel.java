package dev.vigil.notifier;

/**
 * One kind of receiver (webhook, SMS, email, log). A channel makes one attempt and says what
 * happened; retries, backoff and dead letters are decided around it by {@link RetryPolicy}.
 *
 * <p>Called from the channel's own worker threads, possibly several at once.
 */
interface Channel {
    /**
     * Makes one delivery attempt. Must not throw for anything the receiver or the network does:
     * those are outcomes.
     *
     * @throws InterruptedException when the notifier stops mid-attempt: the delivery stays in the
     *     outbox and is made again later
     */
    Outcome send(Delivery delivery) throws InterruptedException;
}
