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
            assertThat(s.saveRuleFileVersion("fraud.rules", "rule a {}", "h1", "t", "s")).isEqualTo(1);
            clock.advance(Duration.ofMinutes(1));
            assertThat(s.saveRuleFileVersion("fraud.rules", "rule a {}", "h1", "t", "s")).isEqualTo(1);
            assertThat(s.saveRuleFileVersion("fraud.rules", "rule b {}", "h2", "t", "s")).isEqualTo(2);
            assertThat(s.saveRuleFileVersion("stock.rules", "rule s {}", "h3", "t", "s")).isEqualTo(1);
            assertThat(s.latestRuleFile("fraud.rules")).contains(
                    new RuleFileVersion("fraud.rules", 2, "h2", "rule b {}", T0.plusSeconds(60), false, "t", "s"));
            assertThat(s.latestRuleFiles()).extracting(RuleFileVersion::name, RuleFileVersion::version)
                    .containsExactly(Tuple.tuple("fraud.rules", 2), Tuple.tuple("stock.rules", 1));
            assertThat(s.saveRuleFileDeletion("stock.rules", "t", "s")).isEqualTo(2);
            assertThat(s.latestRuleFile("stock.rules")).isEmpty();
            assertThat(s.latestRuleFiles()).extracting(RuleFileVersion::name).containsExactly("fraud.rules");
            assertThat(s.saveRuleFileVersion("stock.rules", "rule s {}", "h3", "t", "s")).isEqualTo(3);
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
                assertThat(files.saveRuleFileVersion("f.rules", "rule r" + i + " {}", "h" + i, "t", "s")).isEqualTo(i + 1);
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

    @Test
    void aStoreWrittenBeforeAuthorsWereKept_gainsTheColumnsAndTheAuditLog(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("old.db");
        try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db); var st = c.createStatement()) {
            st.execute("""
                    CREATE TABLE rule_files (name TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL,
                    text TEXT NOT NULL, saved_at INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (name, version))""");
            st.execute("INSERT INTO rule_files VALUES ('a.rules', 1, 'h1', 'rule a {}', 0, 0)");
        }
        try (RuleFileStore s = RuleFileStore.open(db, Clock.fixed(T0, ZoneOffset.UTC))) {
            RuleFileVersion old = s.latestRuleFile("a.rules").orElseThrow();
            assertThat(old.who()).isEqualTo("unknown");
            assertThat(old.summary()).isEmpty();
            assertThat(s.saveRuleFileVersion("a.rules", "rule b {}", "h2", "alice", "changed: b")).isEqualTo(2);
            s.audit("alice", "put", "a.rules", java.util.OptionalInt.of(2), "changed: b");
            s.audit("folder", "folder", "b.rules", java.util.OptionalInt.empty(), "changed: c");
            assertThat(s.auditLog(10, java.util.OptionalLong.empty()))
                    .extracting(RuleFileStore.AuditEntry::who, RuleFileStore.AuditEntry::version)
                    .containsExactly(Tuple.tuple("folder", java.util.OptionalInt.empty()),
                            Tuple.tuple("alice", java.util.OptionalInt.of(2)));
        }
        // Opened again: nothing is added twice.
        try (RuleFileStore s = RuleFileStore.open(db, Clock.fixed(T0, ZoneOffset.UTC))) {
            assertThat(s.ruleFileVersion("a.rules", 2).orElseThrow().who()).isEqualTo("alice");
            assertThat(s.auditLog(10, java.util.OptionalLong.empty())).hasSize(2);
        }
    }
}
