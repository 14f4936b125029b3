package dev.vigil.notifier;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One entry of the configuration's {@code channels} section: where alerts can be sent. Secrets are
 * held as {@link Secret}, so {@code toString()} of every channel is safe to log.
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

    /** The channel's name, the key under {@code channels}. */
    String name();

    /** The {@code type} as written in the configuration: webhook, sms, email or log. */
    String type();

    /** How long an alert is retried before it becomes a dead letter. */
    Duration maxAge();

    /** How many deliveries of this channel may be under way at once. */
    int workers();

    /**
     * {@code type: webhook}: POST of the alert JSON with Standard Webhooks headers.
     *
     * @param secret signs each request ({@code webhook-signature}) when present
     * @param headers extra request headers, in configuration order
     */
    record Webhook(String name, URI url, Optional<Secret> secret, Duration timeout, Map<String, String> headers,
            Duration maxAge, int workers) implements ChannelConfig {
        public Webhook {
            requireNonNull(name, "name is null");
            requireNonNull(url, "url is null");
            requireNonNull(secret, "secret is null");
            requireNonNull(timeout, "timeout is null");
            headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
            requireNonNull(maxAge, "maxAge is null");
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
     * @param to recipients in E.164 form
     * @param maxSegments how many SMS segments the text may use; longer texts are cut
     */
    record Sms(String name, String provider, URI baseUrl, String accountSid, Secret authToken, String from,
            List<String> to, int maxSegments, Duration timeout, Duration maxAge, int workers) implements ChannelConfig {
        /** Twilio's API, when {@code baseUrl} is not configured. */
        public static final URI TWILIO_BASE_URL = URI.create("https://api.twilio.com");

        public Sms {
            requireNonNull(name, "name is null");
            requireNonNull(provider, "provider is null");
            requireNonNull(baseUrl, "baseUrl is null");
            requireNonNull(accountSid, "accountSid is null");
            requireNonNull(authToken, "authToken is null");
            requireNonNull(from, "from is null");
            to = List.copyOf(to);
            requireNonNull(timeout, "timeout is null");
            requireNonNull(maxAge, "maxAge is null");
        }

        @Override
        public String type() {
            return "sms";
        }
    }

    /**
     * {@code type: email}: SMTP through Angus Mail.
     *
     * @param timeout the connect, read and write timeout (Jakarta Mail's default is infinite)
     */
    record Email(String name, String host, int port, Security security, Optional<String> username,
            Optional<Secret> password, String from, List<String> to, Duration timeout, Duration maxAge, int workers)
            implements ChannelConfig {
        public Email {
            requireNonNull(name, "name is null");
            requireNonNull(host, "host is null");
            requireNonNull(security, "security is null");
            requireNonNull(username, "username is null");
            requireNonNull(password, "password is null");
            requireNonNull(from, "from is null");
            to = List.copyOf(to);
            requireNonNull(timeout, "timeout is null");
            requireNonNull(maxAge, "maxAge is null");
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
            requireNonNull(name, "name is null");
            requireNonNull(maxAge, "maxAge is null");
        }

        @Override
        public String type() {
            return "log";
        }
    }
}
