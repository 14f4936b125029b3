package dev.vigil.notifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Alert;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.Severity;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * The notifier's part of the configuration: the {@code channels}, {@code routes} and {@code store}
 * sections (interfaces.md, "Configuration"), checked as a whole.
 *
 * <p>Made by {@link #parse(JsonNode, JsonNode, JsonNode)} from the configuration tree the server
 * loaded (with {@code ${VAR}} already substituted). Every mistake is reported at once, each naming
 * its path: {@code channels.fraud_sms.to[0]: not a phone number in E.164 form: "555-0100"}.
 *
 * @param channels by name, in configuration order
 * @param routes for alerts of rules without {@code notify}; the first match wins
 */
public record NotifierConfig(Map<String, ChannelConfig> channels, List<Route> routes, StoreConfig store) {
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
    public static final List<String> CHANNEL_TYPES = Arrays.stream(ChannelType.values()).map(t -> t.keyword).toList();

    private static final List<String> COMMON_KEYS = List.of("type", "maxAge", "workers");
    private static final List<String> ROUTE_KEYS = List.of("match", "notify");
    private static final List<String> MATCH_KEYS = List.of("severity", "rule", "labels");
    private static final List<String> STORE_KEYS = List.of("path");
    private static final List<String> SMS_PROVIDERS = List.of("twilio");

    /** Most deliveries of one channel at once: more threads than this only queue at the receiver. */
    private static final int MAX_WORKERS = 64;
    /** Twilio recommends at most 10 segments per message. */
    private static final int MAX_SEGMENTS = 10;

    /** ITU-T E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
    /** An alphanumeric sender id, which Twilio accepts as {@code From} in many countries. */
    private static final Pattern SENDER_ID = Pattern.compile("(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}");

    /**
     * Headers the webhook channel sets itself, or that the JDK's HttpClient refuses to let callers
     * set.
     */
    private static final Set<String> RESERVED_HEADERS = Set.of("webhook-id", "webhook-timestamp", "webhook-signature",
            "content-type", "content-length", "host", "connection", "expect", "upgrade");

    public NotifierConfig {
        channels = Collections.unmodifiableMap(new LinkedHashMap<>(channels));
        routes = List.copyOf(routes);
        requireNonNull(store, "store is null");
    }

    /** No channels, no routes, the default store. */
    public static NotifierConfig empty() {
        return new NotifierConfig(Map.of(), List.of(), StoreConfig.defaults());
    }

    /**
     * Reads and checks the three sections. Any of them may be {@code null} or a missing node: no
     * channels, no routes, the default store.
     *
     * @throws ConfigException listing every problem, each with its path ({@code channels.ops.url: missing})
     */
    public static NotifierConfig parse(JsonNode channels, JsonNode routes, JsonNode store) throws ConfigException {
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
                        r.problem("store.path", "not a file path: \"" + path.get() + "\"");
                    }
                }
            }
        }
        if (!r.problems.isEmpty()) {
            throw new ConfigException(r.problems);
        }
        return new NotifierConfig(chans, rts, st);
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

    /**
     * Every {@code notify} of every rule that names a channel this configuration lacks, located at
     * the channel's name in its rule file: {@code rules/fraud.rules:12:10: rule card_testing:
     * unknown channel "fraud_smss"; did you mean "fraud_sms"?}. Empty when all is well.
     */
    public List<ConfigProblem> ruleChannelProblems(RuleSet rules) {
        requireNonNull(rules, "rules is null");
        List<ConfigProblem> out = new ArrayList<>();
        for (Rule rule : rules.rules()) {
            for (Ident c : rule.channels()) {
                if (!channels.containsKey(c.name())) {
                    out.add(new ConfigProblem(rule.file() + ":" + c.pos().line() + ":" + c.pos().column(),
                            "rule " + rule.id() + ": " + unknownChannel(c.name(), channels.keySet())));
                }
            }
        }
        return out;
    }

    /**
     * Checks that every rule's {@code notify} names a configured channel.
     *
     * @throws ConfigException with {@link #ruleChannelProblems(RuleSet)}
     */
    public void checkRuleChannels(RuleSet rules) throws ConfigException {
        List<ConfigProblem> problems = ruleChannelProblems(rules);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static String unknownChannel(String name, Set<String> known) {
        if (known.isEmpty()) {
            return "unknown channel \"" + name + "\"; no channels are configured";
        }
        return "unknown channel \"" + name + "\"" + Suggest.nearest(name, known).map(c -> "; did you mean \"" + c + "\"?")
                .orElse("; configured: " + String.join(", ", known));
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
        int workers = r.integer(o, path, "workers", 1, MAX_WORKERS).orElse(ChannelConfig.DEFAULT_WORKERS);
        Duration timeout = r.duration(o, path, "timeout").orElse(ChannelConfig.DEFAULT_TIMEOUT);
        ChannelConfig c = switch (known.get()) {
            case WEBHOOK -> webhook(r, name, path, o, timeout, maxAge, workers);
            case SMS -> sms(r, name, path, o, timeout, maxAge, workers);
            case EMAIL -> email(r, name, path, o, timeout, maxAge, workers);
            case LOG -> new ChannelConfig.Log(name, maxAge, workers);
        };
        return r.problems.size() == before ? Optional.ofNullable(c) : Optional.empty();
    }

    private static ChannelConfig webhook(ConfigReader r, String name, String path, ObjectNode o, Duration timeout,
            Duration maxAge, int workers) {
        Optional<URI> url = r.string(o, path, "url", true).flatMap(u -> httpUrl(r, ConfigReader.child(path, "url"), u));
        Optional<Secret> secret = r.string(o, path, "secret", false).map(Secret::of);
        if (secret.isPresent()) {
            try {
                new WebhookSignature(secret.get().reveal());
            } catch (IllegalArgumentException e) {
                // The value is a secret: name the problem, never the value.
                r.problem(ConfigReader.child(path, "secret"), "not base64 after \"whsec_\"");
            }
        }
        Map<String, String> headers = r.stringMap(o, path, "headers");
        for (String h : headers.keySet()) {
            String p = ConfigReader.child(ConfigReader.child(path, "headers"), h);
            if (RESERVED_HEADERS.contains(h.toLowerCase(Locale.ROOT))) {
                r.problem(p, "cannot be configured: the webhook channel or the HTTP client sets it");
            } else if (!h.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                r.problem(p, "not a valid header name: \"" + h + "\"");
            }
        }
        return url.map(u -> new ChannelConfig.Webhook(name, u, secret, timeout, headers, maxAge, workers)).orElse(null);
    }

    private static ChannelConfig sms(ConfigReader r, String name, String path, ObjectNode o, Duration timeout,
            Duration maxAge, int workers) {
        String provider = r.string(o, path, "provider", false).orElse("twilio");
        if (!SMS_PROVIDERS.contains(provider)) {
            r.problem(ConfigReader.child(path, "provider"), "unknown SMS provider \"" + provider + "\""
                    + Suggest.nearest(provider, SMS_PROVIDERS).map(s -> "; did you mean \"" + s + "\"?")
                    .orElse("; expected one of " + String.join(", ", SMS_PROVIDERS)));
        }
        URI base = r.string(o, path, "baseUrl", false)
                .flatMap(u -> httpUrl(r, ConfigReader.child(path, "baseUrl"), u))
                .orElse(ChannelConfig.Sms.TWILIO_BASE_URL);
        Optional<String> sid = r.string(o, path, "accountSid", true);
        Optional<Secret> token = r.string(o, path, "authToken", true).map(Secret::of);
        Optional<String> from = r.string(o, path, "from", true);
        if (from.isPresent() && !E164.matcher(from.get()).matches() && !SENDER_ID.matcher(from.get()).matches()) {
            r.problem(ConfigReader.child(path, "from"),
                    "not a phone number in E.164 form nor an alphanumeric sender id: \"" + from.get() + "\"");
        }
        List<String> to = r.strings(o, path, "to", true);
        for (int i = 0; i < to.size(); i++) {
            if (!E164.matcher(to.get(i)).matches()) {
                r.problem(ConfigReader.index(ConfigReader.child(path, "to"), i),
                        "not a phone number in E.164 form: \"" + to.get(i) + "\"");
            }
        }
        int segments = r.integer(o, path, "maxSegments", 1, MAX_SEGMENTS).orElse(1);
        if (sid.isEmpty() || token.isEmpty() || from.isEmpty()) {
            return null;
        }
        return new ChannelConfig.Sms(name, provider, base, sid.get(), token.get(), from.get(), to, segments, timeout,
                maxAge, workers);
    }

    private static ChannelConfig email(ConfigReader r, String name, String path, ObjectNode o, Duration timeout,
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
        if (host.isEmpty() || from.isEmpty()) {
            return null;
        }
        return new ChannelConfig.Email(name, host.get(), port, security, user, password, from.get(), to, timeout,
                maxAge, workers);
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
                r.problem(ConfigReader.index(ConfigReader.child(path, "notify"), i), unknownChannel(notify.get(i), channels));
            }
        }
        return r.problems.size() == before ? Optional.of(new Route(match, notify)) : Optional.empty();
    }

    private static Optional<URI> httpUrl(ConfigReader r, String path, String text) {
        try {
            URI u = new URI(text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null) {
                return Optional.of(u);
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        r.problem(path, "not an http or https URL: \"" + text + "\"");
        return Optional.empty();
    }

    private static void emailAddress(ConfigReader r, String path, String text) {
        try {
            InternetAddress a = new InternetAddress(text, true);
            if (a.getAddress().indexOf('@') > 0) {
                return;
            }
        } catch (AddressException e) {
            // reported below
        }
        r.problem(path, "not an email address: \"" + text + "\"");
    }
}
