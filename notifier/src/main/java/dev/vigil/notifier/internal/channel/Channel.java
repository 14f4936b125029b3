package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;

import java.io.PrintStream;
import java.time.Clock;

/**
 * One kind of receiver (webhook, SMS, email, log). A channel makes one attempt and says what
 * happened; retries, backoff and dead letters are decided around it by {@link RetryPolicy}.
 *
 * <p>Called from the channel's own worker threads, possibly several at once.
 */
interface Channel {
    /**
     * Makes one delivery attempt. Must not throw for anything the receiver or the network does:
     * those are outcomes. A {@link RuntimeException} is taken for a bug in the channel
     * ({@link ChannelWorker} says what follows).
     *
     * @throws InterruptedException when the notifier stops mid-attempt: the delivery stays in the
     *     outbox and is made again later
     */
    Outcome send(Delivery delivery) throws InterruptedException;

    /**
     * The channel for a configured one.
     *
     * @param stdout where {@code log} channels write
     */
    static Channel of(ChannelConfig config, Clock clock, PrintStream stdout) {
        return switch (config) {
            case ChannelConfig.Webhook w -> new WebhookChannel(w, clock);
            case ChannelConfig.Sms s -> new SmsChannel(s);
            case ChannelConfig.Email e -> new EmailChannel(e, clock);
            case ChannelConfig.Log log -> new LogChannel(stdout);
        };
    }
}
