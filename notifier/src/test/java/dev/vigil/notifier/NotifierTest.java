package dev.vigil.notifier;

import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** What the notifier records, and when: suppressed alerts, duplicates, flushes, unknown channels. */
class NotifierTest {
    @Test
    void suppressedAlert_isRecordedWithTheReasonAndNeverSent(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Notifier n = Notifier.newBuilder(Configs.of(dir.resolve("v.db"), Configs.log("console")))
                .stdout(new PrintStream(out, true, StandardCharsets.UTF_8)).start()) {
            n.onAlert(Alerts.alert("sent-1", "console"));
            n.onSuppressed(Alerts.alert("held-1", "console"), "throttle 30 min: last sent at 2026-11-21T10:00:00Z");
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(5))).isTrue();
            assertThat(n.history().alerts(AlertQuery.newest().withStatus("suppressed"))).singleElement().satisfies(a -> {
                assertThat(a.id()).isEqualTo("held-1");
                assertThat(a.suppressed()).contains("throttle 30 min: last sent at 2026-11-21T10:00:00Z");
            });
            assertThat(n.history().alert("sent-1").orElseThrow().suppressed()).isEmpty();
            assertThat(n.stats().suppressed()).isEqualTo(1);
            assertThat(n.history().counts()).isEqualTo(new StoreCounts(2, 1, 0, 1, 0));
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"id\":\"sent-1\"").doesNotContain("held-1");
    }

    @Test
    void alertWithAnIdAlreadyStored_isNotSentAgain(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NotifierConfig config = Configs.of(dir.resolve("v.db"), Configs.log("console"));
        for (int run = 0; run < 2; run++) {
            try (Notifier n = Notifier.newBuilder(config).stdout(new PrintStream(out, true, StandardCharsets.UTF_8)).start()) {
                n.onAlert(Alerts.alert("same-id", "console"));
                n.onAlert(Alerts.alert("same-id", "console"));
                assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(5))).isTrue();
                assertThat(n.stats().duplicates()).isEqualTo(run == 0 ? 1 : 2);
            }
        }
        assertThat(out.toString(StandardCharsets.UTF_8).lines()).hasSize(1);
    }

    @Test
    void flush_completesOnceEverythingHandedOverIsInTheStore(@TempDir Path dir) throws Exception {
        try (Notifier n = Notifier.newBuilder(Configs.of(dir.resolve("v.db"))).start()) {
            for (int i = 0; i < 1000; i++) {
                n.onAlert(Alerts.alert("a" + i));
            }
            n.flush().get();
            assertThat(n.history().counts().alerts()).isEqualTo(1000);
            assertThat(n.stats().stored()).isEqualTo(1000);
            assertThat(n.stats().queueDepth()).isZero();
        }
    }

    @Test
    void unknownChannelAtRuntime_isADeadLetterAtOnce(@TempDir Path dir) throws Exception {
        try (Notifier n = Notifier.newBuilder(Configs.of(dir.resolve("v.db"), Configs.log("console"))).start()) {
            n.onAlert(Alerts.alert("a1", "nowhere"));
            n.flush().get();
            assertThat(n.history().deadLetters()).singleElement().satisfies(d -> {
                assertThat(d.channel()).isEqualTo("nowhere");
                assertThat(d.lastError()).isEqualTo("unknown channel \"nowhere\"");
                assertThat(d.attempts()).isZero();
            });
        }
    }
}
