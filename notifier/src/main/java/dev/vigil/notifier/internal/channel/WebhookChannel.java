package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * {@code type: webhook}: POST of the alert JSON with the Standard Webhooks headers
 * ({@code webhook-id} = the alert id on every attempt, {@code webhook-timestamp} = the attempt's
 * time, {@code webhook-signature} when a secret is configured) and the configured extra headers.
 */
final class WebhookChannel implements Channel {
    static final String USER_AGENT = "Vigil-Notifier/1";

    private final ChannelConfig.Webhook config;
    private final Clock clock;
    private final Optional<WebhookSignature> signature;
    private final HttpClient client;
    /** The URL without its path and query, which may hold a token: what errors and logs show. */
    private final String where;

    WebhookChannel(ChannelConfig.Webhook config, Clock clock) {
        this.config = config;
        this.where = origin(config.url());
        this.clock = clock;
        this.signature = config.secret().map(s -> new WebhookSignature(s.reveal()));
        // HTTP/1.1: no h2c upgrade dance on plain http; redirects are not followed (RetryPolicy
        // turns a 3xx into a dead letter).
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.timeout())
                .build();
    }

    @Override
    public Outcome send(Delivery delivery) throws InterruptedException {
        byte[] body = delivery.json().getBytes(StandardCharsets.UTF_8);
        long timestamp = clock.instant().getEpochSecond();
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", USER_AGENT)
                .header("webhook-id", delivery.alertId())
                .header("webhook-timestamp", Long.toString(timestamp));
        signature.ifPresent(s -> request.header("webhook-signature", s.sign(delivery.alertId(), timestamp, body)));
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            request.header(h.getKey(), h.getValue());
        }
        request.POST(HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            HttpResponse<Void> response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
            return new Outcome.Http(response.statusCode(), response.headers().firstValue("Retry-After"));
        } catch (HttpTimeoutException e) {
            return new Outcome.TimedOut("no answer from " + where + " within " + config.timeout().toMillis() + " ms");
        } catch (ConnectException e) {
            return new Outcome.Unreachable("cannot connect to " + where + ": "
                    + (e.getMessage() == null ? "connection refused" : e.getMessage()));
        } catch (IOException e) {
            return new Outcome.Unreachable("request to " + where + " failed: " + e);
        }
    }

    /** {@code https://hooks.example.org:443}: scheme, host and port only. */
    static String origin(URI url) {
        int port = url.getPort() >= 0 ? url.getPort() : url.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        return url.getScheme() + "://" + url.getHost() + ":" + port;
    }
}
