package dev.vigil.server.run;

import dev.vigil.engine.Alert;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.StoreConfig;
import dev.vigil.rules.ast.Severity;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RuleFileStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    /** A clock that stands still until the test moves it. */
    private static final class MutableClock extends Clock {
        private volatile Instant now = T0;

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void ruleFileVersions_countUpPerChange_andTheSameTextSavesNothing(@TempDir Path dir) throws Exception {
        MutableClock clock = new MutableClock();
        try (RuleFileStore s = RuleFileStore.open(dir.resolve("v.db"), clock)) {
            assertThat(s.latestRuleFile("fraud.rules")).isEmpty();
            assertThat(s.saveRuleFileVersion("fraud.rules", "rule a {}", "h1")).isEqualTo(1);
            clock.advance(Duration.ofMinutes(1));
            assertThat(s.saveRuleFileVersion("fraud.rules", "rule a {}", "h1")).isEqualTo(1);
            assertThat(s.saveRuleFileVersion("fraud.rules", "rule b {}", "h2")).isEqualTo(2);
            assertThat(s.saveRuleFileVersion("stock.rules", "rule s {}", "h3")).isEqualTo(1);
            assertThat(s.latestRuleFile("fraud.rules")).contains(
                    new RuleFileVersion("fraud.rules", 2, "h2", "rule b {}", T0.plusSeconds(60), false));
            assertThat(s.latestRuleFiles()).extracting(RuleFileVersion::name, RuleFileVersion::version)
                    .containsExactly(Tuple.tuple("fraud.rules", 2), Tuple.tuple("stock.rules", 1));
            assertThat(s.saveRuleFileDeletion("stock.rules")).isEqualTo(2);
            assertThat(s.latestRuleFile("stock.rules")).isEmpty();
            assertThat(s.latestRuleFiles()).extracting(RuleFileVersion::name).containsExactly("fraud.rules");
            assertThat(s.saveRuleFileVersion("stock.rules", "rule s {}", "h3")).isEqualTo(3);
            assertThat(s.ruleFileVersions("stock.rules")).extracting(RuleFileVersion::version).containsExactly(1, 2, 3);
        }
        try (RuleFileStore s = RuleFileStore.open(dir.resolve("v.db"), clock)) {
            assertThat(s.latestRuleFile("fraud.rules").orElseThrow().text()).isEqualTo("rule b {}");
        }
    }

    @Test
    void ruleFileVersions_shareTheNotifiersFile_andBothWriteWhileTheOtherIsOpen(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("data/vigil.db");
        NotifierConfig config = new NotifierConfig(Map.of(), List.of(), new StoreConfig(db));
        try (Notifier notifier = Notifier.newBuilder(config).start();
                RuleFileStore files = RuleFileStore.open(db, Clock.systemUTC())) {
            for (int i = 0; i < 50; i++) {
                notifier.onAlert(new Alert("a" + i, "r", "T", Alert.Status.FIRING, Severity.INFO, Map.of(), "m",
                        T0.toEpochMilli(), T0.toEpochMilli(), Map.of(), Map.of(), List.of(), List.of(), 0));
                assertThat(files.saveRuleFileVersion("f.rules", "rule r" + i + " {}", "h" + i)).isEqualTo(i + 1);
            }
            notifier.flush().get();
            assertThat(notifier.history().alerts(AlertQuery.newest())).hasSize(50);
        }
        try (Notifier notifier = Notifier.newBuilder(config).start();
                RuleFileStore files = RuleFileStore.open(db, Clock.systemUTC())) {
            assertThat(notifier.history().counts().alerts()).isEqualTo(50);
            assertThat(files.latestRuleFile("f.rules").orElseThrow().version()).isEqualTo(50);
        }
    }
}
