package dev.vigil.notifier.internal.channel;

import dev.vigil.engine.Alert;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.DeliveryListener;
import dev.vigil.notifier.internal.store.NotifierStore;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import dev.vigil.notifier.testing.Outbox;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What a channel that throws instead of returning an outcome leads to. */
class ChannelWorkerTest {
    private static final Duration POLL = Duration.ofMillis(20);

    /** Sends every alert but {@code bad}, for which it throws the bug or else the error. */
    private static final class FailingChannel implements Channel {
        private final RuntimeException bug;
        private final Error error;
        private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

        FailingChannel(RuntimeException bug, Error error) {
            this.bug = bug;
            this.error = error;
        }

        @Override
        public Outcome send(Delivery delivery) {
            calls.computeIfAbsent(delivery.alertId(), k -> new AtomicInteger()).incrementAndGet();
            if (delivery.alertId().equals("bad")) {
                if (bug != null) {
                    throw bug;
                }
                throw error;
            }
            return new Outcome.Sent();
        }

        int calls(String alertId) {
            AtomicInteger n = calls.get(alertId);
            return n == null ? 0 : n.get();
        }
    }

    private static void write(NotifierStore store, String... ids) {
        List<NotifierStore.NewAlert> alerts = Arrays.stream(ids).map(id -> {
            Alert a = Alerts.alert(id, "c");
            return new NotifierStore.NewAlert(a.id(), a.rule(), "firing", "critical", a.time(), a.raisedAt(), a.toJson(),
                    Optional.empty(), List.of("c"));
        }).toList();
        store.write(alerts, Set.of("c"));
    }

