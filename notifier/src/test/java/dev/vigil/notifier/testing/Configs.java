package dev.vigil.notifier.testing;

import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.StoreConfig;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Configurations for tests, with the defaults the server's configuration reader applies. */
public final class Configs {
    private Configs() {
    }

    /** These channels, in this order, no routes, and the store at {@code db}. */
    public static NotifierConfig of(Path db, ChannelConfig... channels) {
        Map<String, ChannelConfig> byName = new LinkedHashMap<>();
        Arrays.stream(channels).forEach(c -> byName.put(c.name(), c));
        return new NotifierConfig(byName, List.of(), new StoreConfig(db));
    }

    /** {@code { type: webhook, url: ..., timeout: ... }}. */
    public static ChannelConfig.Webhook webhook(String name, URI url, Duration timeout) {
        return new ChannelConfig.Webhook(name, url, Optional.empty(), timeout, Map.of(), ChannelConfig.DEFAULT_MAX_AGE,
                ChannelConfig.DEFAULT_WORKERS);
    }

    /** {@code { type: webhook, url: ... }}. */
    public static ChannelConfig.Webhook webhook(String name, URI url) {
        return webhook(name, url, ChannelConfig.DEFAULT_TIMEOUT);
    }

    /** {@code { type: log }}. */
    public static ChannelConfig.Log log(String name) {
        return new ChannelConfig.Log(name, ChannelConfig.DEFAULT_MAX_AGE, ChannelConfig.DEFAULT_WORKERS);
    }
}
