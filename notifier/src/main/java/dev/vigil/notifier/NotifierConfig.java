package dev.vigil.notifier;

import dev.vigil.engine.Alert;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The notifier's part of the configuration: the {@code channels}, {@code routes} and {@code store}
 * sections (interfaces.md, "Configuration"), consistent as a whole: every route names configured
 * channels. The server reads it from the YAML file; building one that breaks an invariant throws
 * {@link IllegalArgumentException} naming the value.
 *
 * @param channels by name, in configuration order
 * @param routes for alerts of rules without {@code notify}; the first match wins
 */
public record NotifierConfig(Map<String, ChannelConfig> channels, List<Route> routes, StoreConfig store) {
    public NotifierConfig {
        channels = Collections.unmodifiableMap(new LinkedHashMap<>(channels));
        channels.forEach((name, c) -> {
            requireNonNull(c, "channels." + name + " is null");
            if (!c.name().equals(name)) {
                throw new IllegalArgumentException("channels: the channel under \"" + name + "\" is named \""
                        + c.name() + "\"");
            }
        });
        routes = List.copyOf(routes);
        for (int i = 0; i < routes.size(); i++) {
            for (String c : routes.get(i).channels()) {
                if (!channels.containsKey(c)) {
                    throw new IllegalArgumentException("routes[" + i + "] names an unknown channel: \"" + c + "\"");
                }
            }
        }
        requireNonNull(store, "store is null");
    }

    /** No channels, no routes, the default store. */
    public static NotifierConfig empty() {
        return new NotifierConfig(Map.of(), List.of(), StoreConfig.defaults());
    }

    /**
     * The channels an alert goes to: the rule's {@code notify}, else the first matching route's,
     * else none.
     */
    public List<String> channelsFor(Alert alert) {
        requireNonNull(alert, "alert is null");
        if (!alert.channels().isEmpty()) {
            return alert.channels();
        }
        for (Route route : routes) {
            if (route.match().matches(alert)) {
                return route.channels();
            }
        }
        return List.of();
    }
}
