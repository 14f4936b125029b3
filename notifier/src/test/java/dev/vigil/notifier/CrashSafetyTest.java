package dev.vigil.notifier;

import dev.vigil.notifier.testing.Configs;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A notifier process is killed (SIGKILL: no shutdown hook, no graceful close) in the middle of a
 * delivery; a new notifier on the same store delivers every alert that was not confirmed.
 */
class CrashSafetyTest {
    static final int ALERTS = 100;
    /** Requests the first receiver confirms before it stops answering. */
    static final int CONFIRMED_BEFORE_CRASH = 5;

    static String id(int i) {
        return String.format("%032x", 0xA1E27L * 1000 + i);
    }

    @Test
    void notifierKilledMidDelivery_newNotifierOnTheSameStoreDeliversEveryRemainingAlert(@TempDir Path dir)
            throws Exception {
        Path db = dir.resolve("vigil.db");
        List<String> ids = IntStream.range(0, ALERTS).mapToObj(CrashSafetyTest::id).toList();
        Set<String> confirmedBefore;
        String inFlight;
        try (WebhookReceiver first = new WebhookReceiver(Optional.empty(), c -> c.n() < CONFIRMED_BEFORE_CRASH
                ? WebhookReceiver.Answer.of(200) : WebhookReceiver.Answer.hanging())) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    CrashChild.class.getName(), db.toString(), first.url("/hook").toString(), Integer.toString(ALERTS))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).isEqualTo("STORED");
                // Delivery under way: five confirmed, the sixth sent and waiting for its answer.
                await().atMost(Duration.ofSeconds(20)).until(() -> first.requests().size() == CONFIRMED_BEFORE_CRASH + 1);
            } finally {
                child.destroyForcibly();
                assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(child.exitValue()).isNotZero();
            confirmedBefore = new HashSet<>(first.accepted().stream().map(r -> r.header("webhook-id")).toList());
            inFlight = first.requests().get(CONFIRMED_BEFORE_CRASH).header("webhook-id");
        }
        assertThat(confirmedBefore).hasSize(CONFIRMED_BEFORE_CRASH);

        try (WebhookReceiver second = WebhookReceiver.answering(200);
                Notifier n = Notifier.newBuilder(Configs.of(db, Configs.webhook("hook", second.url("/hook")))).start()) {
            assertThat(n.history().counts().alerts()).isEqualTo(ALERTS);
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(20))).isTrue();
            List<String> after = second.accepted().stream().map(r -> r.header("webhook-id")).toList();
            assertThat(after).doesNotHaveDuplicates().contains(inFlight);
            Set<String> all = new HashSet<>(confirmedBefore);
            all.addAll(after);
            assertThat(all).as("every alert delivered, none lost").containsExactlyInAnyOrderElementsOf(ids);
            assertThat(after).as("nothing confirmed before the crash is sent again")
                    .hasSize(ALERTS - CONFIRMED_BEFORE_CRASH);
            assertThat(n.history().counts()).isEqualTo(new StoreCounts(ALERTS, 0, 0, ALERTS, 0));
        }
    }
}
