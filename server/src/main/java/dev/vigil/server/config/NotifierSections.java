package dev.vigil.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.Route;
import dev.vigil.notifier.Secret;
import dev.vigil.notifier.StoreConfig;
import dev.vigil.rules.ast.Severity;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the notifier's sections of the configuration, {@code channels}, {@code routes} and
 * {@code store} (interfaces.md, "Configuration"), into a {@link NotifierConfig}, checked as a
 * whole. Every mistake is reported at once, each naming its path:
 * {@code channels.fraud_sms.to[0]: not a phone number in E.164 form: "555-0100"}.
 *
 * <p>It checks every invariant of the notifier's records first, with these messages, and builds a
 * record only from values that passed, so a record's own check never fires here.
 */
final class NotifierSections {
    /** A channel type: its {@code type:} keyword and the keys it takes besides the common ones. */
    private enum ChannelType {
        WEBHOOK("webhook", "url", "secret", "timeout", "headers"),
        SMS("sms", "provider", "baseUrl", "accountSid", "authToken", "from", "to", "maxSegments", "timeout"),
        EMAIL("email", "host", "port", "startTls", "tls", "username", "password", "from", "to", "timeout"),
        LOG("log");

        final String keyword;
        final List<String> keys;

        ChannelType(String keyword, String... keys) {
            this.keyword = keyword;
            this.keys = List.of(keys);
        }
    }

    /** The channel types, as written after {@code type:}. */
    private static final List<String> CHANNEL_TYPES = Arrays.stream(ChannelType.values()).map(t -> t.keyword).toList();

    private static final List<String> COMMON_KEYS = List.of("type", "maxAge", "workers");
    private static final List<String> ROUTE_KEYS = List.of("match", "notify");
    private static final List<String> MATCH_KEYS = List.of("severity", "rule", "labels");
    private static final List<String> STORE_KEYS = List.of("path", "journal");

    private NotifierSections() {
    }

