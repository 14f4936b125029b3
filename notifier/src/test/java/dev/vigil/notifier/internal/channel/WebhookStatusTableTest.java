package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.DeadLetter;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import dev.vigil.notifier.testing.Outbox;
import dev.vigil.testing.MutableClock;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status-code table: one alert to one webhook channel per case, all at once through one
 * notifier (so the table also shows that a hanging receiver delays no other channel), each case
 * answered by a real local HTTP server. The clock stands still, so a retry is scheduled and never
 * made: the table shows the first decision.
 */
class WebhookStatusTableTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    /** Case -> expected first decision. */
    private static final Map<String, String> TABLE = new LinkedHashMap<>();

    static {
        TABLE.put("200", "delivered");
        TABLE.put("201", "delivered");
        TABLE.put("204", "delivered");
        TABLE.put("301", "dead letter");
        TABLE.put("400", "dead letter");
        TABLE.put("401", "dead letter");
        TABLE.put("404", "dead letter");
        TABLE.put("408", "retry");
        TABLE.put("409", "dead letter");
        TABLE.put("410", "dead letter");
        TABLE.put("429_retry_after", "retry");
        TABLE.put("429", "retry");
        TABLE.put("500", "retry");
        TABLE.put("502", "retry");
        TABLE.put("503", "retry");
        TABLE.put("504", "retry");
        TABLE.put("timeout", "retry");
        TABLE.put("refused", "retry");
    }

    private static WebhookReceiver.Answer answer(WebhookReceiver.Call call) {
        return switch (call.path()) {
            case "/timeout" -> WebhookReceiver.Answer.hanging();
            case "/429_retry_after" -> WebhookReceiver.Answer.of(429, "Retry-After", "7");
            case "/301" -> WebhookReceiver.Answer.of(301, "Location", "http://127.0.0.1:9/elsewhere");
            default -> WebhookReceiver.Answer.of(Integer.parseInt(call.path().substring(1)));
        };
    }

    @Test
    void everyStatusCode_isDeliveredRetriedOrDeadLetteredAsTheSpecSays(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (WebhookReceiver receiver = new WebhookReceiver(Optional.empty(), WebhookStatusTableTest::answer)) {
            List<ChannelConfig> channels = new ArrayList<>();
            for (String c : TABLE.keySet()) {
                URI url = c.equals("refused") ? URI.create("http://127.0.0.1:" + closedPort + "/refused")
                        : receiver.url("/" + c);
                channels.add(Configs.webhook("s" + c, url, Duration.ofMillis(300)));
            }
            NotifierConfig config = Configs.of(dir.resolve("vigil.db"), channels.toArray(ChannelConfig[]::new));
            try (Notifier n = Notifier.newBuilder(config).clock(new MutableClock(T0)).pollInterval(Duration.ofMillis(20))
                    .start()) {
                n.onAlert(Alerts.alert("a1", TABLE.keySet().stream().map(c -> "s" + c).toArray(String[]::new)));
                await().atMost(Duration.ofSeconds(10)).until(() -> n.stats().channels().stream()
                        .allMatch(s -> s.delivered() + s.retried() + s.deadLettered() == 1));

                Map<String, String> actual = n.stats().channels().stream().collect(Collectors.toMap(
                        s -> s.channel().substring(1),
                        s -> s.delivered() == 1 ? "delivered" : s.retried() == 1 ? "retry" : "dead letter",
                        (a, b) -> a, LinkedHashMap::new));
                assertThat(actual).isEqualTo(TABLE);

                Map<String, Outbox.Entry> outbox = Outbox.of(dir.resolve("vigil.db")).stream()
                        .collect(Collectors.toMap(e -> e.channel().substring(1), e -> e));
                assertThat(outbox.keySet()).containsExactlyInAnyOrder(
                        "408", "429_retry_after", "429", "500", "502", "503", "504", "timeout", "refused");
                assertThat(outbox.get("429_retry_after").nextAttempt()).isEqualTo(T0.plusSeconds(7));
                assertThat(outbox.get("429_retry_after").lastError()).contains("HTTP 429 (Retry-After: 7)");
                assertThat(outbox.get("429").nextAttempt()).isBetween(T0.plusMillis(500), T0.plusMillis(1000));
                assertThat(outbox.get("503").lastError()).contains("HTTP 503");
                assertThat(outbox.get("timeout").lastError().orElseThrow())
                        .startsWith("no answer from http://127.0.0.1:").endsWith("within 300 ms");
                assertThat(outbox.get("refused").lastError().orElseThrow()).startsWith("cannot connect to http://127.0.0.1:");
                assertThat(n.history().deadLetters()).extracting(DeadLetter::lastError).containsExactlyInAnyOrder(
                        "HTTP 301", "HTTP 400", "HTTP 401", "HTTP 404", "HTTP 409", "HTTP 410");
                assertThat(n.history().deadLetters()).allSatisfy(d -> assertThat(d.attempts()).isEqualTo(1));
                List<String> paths = receiver.requests().stream().map(WebhookReceiver.Request::path).toList();
                assertThat(paths).hasSize(TABLE.size() - 1).doesNotHaveDuplicates();
            }
        }
    }
}
