package dev.vigil.notifier.internal.store;

import dev.vigil.engine.Alert;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.StoreCounts;
import dev.vigil.notifier.StoreException;
import dev.vigil.notifier.StoredAlert;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Outbox;
import dev.vigil.rules.ast.Severity;
import dev.vigil.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NotifierStoreTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    private static Alert alert(String id, String rule, Alert.Status status, long raisedAt) {
        Alert a = Alerts.alert(id, rule, Severity.HIGH, Map.of(), List.of());
        return new Alert(a.id(), a.rule(), a.title(), status, a.severity(), a.key(), a.message(), a.time(), raisedAt,
                a.labels(), a.values(), a.events(), a.channels(), 0);
    }

    @Test
    void store_isSqliteInWalMode_andCreatesItsFolder(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("data/nested/vigil.db");
        NotifierStore.open(db, new MutableClock(T0)).close();
        assertThat(db).exists();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("wal");
        }
    }

    @Test
    void unopenableStore_failsNamingThePath(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        assertThatThrownBy(() -> NotifierStore.open(file.resolve("vigil.db"), new MutableClock(T0)))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot open the store " + file.resolve("vigil.db"));
    }

    @Test
    void alertsQuery_filtersByRuleStatusAndSince_newestFirst(@TempDir Path dir) throws Exception {
        try (NotifierStore s = NotifierStore.open(dir.resolve("v.db"), new MutableClock(T0))) {
            List<NotifierStore.NewAlert> batch = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Alert a = alert("a" + i, i % 2 == 0 ? "velocity" : "card_testing",
                        i % 3 == 0 ? Alert.Status.RESOLVED : Alert.Status.FIRING, T0.plusSeconds(i).toEpochMilli());
                batch.add(new NotifierStore.NewAlert(a.id(), a.rule(), a.status().text(), a.severity().keyword(), a.time(),
                        a.raisedAt(), a.toJson(), Optional.empty(), List.of()));
            }
            s.write(batch, Set.of());
            assertThat(s.alerts(AlertQuery.newest())).extracting(StoredAlert::id)
                    .containsExactly("a5", "a4", "a3", "a2", "a1", "a0");
            assertThat(s.alerts(AlertQuery.newest().withRule("velocity"))).extracting(StoredAlert::id)
                    .containsExactly("a4", "a2", "a0");
            assertThat(s.alerts(AlertQuery.newest().withStatus("resolved"))).extracting(StoredAlert::id)
                    .containsExactly("a3", "a0");
            assertThat(s.alerts(AlertQuery.newest().withSince(T0.plusSeconds(4)))).extracting(StoredAlert::id)
                    .containsExactly("a5", "a4");
            assertThat(s.alerts(AlertQuery.newest().withRule("card_testing").withStatus("firing").withLimit(1)))
                    .extracting(StoredAlert::id).containsExactly("a5");
            StoredAlert a2 = s.alert("a2").orElseThrow();
            assertThat(a2.severity()).isEqualTo("high");
            assertThat(a2.raisedAt()).isEqualTo(T0.plusSeconds(2));
            assertThat(a2.json()).startsWith("{\"id\":\"a2\",\"rule\":\"velocity\"");
        }
    }

    @Test
    void alertAndItsOutboxRows_areOneTransaction(@TempDir Path dir) throws Exception {
        try (NotifierStore s = NotifierStore.open(dir.resolve("v.db"), new MutableClock(T0))) {
            Alert a = alert("a1", "velocity", Alert.Status.FIRING, T0.toEpochMilli());
            NotifierStore.NewAlert good = new NotifierStore.NewAlert(a.id(), a.rule(), "firing", "high", a.time(),
                    a.raisedAt(), a.toJson(), Optional.empty(), List.of("hook", "sms"));
            // A null JSON violates NOT NULL: the whole batch, the good alert and its rows too, rolls back.
            NotifierStore.NewAlert bad = new NotifierStore.NewAlert("a2", "velocity", "firing", "high", 0, 0, null,
                    Optional.empty(), List.of("hook"));
            assertThatThrownBy(() -> s.write(List.of(good, bad), Set.of("hook", "sms"))).isInstanceOf(StoreException.class);
            assertThat(s.counts()).isEqualTo(new StoreCounts(0, 0, 0, 0, 0));
            s.write(List.of(good), Set.of("hook", "sms"));
            assertThat(s.counts()).isEqualTo(new StoreCounts(1, 0, 2, 0, 0));
            assertThat(Outbox.of(s.path())).extracting(Outbox.Entry::channel).containsExactly("hook", "sms");
        }
    }

    @Test
    void anotherConnectionsWrite_afterAReadOfTheOutbox_doesNotFailTheNextWrite(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("v.db");
        try (NotifierStore s = NotifierStore.open(db, new MutableClock(T0));
                Connection other = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            other.createStatement().execute("PRAGMA busy_timeout = 10000");
            other.createStatement().execute("CREATE TABLE other (x INTEGER)");
            Alert a = alert("a1", "velocity", Alert.Status.FIRING, T0.toEpochMilli());
            s.write(List.of(new NotifierStore.NewAlert(a.id(), a.rule(), "firing", "high", a.time(), a.raisedAt(),
                    a.toJson(), Optional.empty(), List.of("hook"))), Set.of("hook"));
            for (int i = 0; i < 3; i++) {
                assertThat(s.nextDueAfter("hook", T0.minusSeconds(1))).contains(T0);
                other.createStatement().execute("INSERT INTO other VALUES (" + i + ")");
                Alert b = alert("b" + i, "velocity", Alert.Status.FIRING, T0.toEpochMilli());
                s.write(List.of(new NotifierStore.NewAlert(b.id(), b.rule(), "firing", "high", b.time(), b.raisedAt(),
                        b.toJson(), Optional.empty(), List.of())), Set.of("hook"));
            }
            assertThat(s.counts().alerts()).isEqualTo(4);
        }
    }

}
