package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.Secret;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Against a fake Twilio Messages endpoint: a local HTTP server checking what Twilio checks. */
class SmsChannelTest {
    /** Real retries, short: 10 ms doubling to 40 ms. */
    private static final Duration FAST_BASE = Duration.ofMillis(10);
    private static final Duration FAST_CAP = Duration.ofMillis(40);

    static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        Arrays.stream(body.split("&")).map(p -> p.split("=", 2)).forEach(kv -> out.put(
                URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8)));
        return out;
    }

    private static Notifier start(WebhookReceiver twilio, Path dir, int maxSegments) {
        ChannelConfig.Sms sms = new ChannelConfig.Sms("fraud_sms", "twilio", twilio.url("/twilio/"), "AC0123456789abcdef",
                Secret.of("t0ken"), "+15550000", List.of("+15550100", "+15550101"), maxSegments,
                ChannelConfig.DEFAULT_TIMEOUT, ChannelConfig.DEFAULT_MAX_AGE, ChannelConfig.DEFAULT_WORKERS);
        return Notifier.newBuilder(Configs.of(dir.resolve("vigil.db"), sms)).backoff(FAST_BASE, FAST_CAP)
                .pollInterval(Duration.ofMillis(20)).start();
    }

    @Test
    void alert_isOneFormPostPerRecipient_withBasicAuthAndTheSeverityPrefixedMessage(@TempDir Path dir) throws Exception {
        try (WebhookReceiver twilio = new WebhookReceiver(Optional.empty(), c -> WebhookReceiver.Answer.of(201));
                Notifier n = start(twilio, dir, 1)) {
            n.onAlert(Alerts.alert("a1", "fraud_sms"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            List<WebhookReceiver.Request> rs = twilio.requests();
            assertThat(rs).hasSize(2);
            assertThat(rs).allSatisfy(r -> {
                assertThat(r.path()).isEqualTo("/twilio/2010-04-01/Accounts/AC0123456789abcdef/Messages.json");
                assertThat(r.header("Authorization")).isEqualTo("Basic "
                        + Base64.getEncoder().encodeToString("AC0123456789abcdef:t0ken".getBytes(StandardCharsets.UTF_8)));
                assertThat(r.header("Content-Type")).startsWith("application/x-www-form-urlencoded");
            });
            assertThat(rs.stream().map(r -> form(r.body())).toList()).containsExactlyInAnyOrder(
                    Map.of("To", "+15550100", "From", "+15550000",
                            "Body", "[CRITICAL] Card c-1001: test charge 1.0, then 812.5 at m-9"),
                    Map.of("To", "+15550101", "From", "+15550000",
                            "Body", "[CRITICAL] Card c-1001: test charge 1.0, then 812.5 at m-9"));
            assertThat(n.stats().channels().get(0)).isEqualTo(new ChannelStats("fraud_sms", 1, 0, 0, 0));
        }
    }

    @Test
    void partialFailure_retriesOnlyTheRecipientsNotYetServed(@TempDir Path dir) throws Exception {
        // First request (to +15550100) succeeds, the second (to +15550101) fails twice, then succeeds.
        try (WebhookReceiver twilio = new WebhookReceiver(Optional.empty(), c -> WebhookReceiver.Answer.of(c.n() == 1 || c.n() == 2 ? 503 : 201));
                Notifier n = start(twilio, dir, 1)) {
            n.onAlert(Alerts.alert("a1", "fraud_sms"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            assertThat(twilio.requests().stream().map(r -> form(r.body()).get("To")).toList())
                    .containsExactly("+15550100", "+15550101", "+15550101", "+15550101");
            assertThat(twilio.accepted().stream().map(r -> form(r.body()).get("To")).toList())
                    .containsExactly("+15550100", "+15550101");
        }
    }

    @Test
    void invalidRecipientRefusedByTwilio_isADeadLetterAndTheOthersAreNotTextedAgain(@TempDir Path dir) throws Exception {
        try (WebhookReceiver twilio = new WebhookReceiver(Optional.empty(), c -> WebhookReceiver.Answer.of(c.n() == 1 ? 400 : 201));
                Notifier n = start(twilio, dir, 1)) {
            n.onAlert(Alerts.alert("a1", "fraud_sms"));
            await().atMost(Duration.ofSeconds(10)).until(() -> n.history().deadLetters().size() == 1);
            assertThat(n.history().deadLetters().get(0).lastError()).isEqualTo("HTTP 400");
            // Retrying the dead letter texts only the recipient that failed.
            assertThat(n.retryDeadLetter(n.history().deadLetters().get(0).id())).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> n.stats().channels().get(0).delivered() == 1);
            assertThat(twilio.requests().stream().map(r -> form(r.body()).get("To")).toList())
                    .containsExactly("+15550100", "+15550101", "+15550101");
        }
    }

    @Test
    void longMessage_isCutToMaxSegments(@TempDir Path dir) throws Exception {
        try (WebhookReceiver twilio = new WebhookReceiver(Optional.empty(), c -> WebhookReceiver.Answer.of(201));
                Notifier n = start(twilio, dir, 2)) {
            var a = Alerts.alert("a1", "fraud_sms");
            n.onAlert(new dev.vigil.engine.Alert(a.id(), a.rule(), a.title(), a.status(), a.severity(), a.key(),
                    "Too many purchases: " + "m-1234 ".repeat(80), a.time(), a.raisedAt(), a.labels(), a.values(),
                    a.events(), a.channels(), 0));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            String body = form(twilio.requests().get(0).body()).get("Body");
            assertThat(body).startsWith("[CRITICAL] Too many purchases: m-1234 m-1234").endsWith("...").hasSize(304);
            assertThat(SmsText.measure(body)).isEqualTo(new SmsText.Measure(SmsText.Encoding.GSM7, 306, 2));
        }
    }
}
