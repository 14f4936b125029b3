package dev.vigil.engine;

import dev.vigil.testing.MutableClock;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Live input: the wall clock (injected, moved by the test) drives event time while a stream is silent. */
class LiveTimeTest {
    private static final String RULES = """
            event Heartbeat { terminalId string  at timestamp }
            rule silent { when absent Heartbeat by terminalId for 2 min }
            rule all { when Heartbeat key terminalId }
            """;

    @Test
    void eventTime_quietInput_clockFollowsTheWallClock_soAbsenceFires() throws Exception {
        long wall = Instant.parse("2026-11-18T12:00:00Z").toEpochMilli();
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(wall));
        LinkedBlockingQueue<Alert> alerts = new LinkedBlockingQueue<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().lateness(Duration.ofSeconds(1)).clock(clock)
                .live(true).build(), alerts::add)) {
            engine.deploy(TestRules.compile(RULES));
            long t0 = wall - 500; // the event's own time is a little behind the wall clock
            engine.submit(event(engine, "t1", t0));
            engine.now(); // the engine has taken the event: its arrival is now on the wall clock
            // Held for lateness: nothing yet. Then silence: 1 s later it is released...
            clock.set(wall + 1_000);
            Alert first = alerts.poll(10, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(first.rule()).isEqualTo("all");
            assertThat(first.time()).isEqualTo(t0);
            // ... and two minutes of silence later the absence fires at its exact event time.
            clock.set(wall + 1_000 + 120_000);
            Alert silent = alerts.poll(10, TimeUnit.SECONDS);
            assertThat(silent).isNotNull();
            assertThat(silent.rule()).isEqualTo("silent");
            assertThat(silent.status()).isEqualTo(Alert.Status.FIRING);
            assertThat(silent.time()).isEqualTo(t0 + 120_000);
            // An event behind the clock that moved during the silence is late.
            assertThat(engine.stats().eventsLate()).isZero();
            engine.submit(event(engine, "t1", t0 + 1_000));
            engine.now(); // stats are published by the engine thread: wait until it has taken the event
            assertThat(engine.stats().eventsLate()).isEqualTo(1);
        }
    }

    @Test
    void processingTime_eventsAreJudgedAtTheirArrival() throws Exception {
        long wall = Instant.parse("2026-11-18T12:00:00Z").toEpochMilli();
        MutableClock clock = new MutableClock(Instant.ofEpochMilli(wall));
        LinkedBlockingQueue<Alert> alerts = new LinkedBlockingQueue<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().clock(clock).startTime(wall)
                .timeMode(EngineOptions.TimeMode.PROCESSING).build(), alerts::add)) {
            engine.deploy(TestRules.compile(RULES));
            clock.set(wall + 5_000);
            engine.submit(event(engine, "t1", 42));
            engine.now();
            Alert a = alerts.poll(10, TimeUnit.SECONDS);
            assertThat(a).isNotNull();
            assertThat(a.time()).isEqualTo(wall + 5_000);
            clock.set(wall + 5_000 + 120_000);
            Alert silent = alerts.poll(10, TimeUnit.SECONDS);
            assertThat(silent).isNotNull();
            assertThat(silent.rule()).isEqualTo("silent");
            assertThat(silent.time()).isEqualTo(wall + 125_000);
        }
    }

    private static Event event(Engine engine, String terminal, long time) {
        Decoded d = engine.decoder().decodeJson("{\"type\": \"Heartbeat\", \"data\": {\"terminalId\": \"" + terminal
                + "\", \"at\": " + time + "}}", "test");
        return ((Decoded.Accepted) d).event();
    }
}
