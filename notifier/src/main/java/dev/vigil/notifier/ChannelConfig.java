package dev.vigil.notifier;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * One entry of the configuration's {@code channels} section: where alerts can be sent. Secrets are
 * held as {@link Secret}, so {@code toString()} of every channel is safe to log.
 *
 * <p>Each record checks its own invariants when built and throws {@link IllegalArgumentException}
 * naming the field and the value (never a secret's value). The static checks ({@link #isHttpUrl},
 * {@link Webhook#isHeaderName}, ...) are the same rules, for a reader of the configuration that
 * reports every mistake with its path before it builds anything.
 */
public sealed interface ChannelConfig
        permits ChannelConfig.Webhook, ChannelConfig.Sms, ChannelConfig.Email, ChannelConfig.Log {

    /**
     * How long an alert is retried before it moves to the dead letters: the spec's default. A day
     * outlasts a receiver's overnight outage or a weekend deploy freeze of most of a day, while an
     * alert older than that has usually lost its point.
     */
    Duration DEFAULT_MAX_AGE = Duration.ofHours(24);

    /** Connect and response timeout of one delivery attempt, when not configured. */
    Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** Worker threads per channel, when not configured: one keeps a channel's alerts in order. */
    int DEFAULT_WORKERS = 1;

    /** Most deliveries of one channel at once: more threads than this only queue at the receiver. */
    int MAX_WORKERS = 64;

    /** The channel's name, the key under {@code channels}. */
    String name();

    /** The {@code type} as written in the configuration: webhook, sms, email or log. */
    String type();

    /** How long an alert is retried before it becomes a dead letter. */
    Duration maxAge();

    /** How many deliveries of this channel may be under way at once. */
    int workers();

    /** An absolute {@code http} or {@code https} URL with a host: what the HTTP client can POST to. */
    static boolean isHttpUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        return (scheme.equals("http") || scheme.equals("https")) && url.getHost() != null;
    }

    private static void checkCommon(String name, Duration maxAge, int workers) {
        requireNonNull(name, "name is null");
        checkPositive(maxAge, "maxAge");
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("workers must be between 1 and " + MAX_WORKERS + ": " + workers);
        }
    }

    private static void checkPositive(Duration d, String what) {
        requireNonNull(d, what + " is null");
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
    }

    private static void checkHttpUrl(URI url, String what) {
        requireNonNull(url, what + " is null");
        if (!isHttpUrl(url)) {
            throw new IllegalArgumentException(what + " must be an http or https URL: " + url);
        }
    }

    private static void checkNotEmpty(String s, String what) {
        requireNonNull(s, what + " is null");
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }

    /**
     * {@code type: webhook}: POST of the alert JSON with Standard Webhooks headers.
     *
     * @param secret signs each request ({@code webhook-signature}) when present; a Standard Webhooks
     *     secret ({@link #secretProblem})
     * @param headers extra request headers, in configuration order
     */
    record Webhook(String name, URI url, Optional<Secret> secret, Duration timeout, Map<String, String> headers,
            Duration maxAge, int workers) implements ChannelConfig {
        /** The prefix of a Standard Webhooks secret, whose key is the base64 text after it. */
        public static final String SECRET_PREFIX = "whsec_";

        /**
         * The fewest key bytes a secret may hold: the Standard Webhooks specification's lower
         * bound, 192 bits, beyond any guessing.
         */
        public static final int MIN_SECRET_BYTES = 24;

        /**
         * The most key bytes a secret may hold: the specification's upper bound, HMAC-SHA256's block
         * size (a longer key is hashed to 32 bytes first, so it would add nothing).
         */
        public static final int MAX_SECRET_BYTES = 64;

        /** What a secret looks like, in words, for messages. */
        public static final String SECRET_FORM = SECRET_PREFIX + " followed by the base64 of " + MIN_SECRET_BYTES
                + " to " + MAX_SECRET_BYTES + " random bytes";

        /**
         * Headers the webhook channel sets itself, or that the JDK's HttpClient refuses to let
         * callers set.
         */
        private static final Set<String> RESERVED_HEADERS = Set.of("webhook-id", "webhook-timestamp",
                "webhook-signature", "content-type", "content-length", "host", "connection", "expect", "upgrade");

        /** An HTTP field name (RFC 9110, 5.1): one or more token characters. */
        private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

        public Webhook {
            checkCommon(name, maxAge, workers);
            checkHttpUrl(url, "url");
            requireNonNull(secret, "secret is null");
            // A secret's value is never part of a message.
            secret.flatMap(s -> secretProblem(s.reveal())).ifPresent(p -> {
                throw new IllegalArgumentException("secret is not a Standard Webhooks secret (" + SECRET_FORM
                        + "): " + p);
            });
            checkPositive(timeout, "timeout");
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            headers.forEach((h, v) -> {
                if (!isHeaderName(h)) {
                    throw new IllegalArgumentException("headers: not a valid header name: \"" + h + "\"");
                }
                if (isReservedHeader(h)) {
                    throw new IllegalArgumentException("headers: " + h
                            + " cannot be configured: the webhook channel or the HTTP client sets it");
                }
                requireNonNull(v, "headers." + h + " is null");
            });
        }

        /**
         * Why {@code secret} is not a Standard Webhooks secret, or empty when it is one:
         * {@link #SECRET_PREFIX} and then the standard base64 (RFC 4648, padded, nothing else) of
         * {@value #MIN_SECRET_BYTES} to {@value #MAX_SECRET_BYTES} bytes, the form the reference
         * libraries ({@code standardwebhooks} on npm, PyPI, Go) decode the key from. The reason
         * never quotes the secret ({@code no "whsec_" prefix}, {@code 16 bytes after "whsec_", too few}).
         */
        public static Optional<String> secretProblem(String secret) {
            requireNonNull(secret, "secret is null");
            if (!secret.startsWith(SECRET_PREFIX)) {
                return Optional.of("no \"" + SECRET_PREFIX + "\" prefix");
            }
            String text = secret.substring(SECRET_PREFIX.length());
            byte[] key;
            try {
                key = Base64.getDecoder().decode(text);
            } catch (IllegalArgumentException e) {
                key = null;
            }
            // Java's decoder also takes text without its padding, which the reference libraries refuse.
            if (key == null || !Base64.getEncoder().encodeToString(key).equals(text)) {
                return Optional.of("not base64 after \"" + SECRET_PREFIX + "\"");
            }
            if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
                return Optional.of(key.length + " bytes after \"" + SECRET_PREFIX + "\", too "
                        + (key.length < MIN_SECRET_BYTES ? "few" : "many"));
            }
            return Optional.empty();
        }

        /** Whether {@code name} is a syntactically valid HTTP header name. */
        public static boolean isHeaderName(String name) {
            return HEADER_NAME.matcher(name).matches();
        }

        /** Whether the channel or the HTTP client sets this header itself, whatever its case. */
        public static boolean isReservedHeader(String name) {
            return RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String type() {
            return "webhook";
        }
    }

    /**
     * {@code type: sms}: one Twilio Messages API request per recipient.
     *
     * @param baseUrl the API's base, {@code https://api.twilio.com} unless configured (tests point
     *     it at a local server)
     * @param from a phone number in E.164 form or an alphanumeric sender id
     * @param to recipients in E.164 form, at least one
     * @param maxSegments how many SMS segments the text may use; longer texts are cut
     */
    record Sms(String name, String provider, URI baseUrl, String accountSid, Secret authToken, String from,
            List<String> to, int maxSegments, Duration timeout, Duration maxAge, int workers) implements ChannelConfig {
        /** Twilio's API, when {@code baseUrl} is not configured. */
        public static final URI TWILIO_BASE_URL = URI.create("https://api.twilio.com");

        /** The SMS providers there is a channel for. */
        public static final List<String> PROVIDERS = List.of("twilio");

        /** Twilio recommends at most 10 segments per message. */
        public static final int MAX_SEGMENTS = 10;

        /** ITU-T E.164: a plus, a country code not starting with 0, at most 15 digits in all. */
        private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{1,14}");
        /** An alphanumeric sender id, which Twilio accepts as {@code From} in many countries. */
        private static final Pattern SENDER_ID = Pattern.compile("(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}");

        public Sms {
            checkCommon(name, maxAge, workers);
            requireNonNull(provider, "provider is null");
            if (!PROVIDERS.contains(provider)) {
                throw new IllegalArgumentException("provider must be one of " + String.join(", ", PROVIDERS) + ": "
                        + provider);
            }
            checkHttpUrl(baseUrl, "baseUrl");
            checkNotEmpty(accountSid, "accountSid");
            requireNonNull(authToken, "authToken is null");
            requireNonNull(from, "from is null");
            if (!isSender(from)) {
                throw new IllegalArgumentException(
                        "from is not a phone number in E.164 form nor an alphanumeric sender id: " + from);
            }
            to = List.copyOf(to);
            if (to.isEmpty()) {
                throw new IllegalArgumentException("to must not be empty");
            }
            for (int i = 0; i < to.size(); i++) {
                if (!isPhoneNumber(to.get(i))) {
                    throw new IllegalArgumentException("to[" + i + "] is not a phone number in E.164 form: "
                            + to.get(i));
                }
            }
            if (maxSegments < 1 || maxSegments > MAX_SEGMENTS) {
                throw new IllegalArgumentException("maxSegments must be between 1 and " + MAX_SEGMENTS + ": "
                        + maxSegments);
            }
            checkPositive(timeout, "timeout");
        }

        /** A phone number in E.164 form ({@code +15550100}). */
        public static boolean isPhoneNumber(String text) {
            return E164.matcher(text).matches();
        }

        /** What Twilio takes as {@code From}: an E.164 number or an alphanumeric sender id. */
        public static boolean isSender(String text) {
            return isPhoneNumber(text) || SENDER_ID.matcher(text).matches();
        }

        @Override
        public String type() {
            return "sms";
        }
    }

    /**
     * {@code type: email}: SMTP through Angus Mail.
     *
     * @param username the SMTP login, with {@code password}: both or neither
     * @param from the sender, an RFC 5322 address with or without a display name
     *     ({@code alerts@example.org}, {@code Vigil Alerts <alerts@example.org>}); the SMTP envelope
     *     takes the address, the {@code From} header the whole
     * @param to recipients, at least one, each as {@code from}
     * @param timeout the connect, read and write timeout (Jakarta Mail's default is infinite)
     */
    record Email(String name, String host, int port, Security security, Optional<String> username,
            Optional<Secret> password, String from, List<String> to, Duration timeout, Duration maxAge, int workers)
            implements ChannelConfig {
        public Email {
            checkCommon(name, maxAge, workers);
            checkNotEmpty(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
            }
            requireNonNull(security, "security is null");
            requireNonNull(username, "username is null");
            requireNonNull(password, "password is null");
            if (username.isPresent() != password.isPresent()) {
                throw new IllegalArgumentException("username and password go together: "
                        + (username.isPresent() ? "password" : "username") + " is missing");
            }
            requireNonNull(from, "from is null");
            if (!isAddress(from)) {
                throw new IllegalArgumentException("from is not an email address: " + from);
            }
            to = List.copyOf(to);
            if (to.isEmpty()) {
                throw new IllegalArgumentException("to must not be empty");
            }
            for (int i = 0; i < to.size(); i++) {
                if (!isAddress(to.get(i))) {
                    throw new IllegalArgumentException("to[" + i + "] is not an email address: " + to.get(i));
                }
            }
            checkPositive(timeout, "timeout");
        }

        /**
         * One RFC 5322 address with a local part and a domain, with or without a display name
         * ({@code ops@example.org}, {@code Ops Team <ops@example.org>}), as Jakarta Mail's strict
         * parser reads it: what the email channel can put in the SMTP envelope and the headers.
         */
        public static boolean isAddress(String text) {
            try {
                return new InternetAddress(text, true).getAddress().indexOf('@') > 0;
            } catch (AddressException e) {
                return false;
            }
        }

        @Override
        public String type() {
            return "email";
        }
    }

    /** How an SMTP connection is protected. */
    enum Security {
        /** No TLS (port 25 by default). */
        PLAIN,
        /** Plain connection upgraded with STARTTLS, which must succeed ({@code startTls: true}, port 587). */
        STARTTLS,
        /** TLS from the first byte ({@code tls: true}, port 465). */
        TLS
    }

    /** {@code type: log}: the alert JSON as one line on standard output. */
    record Log(String name, Duration maxAge, int workers) implements ChannelConfig {
        public Log {
            checkCommon(name, maxAge, workers);
        }

        @Override
        public String type() {
            return "log";
        }
    }
}