    /**
     * Reads and checks the three sections. Any of them may be {@code null} or a missing node: no
     * channels, no routes, the default store.
     *
     * @throws ConfigException listing every problem, each with its path ({@code channels.ops.url: missing})
     */
    static NotifierConfig parse(JsonNode channels, JsonNode routes, JsonNode store) throws ConfigException {
        ConfigReader r = new ConfigReader();
        Map<String, ChannelConfig> chans = new LinkedHashMap<>();
        Set<String> names = new LinkedHashSet<>();
        if (!ConfigReader.absent(channels)) {
            r.object(channels, "channels").ifPresent(o -> {
                for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    names.add(e.getKey());
                    channel(r, e.getKey(), e.getValue()).ifPresent(c -> chans.put(c.name(), c));
                }
            });
        }
        List<Route> rts = new ArrayList<>();
        if (!ConfigReader.absent(routes)) {
            if (!routes.isArray()) {
                r.problem("routes", "expected a list, got " + ConfigReader.kind(routes));
            } else {
                for (int i = 0; i < routes.size(); i++) {
                    route(r, ConfigReader.index("routes", i), routes.get(i), names).ifPresent(rts::add);
                }
            }
        }
        StoreConfig st = StoreConfig.defaults();
        if (!ConfigReader.absent(store)) {
            Optional<ObjectNode> o = r.object(store, "store");
            if (o.isPresent()) {
                r.onlyKeys(o.get(), "store", STORE_KEYS);
                Optional<String> path = r.string(o.get(), "store", "path", false);
                if (path.isPresent()) {
                    try {
                        st = new StoreConfig(Path.of(path.get()));
                    } catch (InvalidPathException e) {
                        r.problem("store.path", "not a file path: " + ConfigReader.quoted(path.get()));
                    }
                }
            }
        }
        if (!r.problems.isEmpty()) {
            throw new ConfigException(r.problems);
        }
        return new NotifierConfig(chans, rts, st);
    }

    private static Optional<ChannelConfig> channel(ConfigReader r, String name, JsonNode node) {
        String path = ConfigReader.child("channels", name);
        Optional<ObjectNode> maybe = r.object(node, path);
        if (maybe.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode o = maybe.get();
        int before = r.problems.size();
        Optional<String> type = r.string(o, path, "type", false);
        if (type.isEmpty()) {
            if (r.problems.size() == before) {
                r.problem(ConfigReader.child(path, "type"), "missing; expected one of " + String.join(", ", CHANNEL_TYPES));
            }
            return Optional.empty();
        }
        String t = type.get();
        Optional<ChannelType> known = Arrays.stream(ChannelType.values()).filter(c -> c.keyword.equals(t)).findFirst();
        if (known.isEmpty()) {
            r.problem(ConfigReader.child(path, "type"), "unknown channel type \"" + t + "\""
                    + Suggest.nearest(t, CHANNEL_TYPES).map(s -> "; did you mean \"" + s + "\"?")
                    .orElse("; expected one of " + String.join(", ", CHANNEL_TYPES)));
            return Optional.empty();
        }
        List<String> allowed = new ArrayList<>(COMMON_KEYS);
        allowed.addAll(known.get().keys);
        r.onlyKeys(o, path, allowed);
        Duration maxAge = r.duration(o, path, "maxAge").orElse(ChannelConfig.DEFAULT_MAX_AGE);
        int workers = r.integer(o, path, "workers", 1, ChannelConfig.MAX_WORKERS).orElse(ChannelConfig.DEFAULT_WORKERS);
        Duration timeout = r.duration(o, path, "timeout").orElse(ChannelConfig.DEFAULT_TIMEOUT);
        ChannelFactory c = switch (known.get()) {
            case WEBHOOK -> webhook(r, name, path, o, timeout, maxAge, workers);
            case SMS -> sms(r, name, path, o, timeout, maxAge, workers);
            case EMAIL -> email(r, name, path, o, timeout, maxAge, workers);
            case LOG -> () -> new ChannelConfig.Log(name, maxAge, workers);
        };
        return r.problems.size() == before ? Optional.of(c.build()) : Optional.empty();
    }

    /** A channel whose values were read; built only when none of them had a problem. */
    @FunctionalInterface
    private interface ChannelFactory {
        ChannelConfig build();
    }

    private static ChannelFactory webhook(ConfigReader r, String name, String path, ObjectNode o, Duration timeout,
            Duration maxAge, int workers) {
        Optional<URI> url = r.string(o, path, "url", true).flatMap(u -> httpUrl(r, ConfigReader.child(path, "url"), u));
        Optional<Secret> secret = r.string(o, path, "secret", false).map(Secret::of);
        // The value is a secret: name the problem, never the value.
        secret.flatMap(s -> ChannelConfig.Webhook.secretProblem(s.reveal())).ifPresent(p ->
                r.problem(ConfigReader.child(path, "secret"), "not a Standard Webhooks secret ("
                        + ChannelConfig.Webhook.SECRET_FORM + "): " + p + "; run \"vigil secret\" to make one"));
        Map<String, String> headers = r.stringMap(o, path, "headers");
        for (String h : headers.keySet()) {
            String p = ConfigReader.child(ConfigReader.child(path, "headers"), h);
            if (ChannelConfig.Webhook.isReservedHeader(h)) {
                r.problem(p, "cannot be configured: the webhook channel or the HTTP client sets it");
            } else if (!ChannelConfig.Webhook.isHeaderName(h)) {
                r.problem(p, "not a valid header name: \"" + h + "\"");
            }
        }
        return () -> new ChannelConfig.Webhook(name, url.orElseThrow(), secret, timeout, headers, maxAge, workers);
    }

    private static ChannelFactory sms(ConfigReader r, String name, String path, ObjectNode o, Duration timeout,
            Duration maxAge, int workers) {
        List<String> providers = ChannelConfig.Sms.PROVIDERS;
        String provider = r.string(o, path, "provider", false).orElse("twilio");
        if (!providers.contains(provider)) {
            r.problem(ConfigReader.child(path, "provider"), "unknown SMS provider \"" + provider + "\""
                    + Suggest.nearest(provider, providers).map(s -> "; did you mean \"" + s + "\"?")
                    .orElse("; expected one of " + String.join(", ", providers)));
        }
        URI base = r.string(o, path, "baseUrl", false)
                .flatMap(u -> httpUrl(r, ConfigReader.child(path, "baseUrl"), u))
                .orElse(ChannelConfig.Sms.TWILIO_BASE_URL);
        Optional<String> sid = r.string(o, path, "accountSid", true);
        Optional<Secret> token = r.string(o, path, "authToken", true).map(Secret::of);
        Optional<String> from = r.string(o, path, "from", true);
        if (from.isPresent() && !ChannelConfig.Sms.isSender(from.get())) {
            r.problem(ConfigReader.child(path, "from"),
                    "not a phone number in E.164 form nor an alphanumeric sender id: \"" + from.get() + "\"");
        }
        List<String> to = r.strings(o, path, "to", true);
        for (int i = 0; i < to.size(); i++) {
            if (!ChannelConfig.Sms.isPhoneNumber(to.get(i))) {
                r.problem(ConfigReader.index(ConfigReader.child(path, "to"), i),
                        "not a phone number in E.164 form: \"" + to.get(i) + "\"");
            }
        }
        int segments = r.integer(o, path, "maxSegments", 1, ChannelConfig.Sms.MAX_SEGMENTS).orElse(1);
        return () -> new ChannelConfig.Sms(name, provider, base, sid.orElseThrow(), token.orElseThrow(),
                from.orElseThrow(), to, segments, timeout, maxAge, workers);
    }

    private static ChannelFactory email(ConfigReader r, String name, String path, ObjectNode o, Duration timeout,
            Duration maxAge, int workers) {
        Optional<String> host = r.string(o, path, "host", true);
        boolean startTls = r.bool(o, path, "startTls").orElse(false);
        boolean tls = r.bool(o, path, "tls").orElse(false);
        if (startTls && tls) {
            r.problem(ConfigReader.child(path, "tls"), "tls and startTls exclude each other: choose one");
        }
        ChannelConfig.Security security = tls ? ChannelConfig.Security.TLS
                : startTls ? ChannelConfig.Security.STARTTLS : ChannelConfig.Security.PLAIN;
        int defaultPort = switch (security) {
            case PLAIN -> 25;
            case STARTTLS -> 587;
            case TLS -> 465;
        };
        int port = r.integer(o, path, "port", 1, 65535).orElse(defaultPort);
        Optional<String> user = r.string(o, path, "username", false);
        Optional<Secret> password = r.string(o, path, "password", false).map(Secret::of);
        if (user.isPresent() != password.isPresent()) {
            r.problem(ConfigReader.child(path, user.isPresent() ? "password" : "username"),
                    "missing (username and password go together)");
        }
        Optional<String> from = r.string(o, path, "from", true);
        from.ifPresent(f -> emailAddress(r, ConfigReader.child(path, "from"), f));
        List<String> to = r.strings(o, path, "to", true);
        for (int i = 0; i < to.size(); i++) {
            emailAddress(r, ConfigReader.index(ConfigReader.child(path, "to"), i), to.get(i));
        }
        return () -> new ChannelConfig.Email(name, host.orElseThrow(), port, security, user, password,
                from.orElseThrow(), to, timeout, maxAge, workers);
    }

    private static Optional<Route> route(ConfigReader r, String path, JsonNode node, Set<String> channels) {
        Optional<ObjectNode> maybe = r.object(node, path);
        if (maybe.isEmpty()) {
            return Optional.empty();
        }
        ObjectNode o = maybe.get();
        r.onlyKeys(o, path, ROUTE_KEYS);
        int before = r.problems.size();
        Route.Match match = Route.Match.ANY;
        JsonNode m = o.get("match");
        if (!ConfigReader.absent(m)) {
            String mp = ConfigReader.child(path, "match");
            Optional<ObjectNode> mo = r.object(m, mp);
            if (mo.isPresent()) {
                r.onlyKeys(mo.get(), mp, MATCH_KEYS);
                Set<Severity> severities = new LinkedHashSet<>();
                List<String> sevs = r.strings(mo.get(), mp, "severity", false);
                List<String> keywords = Arrays.stream(Severity.values()).map(Severity::keyword).toList();
                for (int i = 0; i < sevs.size(); i++) {
                    String s = sevs.get(i).toLowerCase(Locale.ROOT);
                    if (keywords.contains(s)) {
                        severities.add(Severity.valueOf(s.toUpperCase(Locale.ROOT)));
                    } else {
                        String sp = ConfigReader.child(mp, "severity");
                        r.problem(mo.get().get("severity").isArray() ? ConfigReader.index(sp, i) : sp,
                                "unknown severity \"" + sevs.get(i) + "\""
                                        + Suggest.nearest(s, keywords).map(x -> "; did you mean \"" + x + "\"?")
                                        .orElse("; expected one of " + String.join(", ", keywords)));
                    }
                }
                Set<String> ruleIds = new LinkedHashSet<>(r.strings(mo.get(), mp, "rule", false));
                Map<String, String> labels = r.stringMap(mo.get(), mp, "labels");
                match = new Route.Match(severities, ruleIds, labels);
            }
        }
        List<String> notify = r.strings(o, path, "notify", true);
        for (int i = 0; i < notify.size(); i++) {
            if (!channels.contains(notify.get(i))) {
                r.problem(ConfigReader.index(ConfigReader.child(path, "notify"), i),
                        RuleChannels.unknownChannel(notify.get(i), channels));
            }
        }
        return r.problems.size() == before ? Optional.of(new Route(match, notify)) : Optional.empty();
    }

    private static Optional<URI> httpUrl(ConfigReader r, String path, String text) {
        try {
            URI u = new URI(text);
            if (ChannelConfig.isHttpUrl(u)) {
                return Optional.of(u);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        r.problem(path, "not an http or https URL: \"" + text + "\"");
        return Optional.empty();
    }

    private static void emailAddress(ConfigReader r, String path, String text) {
        if (!ChannelConfig.Email.isAddress(text)) {
            r.problem(path, "not an email address: \"" + text + "\"");
        }
    }
}
