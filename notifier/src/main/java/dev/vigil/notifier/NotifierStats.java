package dev.vigil.notifier;

import java.util.List;

/**
 * The notifier's counters since it started.
 *
 * @param received alerts handed over to be sent
 * @param suppressed alerts handed over as suppressed (recorded, not sent)
 * @param duplicates alerts whose id the store already held, skipped
 * @param stored alerts written to the store (suppressed and duplicates included)
 * @param queueDepth alerts handed over and not yet written
 * @param channels per channel, in configuration order
 */
public record NotifierStats(long received, long suppressed, long duplicates, long stored, int queueDepth,
        List<ChannelStats> channels) {
    public NotifierStats {
        channels = List.copyOf(channels);
    }
}
