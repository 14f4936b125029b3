package dev.vigil.notifier;

import java.time.Duration;

/**
 * Told about every delivery a channel confirms, with the time from the alert entering the outbox
 * to the confirmation (for a latency histogram). Called on the channel's worker threads: keep it
 * quick.
 */
@FunctionalInterface
public interface DeliveryListener {
    void delivered(String channel, Duration latency);

    DeliveryListener NONE = (channel, latency) -> { };
}