    private static ChannelWorker worker(FailingChannel channel, NotifierStore store) {
        return new ChannelWorker(Configs.log("c"), channel, store,
                new RetryPolicy(Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(40), RandomGenerator.getDefault())),
                Clock.systemUTC(), POLL, () -> { }, DeliveryListener.NONE);
    }

    @Test
    void channelThrowingARuntimeException_deadLettersTheDeliveryAtOnce_andDeliversTheOthers(@TempDir Path dir)
            throws Exception {
        FailingChannel channel = new FailingChannel(new IllegalStateException("bug in the channel"), null);
        try (NotifierStore store = NotifierStore.open(dir.resolve("v.db"), Clock.systemUTC())) {
            write(store, "good-1", "bad", "good-2");
            ChannelWorker w = worker(channel, store);
            w.start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> w.stats().delivered() == 2
                        && w.stats().deadLettered() == 1);
                assertThat(w.stats()).isEqualTo(new ChannelStats("c", 2, 0, 1, 0));
                assertThat(store.deadLetters()).singleElement().satisfies(d -> {
                    assertThat(d.alertId()).isEqualTo("bad");
                    assertThat(d.attempts()).isEqualTo(1);
                    assertThat(d.lastError()).isEqualTo("channel failed: java.lang.IllegalStateException: bug in the channel");
                });
                assertThat(channel.calls("bad")).isEqualTo(1);
                assertThat(w.delivering()).isTrue();
            } finally {
                w.stop(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void channelThrowingAnError_stopsTheChannel_andKeepsTheDeliveryInTheOutboxUntouched(@TempDir Path dir)
            throws Exception {
        FailingChannel channel = new FailingChannel(null, new AssertionError("broken invariant"));
        Path db = dir.resolve("v.db");
        try (NotifierStore store = NotifierStore.open(db, Clock.systemUTC())) {
            write(store, "bad");
            ChannelWorker w = worker(channel, store);
            w.start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> !w.delivering());
                write(store, "later");
                w.poke();
                assertThat(channel.calls("bad")).isEqualTo(1);
                assertThat(channel.calls("later")).isZero();
                assertThat(w.stats()).isEqualTo(new ChannelStats("c", 0, 0, 0, 2));
                assertThat(Outbox.of(db)).extracting(Outbox.Entry::alertId, Outbox.Entry::attempts)
                        .containsExactly(Tuple.tuple("bad", 0),
                                Tuple.tuple("later", 0));
                assertThat(store.deadLetters()).isEmpty();
            } finally {
                w.stop(Duration.ofSeconds(5));
            }
        }
    }

    /** Refuses every delivery while {@code down}, then takes them. */
    private static final class FlakyReceiver implements Channel {
        volatile boolean down = true;
        final Set<String> delivered = ConcurrentHashMap.newKeySet();

        @Override
        public Outcome send(Delivery delivery) {
            if (down) {
                return new Outcome.Unreachable("connection refused");
            }
            delivered.add(delivery.alertId());
            return new Outcome.Sent();
        }
    }

    @Test
    void aReceiverBackAfterAnOutage_getsTheWaitingDeliveriesAtOnce_notAfterEachBackoff(@TempDir Path dir)
            throws Exception {
        FlakyReceiver receiver = new FlakyReceiver();
        try (NotifierStore store = NotifierStore.open(dir.resolve("v.db"), Clock.systemUTC())) {
            ChannelWorker w = new ChannelWorker(Configs.log("c"), receiver, store,
                    new RetryPolicy(Backoff.exponential(Duration.ofMinutes(10), Duration.ofMinutes(10),
                            RandomGenerator.getDefault())), Clock.systemUTC(), POLL, () -> { }, DeliveryListener.NONE);
            write(store, "a1", "a2", "a3", "a4", "a5");
            w.start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> w.stats().retried() == 5);
                receiver.down = false;
                write(store, "probe"); // the first delivery that goes through
                w.poke();
                // Each of the five waits ten minutes for its next attempt; the receiver's first
                // success makes them due at once.
                await().atMost(Duration.ofSeconds(10)).until(() -> receiver.delivered.size() == 6);
                assertThat(w.stats()).isEqualTo(new ChannelStats("c", 6, 5, 0, 0));
            } finally {
                w.stop(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void theAttemptsTable_recordsWhatTheReceiverSaid_perOutcome() {
        assertThat(ChannelWorker.answer(new Outcome.Sent())).isEqualTo("sent");
        assertThat(ChannelWorker.answer(new Outcome.Http(503, java.util.Optional.of("30")))).isEqualTo("HTTP 503");
        assertThat(ChannelWorker.answer(new Outcome.Http(200, java.util.Optional.empty()))).isEqualTo("HTTP 200");
        assertThat(ChannelWorker.answer(new Outcome.SmtpReply(451, "try again later")))
                .isEqualTo("SMTP 451 try again later");
        assertThat(ChannelWorker.answer(new Outcome.Unreachable("connection refused"))).isEqualTo("connection refused");
        assertThat(ChannelWorker.answer(new Outcome.TimedOut("no answer in 10 s"))).isEqualTo("no answer in 10 s");
        assertThat(ChannelWorker.answer(new Outcome.Refused("535 bad login"))).isEqualTo("535 bad login");
        assertThat(ChannelWorker.answer(new Outcome.Crashed(new IllegalStateException("boom")))).isEqualTo("boom");
        assertThat(ChannelWorker.answer(new Outcome.Crashed(new NullPointerException())))
                .isEqualTo("java.lang.NullPointerException");
    }

    @Test
    void aRetriedThenDeliveredAttempt_isRecordedWithEachAnswer(@TempDir Path dir) throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        Channel flaky = d -> calls.incrementAndGet() == 1 ? new Outcome.Http(503, java.util.Optional.empty())
                : new Outcome.Http(204, java.util.Optional.empty());
        try (NotifierStore store = NotifierStore.open(dir.resolve("v.db"), Clock.systemUTC())) {
            ChannelWorker w = new ChannelWorker(Configs.log("c"), flaky, store,
                    new RetryPolicy(Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(10),
                            RandomGenerator.getDefault())), Clock.systemUTC(), POLL, () -> { }, DeliveryListener.NONE);
            write(store, "a1");
            w.start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> w.stats().delivered() == 1);
                assertThat(store.attempts("a1")).extracting(a -> a.attempt() + " " + a.result() + " " + a.answer())
                        .containsExactly("1 retry HTTP 503", "2 delivered HTTP 204");
            } finally {
                w.stop(Duration.ofSeconds(5));
            }
        }
    }
}
