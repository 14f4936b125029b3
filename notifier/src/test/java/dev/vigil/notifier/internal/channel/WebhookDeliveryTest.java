package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.DeadLetter;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.Secret;
import dev.vigil.notifier.StoreCounts;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import dev.vigil.testing.MutableClock;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class WebhookDeliveryTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /** Real retries, short: 10 ms doubling to 40 ms. */
    private static final Duration FAST_BASE = Duration.ofMillis(10);
    private static final Duration FAST_CAP = Duration.ofMillis(40);

    private static Notifier start(Path dir, Clock clock, ChannelConfig... channels) {
        return Notifier.newBuilder(Configs.of(dir.resolve("vigil.db"), channels)).clock(clock).backoff(FAST_BASE, FAST_CAP)
                .pollInterval(Duration.ofMillis(20)).start();
    }

    /** Headers in the order given. */
    private static Map<String, String> headers(String... namesAndValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            out.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return out;
    }

    /** {@code { type: webhook, url: ..., secret: ..., headers: ..., workers: ... }}. */
    private static ChannelConfig.Webhook webhook(String name, URI url, Optional<String> secret,
            Map<String, String> headers, int workers) {
        return new ChannelConfig.Webhook(name, url, secret.map(Secret::of), ChannelConfig.DEFAULT_TIMEOUT, headers,
                ChannelConfig.DEFAULT_MAX_AGE, workers);
    }

    @Test
    void retriedDelivery_keepsTheWebhookIdAndSignsEveryAttempt(@TempDir Path dir) throws Exception {
        try (WebhookReceiver r = new WebhookReceiver(Optional.of(SECRET), c -> WebhookReceiver.Answer.of(c.n() < 3 ? 500 : 200));
                Notifier n = start(dir, Clock.systemUTC(), webhook("hook", r.url("/hooks/fraud"), Optional.of(SECRET),
                        headers("X-Team", "fraud", "Authorization", "Bearer abc"), 1))) {
            var alert = Alerts.alert("5b1f0d3c9a2e4f70b8c1d2e3f4a5b6c7", "hook");
            n.onAlert(alert);
            await().atMost(Duration.ofSeconds(10)).until(() -> r.accepted().size() == 1);
            List<WebhookReceiver.Request> all = r.requests();
            assertThat(all).hasSize(4);
            assertThat(all).extracting(WebhookReceiver.Request::answered).containsExactly(500, 500, 500, 200);
            assertThat(all).allSatisfy(q -> {
                assertThat(q.path()).isEqualTo("/hooks/fraud");
                assertThat(q.header("webhook-id")).isEqualTo(alert.id());
                assertThat(q.signatureValid()).isTrue();
                assertThat(q.header("content-type")).isEqualTo("application/json");
                assertThat(q.header("X-Team")).isEqualTo("fraud");
                assertThat(q.header("Authorization")).isEqualTo("Bearer abc");
                assertThat(q.body()).isEqualTo(alert.toJson());
                assertThat(Long.parseLong(q.header("webhook-timestamp")))
                        .isCloseTo(Instant.now().getEpochSecond(), org.assertj.core.data.Offset.offset(30L));
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> n.history().pending() == 0);
            assertThat(n.stats().channels().get(0)).isEqualTo(new ChannelStats("hook", 1, 3, 0, 0));
            assertThat(n.history().counts()).isEqualTo(new StoreCounts(1, 0, 0, 1, 0));
        }
    }

    @Test
    void receiverFailingForAWhileThenRecovering_getsEveryAlertExactlyOnce(@TempDir Path dir) throws Exception {
        // The first 60 requests fail in turns of 503, connection-level trouble (408) and 429.
        int[] failures = {503, 408, 429, 500};
        try (WebhookReceiver r = new WebhookReceiver(Optional.of(SECRET),
                c -> c.n() < 60 ? WebhookReceiver.Answer.of(failures[c.n() % failures.length]) : WebhookReceiver.Answer.of(204));
                Notifier n = start(dir, Clock.systemUTC(), webhook("hook", r.url("/in"), Optional.of(SECRET), Map.of(), 4))) {
            List<String> ids = IntStream.range(0, 40).mapToObj(i -> "alert-" + i).toList();
            ids.forEach(id -> n.onAlert(Alerts.alert(id, "hook")));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(20))).isTrue();
            List<String> accepted = r.accepted().stream().map(q -> q.header("webhook-id")).toList();
            assertThat(accepted).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(r.requests()).allSatisfy(q -> assertThat(q.signatureValid()).isTrue());
            assertThat(r.requests()).hasSize(100);
            ChannelStats s = n.stats().channels().get(0);
            assertThat(s.delivered()).isEqualTo(40);
            assertThat(s.retried()).isEqualTo(60);
            assertThat(s.deadLettered()).isZero();
        }
    }

    @Test
    void fastReceiverWithSeveralWorkers_getsEachAlertExactlyOnce(@TempDir Path dir) throws Exception {
        try (WebhookReceiver r = WebhookReceiver.answering(204);
                Notifier n = start(dir, Clock.systemUTC(), webhook("hook", r.url("/in"), Optional.empty(), Map.of(), 4))) {
            List<String> ids = IntStream.range(0, 400).mapToObj(i -> "alert-" + i).toList();
            ids.forEach(id -> n.onAlert(Alerts.alert(id, "hook")));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(20))).isTrue();
            assertThat(r.requests().stream().map(q -> q.header("webhook-id")).toList())
                    .containsExactlyInAnyOrderElementsOf(ids);
        }
    }

    @Test
    void hangingReceiver_delaysNoOtherChannel(@TempDir Path dir) throws Exception {
        WebhookReceiver slow = new WebhookReceiver(Optional.empty(), c -> WebhookReceiver.Answer.hanging());
        WebhookReceiver fast = WebhookReceiver.answering(200);
        // Declared first, closed last: the receivers close first and release the hanging request.
        try (Notifier n = start(dir, Clock.systemUTC(), Configs.webhook("slow", slow.url("/"), Duration.ofSeconds(30)),
                        Configs.webhook("fast", fast.url("/")));
                slow;
                fast) {
            for (int i = 0; i < 5; i++) {
                n.onAlert(Alerts.alert("a" + i, "slow", "fast"));
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> fast.accepted().size() == 5);
            assertThat(slow.requests()).hasSize(1);
            assertThat(n.stats().channels().get(0)).extracting(ChannelStats::channel, ChannelStats::pending)
                    .containsExactly("slow", 5L);
        }
    }

    @Test
    void deliveryPastMaxAge_becomesADeadLetter_andARetriedDeadLetterIsDelivered(@TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-21T10:00:00Z"));
        List<Integer> statuses = new ArrayList<>();
        try (WebhookReceiver r = new WebhookReceiver(Optional.empty(), c -> WebhookReceiver.Answer.of(statuses.isEmpty() ? 503 : 200));
                Notifier n = start(dir, clock, new ChannelConfig.Webhook("hook", r.url("/"), Optional.empty(),
                        ChannelConfig.DEFAULT_TIMEOUT, Map.of(), Duration.ofHours(1), 1))) {
            n.onAlert(Alerts.alert("a1", "hook"));
            await().atMost(Duration.ofSeconds(5)).until(() -> n.stats().channels().get(0).retried() == 1);
            clock.advance(Duration.ofMinutes(61));
            await().atMost(Duration.ofSeconds(5)).until(() -> n.history().deadLetters().size() == 1);
            DeadLetter d = n.history().deadLetters().get(0);
            assertThat(d.alertId()).isEqualTo("a1");
            assertThat(d.channel()).isEqualTo("hook");
            assertThat(d.attempts()).isEqualTo(2);
            assertThat(d.lastError()).isEqualTo("gave up after 2 attempts in 1 h: HTTP 503");
            assertThat(n.history().pending()).isZero();

            statuses.add(200);
            assertThat(n.retryDeadLetter(d.id())).isTrue();
            assertThat(n.retryDeadLetter(d.id())).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> n.stats().channels().get(0).delivered() == 1);
            assertThat(n.history().deadLetters()).isEmpty();
            assertThat(r.requests()).hasSize(3);
        }
    }

}
