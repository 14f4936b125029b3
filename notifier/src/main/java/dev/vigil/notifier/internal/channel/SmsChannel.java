package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code type: sms, provider: twilio}: one Twilio Messages API request per recipient (form POST
 * to {@code {baseUrl}/2010-04-01/Accounts/{accountSid}/Messages.json}, basic auth, {@code To},
 * {@code From}, {@code Body}). Recipients already served by an earlier attempt are skipped, so a
 * retry after a partial failure texts nobody twice.
 */
final class SmsChannel implements Channel {
    private final ChannelConfig.Sms config;
    private final URI endpoint;
    private final String authorization;
    private final HttpClient client;
    private final String where;

    SmsChannel(ChannelConfig.Sms config) {
        this.config = config;
        this.where = WebhookChannel.origin(config.baseUrl());
        String base = config.baseUrl().toString().replaceAll("/+$", "");
        this.endpoint = URI.create(base + "/2010-04-01/Accounts/"
                + URLEncoder.encode(config.accountSid(), StandardCharsets.UTF_8) + "/Messages.json");
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (config.accountSid() + ":" + config.authToken().reveal()).getBytes(StandardCharsets.UTF_8));
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(config.timeout())
                .build();
    }

    /** The text sent: {@code [SEVERITY] message}, cut to {@code maxSegments}. */
    String text(Delivery delivery) {
        return SmsText.fit(AlertText.sms(delivery.alert()), config.maxSegments());
    }

    @Override
    public Outcome send(Delivery delivery) throws InterruptedException {
        String body = text(delivery);
        for (String to : config.to()) {
            if (delivery.isDone(to)) {
                continue;
            }
            String form = "To=" + enc(to) + "&From=" + enc(config.from()) + "&Body=" + enc(body);
            HttpRequest request = HttpRequest.newBuilder(endpoint)
                    .timeout(config.timeout())
                    .header("Authorization", authorization)
                    .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                    .header("Accept", "application/json")
                    .header("User-Agent", WebhookChannel.USER_AGENT)
                    .POST(HttpRequest.BodyPublishers.ofString(form, StandardCharsets.UTF_8))
                    .build();
            Outcome o;
            try {
                HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
                o = new Outcome.Http(response.statusCode(), response.headers().firstValue("Retry-After"));
            } catch (HttpTimeoutException e) {
                o = new Outcome.TimedOut("no answer from " + where + " within " + config.timeout().toMillis() + " ms");
            } catch (ConnectException e) {
                o = new Outcome.Unreachable("cannot connect to " + where + ": "
                        + (e.getMessage() == null ? "connection refused" : e.getMessage()));
            } catch (IOException e) {
                o = new Outcome.Unreachable("request to " + where + " failed: " + e);
            }
            if (!(o instanceof Outcome.Http h && h.status() >= 200 && h.status() < 300)) {
                return o;
            }
            delivery.markDone(to);
        }
        return new Outcome.Sent();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
