package dev.vigil.notifier.internal.store;

import dev.vigil.engine.Alert;
import dev.vigil.notifier.DeliveryAttempt;
import dev.vigil.notifier.DeliveryState;
import dev.vigil.notifier.OutboxEntry;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.rules.ast.Severity;
import dev.vigil.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code attempts} table, and the per-alert delivery states and outbox listing read from the store. */
class AttemptsTableTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    private static void write(NotifierStore s, String id, List<String> channels) {
        Alert a = Alerts.alert(id, "velocity", Severity.HIGH, Map.of(), List.of());
        s.write(List.of(new NotifierStore.NewAlert(a.id(), a.rule(), "firing", "high", a.time(), a.raisedAt(),
                a.toJson(), Optional.empty(), channels)), Set.of("hook", "sms"));
    }

    private static NotifierStore.OutboxRow due(NotifierStore s, String channel, MutableClock clock) {
        List<NotifierStore.OutboxRow> rows = s.due(channel, clock.instant(), 10);
        assertThat(rows).hasSize(1);
        return rows.get(0);
    }

    @Test
    void aRetryThenADelivery_recordsBothAttempts_andTheDeliveryIsDelivered(@TempDir Path dir) {
        MutableClock clock = new MutableClock(T0);
        try (NotifierStore s = NotifierStore.open(dir.resolve("v.db"), clock)) {
            write(s, "a1", List.of("hook"));
            NotifierStore.OutboxRow row = due(s, "hook", clock);
            clock.advance(Duration.ofSeconds(1));
            s.retryAt(row, 1, T0.plusSeconds(5), "HTTP 503 (Retry-After: 4)", "HTTP 503", Set.of());

            assertThat(s.deliveries("a1")).containsExactly(new DeliveryState("hook", "pending", 1,
                    Optional.of("HTTP 503 (Retry-After: 4)"), Optional.of(T0.plusSeconds(5)), Optional.empty(),
                    OptionalLong.empty()));
            assertThat(s.outbox(Optional.of("hook"), 10)).singleElement().satisfies(e -> {
                assertThat(e.alertId()).isEqualTo("a1");
                assertThat(e.attempts()).isEqualTo(1);
                assertThat(e.createdAt()).isEqualTo(T0);
                assertThat(e.nextAttempt()).isEqualTo(T0.plusSeconds(5));
                assertThat(e.lastError()).contains("HTTP 503 (Retry-After: 4)");
                assertThat(e.json()).startsWith("{\"id\":\"a1\"");
            });

            clock.set(T0.plusSeconds(5));
            s.delivered(due(s, "hook", clock), 2, "HTTP 200");

            assertThat(s.attempts("a1")).containsExactly(
                    new DeliveryAttempt("hook", 1, T0.plusSeconds(1), "retry", "HTTP 503"),
                    new DeliveryAttempt("hook", 2, T0.plusSeconds(5), "delivered", "HTTP 200"));
            assertThat(s.deliveries("a1")).containsExactly(new DeliveryState("hook", "delivered", 2,
                    Optional.empty(), Optional.empty(), Optional.of(T0.plusSeconds(5)), OptionalLong.empty()));
            assertThat(s.outbox(Optional.empty(), 10)).isEmpty();
        }
    }

    @Test
    void aDeadLetterRetriedFromTheDeadLetters_numbersItsAttemptsOn_andEndsDelivered(@TempDir Path dir) {
        MutableClock clock = new MutableClock(T0);
        try (NotifierStore s = NotifierStore.open(dir.resolve("v.db"), clock)) {
            write(s, "a1", List.of("hook"));
            s.retryAt(due(s, "hook", clock), 1, T0, "connection refused", "connection refused", Set.of());
            clock.advance(Duration.ofSeconds(1));
            s.deadLetter(due(s, "hook", clock), 2, "gave up after 2 attempts in 1 s: HTTP 503", "HTTP 503", Set.of());

            long deadId = s.deadLetters().get(0).id();
            assertThat(s.deliveries("a1")).containsExactly(new DeliveryState("hook", "dead", 2,
                    Optional.of("gave up after 2 attempts in 1 s: HTTP 503"), Optional.empty(), Optional.empty(),
                    OptionalLong.of(deadId)));
            assertThat(s.deadLetters("hook")).isEqualTo(1);
            assertThat(s.deadLetters("sms")).isZero();

            clock.advance(Duration.ofSeconds(1));
            assertThat(s.retryDeadLetter(deadId, Set.of("hook"))).contains("hook");
            NotifierStore.OutboxRow again = due(s, "hook", clock);
            assertThat(again.attempts()).isZero(); // the row counts afresh; the attempts table does not
            s.delivered(again, again.attempts() + 1, "sent");

            assertThat(s.attempts("a1")).extracting(DeliveryAttempt::attempt, DeliveryAttempt::result,
                    DeliveryAttempt::answer).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(1, "retry", "connection refused"),
                    org.assertj.core.groups.Tuple.tuple(2, "failed", "HTTP 503"),
                    org.assertj.core.groups.Tuple.tuple(3, "delivered", "sent"));
            assertThat(s.deliveries("a1")).containsExactly(new DeliveryState("hook", "delivered", 1,
                    Optional.empty(), Optional.empty(), Optional.of(T0.plusSeconds(2)), OptionalLong.empty()));
            assertThat(s.deadLetters("hook")).isZero();
        }
    }

    @Test
    void deliveries_oneStatePerChannel_orderedByChannel_andNoAttemptForADeadOnArrival(@TempDir Path dir) {
        MutableClock clock = new MutableClock(T0);
        try (NotifierStore s = NotifierStore.open(dir.resolve("v.db"), clock)) {
            write(s, "a1", List.of("sms", "hook", "gone"));
            s.delivered(due(s, "sms", clock), 1, "sent");

            assertThat(s.deliveries("a1")).extracting(DeliveryState::channel, DeliveryState::state,
                    DeliveryState::attempts).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("gone", "dead", 0),
                    org.assertj.core.groups.Tuple.tuple("hook", "pending", 0),
                    org.assertj.core.groups.Tuple.tuple("sms", "delivered", 1));
            assertThat(s.deliveries("a1").get(0).lastError()).contains("unknown channel \"gone\"");
            assertThat(s.deliveries("a1").get(1).nextAttempt()).contains(T0);
            assertThat(s.attempts("a1")).containsExactly(new DeliveryAttempt("sms", 1, T0, "delivered", "sent"));
            assertThat(s.deliveries("nope")).isEmpty();
            assertThat(s.attempts("nope")).isEmpty();
        }
    }

    @Test
    void outbox_isOrderedByNextAttemptThenId_filteredByChannel_andLimited(@TempDir Path dir) {
        MutableClock clock = new MutableClock(T0);
        try (NotifierStore s = NotifierStore.open(dir.resolve("v.db"), clock)) {
            write(s, "a1", List.of("hook"));
            write(s, "a2", List.of("hook", "sms"));
            write(s, "a3", List.of("hook"));
            // a1 waits for a retry: a2 and a3 are due before it.
            NotifierStore.OutboxRow a1 = s.due("hook", T0, 10).get(0);
            s.retryAt(a1, 1, T0.plusSeconds(60), "HTTP 503", "HTTP 503", Set.of());

            assertThat(s.outbox(Optional.of("hook"), 10)).extracting(OutboxEntry::alertId)
                    .containsExactly("a2", "a3", "a1");
            assertThat(s.outbox(Optional.empty(), 10)).extracting(OutboxEntry::alertId, OutboxEntry::channel)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("a2", "hook"),
                            org.assertj.core.groups.Tuple.tuple("a2", "sms"),
                            org.assertj.core.groups.Tuple.tuple("a3", "hook"),
                            org.assertj.core.groups.Tuple.tuple("a1", "hook"));
            assertThat(s.outbox(Optional.of("hook"), 1)).extracting(OutboxEntry::alertId).containsExactly("a2");
            assertThat(s.outbox(Optional.of("no-such-channel"), 10)).isEmpty();
        }
    }

    @Test
    void aStoreWithoutTheAttemptsTable_gainsItWhenOpened(@TempDir Path dir) throws Exception {
        Path db = dir.resolve("v.db");
        NotifierStore.open(db, new MutableClock(T0)).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            c.createStatement().execute("DROP TABLE attempts");
        }
        try (NotifierStore s = NotifierStore.open(db, new MutableClock(T0))) {
            write(s, "a1", List.of("hook"));
            s.delivered(s.due("hook", T0, 1).get(0), 1, "sent");
            assertThat(s.attempts("a1")).hasSize(1);
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                ResultSet rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM attempts")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }
}
