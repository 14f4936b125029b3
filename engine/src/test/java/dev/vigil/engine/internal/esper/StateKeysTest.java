package dev.vigil.engine.internal.esper;

import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.time.Sequencer;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StateKeysTest {
    private static final String RULES = """
            event Tx { card string  amount double  at timestamp }
            rule velocity { when Tx by card over sliding 5 min having count() >= 3 }
            rule silent { when absent Tx by card for 10 min }
            rule big { when Tx(amount > 100) }
            """;

    @Test
    void groupedRules_countTheKeysWithEventsInTheirWindow_othersSayNothing() throws Exception {
        Sequencer core = new Sequencer(EngineOptions.newBuilder().build(), alert -> { });
        core.deploy(TestRules.compile(RULES));
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 30; i++) {
            send(core, "c" + (i % 7), t0 + i * 1000L);
        }
        Map<String, EsperHost.State> state = state(core);
        assertThat(state).containsEntry("velocity", new EsperHost.State(7, 30)).containsEntry("silent", new EsperHost.State(7, 30))
                .containsEntry("big", EsperHost.State.NONE);
        send(core, "c0", t0 + 6 * 60_000L); // the first window's events slid out, but for c0's new one
        state = state(core);
        assertThat(state.get("velocity")).isEqualTo(new EsperHost.State(1, 1));
        core.destroy();
    }

    @Test
    void engine_countsKeysEveryTenSeconds_andReportsARuleAtItsMaxKeys() throws Exception {
        dev.vigil.testing.MutableClock clock = new dev.vigil.testing.MutableClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));
        try (dev.vigil.engine.Engine engine = dev.vigil.engine.Engine.start(EngineOptions.newBuilder().clock(clock)
                .maxKeys(5).build(), alert -> { })) {
            engine.deploy(TestRules.compile(RULES));
            long t0 = 1_700_000_000_000L;
            for (int i = 0; i < 8; i++) {
                engine.submit(event(engine.decoder(), "c" + i, t0 + i));
            }
            engine.now();
            clock.advance(java.time.Duration.ofSeconds(10));
            engine.submit(event(engine.decoder(), "c0", t0 + 100));
            engine.now();
            // A second round trip: the state is measured at the end of the batch that answered the
            // first, so only a later batch is sure to see it.
            engine.now();
            var velocity = engine.stats().rules().stream().filter(r -> r.id().equals("velocity")).findFirst().orElseThrow();
            var big = engine.stats().rules().stream().filter(r -> r.id().equals("big")).findFirst().orElseThrow();
            assertThat(velocity.stateKeys()).as("counted up to maxKeys").isEqualTo(5);
            assertThat(velocity.keysOverLimit()).isEqualTo(1);
            assertThat(big.stateKeys()).isEqualTo(-1);
            assertThat(big.keysOverLimit()).isZero();
        }
    }

    @Test
    void engine_countsTheEventsInAnUngroupedWindow_andReportsARuleAtItsMaxWindowEvents() throws Exception {
        dev.vigil.testing.MutableClock clock = new dev.vigil.testing.MutableClock(java.time.Instant.parse("2026-12-01T00:00:00Z"));
        try (dev.vigil.engine.Engine engine = dev.vigil.engine.Engine.start(EngineOptions.newBuilder().clock(clock)
                .maxWindowEvents(6).build(), alert -> { })) {
            engine.deploy(TestRules.compile("""
                    event Tx { card string  amount double  at timestamp }
                    rule spend { when Tx over sliding 1 h having sum(amount) > 1000000 }
                    rule few { when Tx(amount > 100) over sliding 1 h having count() > 5 }
                    """));
            long t0 = 1_700_000_000_000L;
            for (int i = 0; i < 8; i++) {
                engine.submit(event(engine.decoder(), "c" + i, t0 + i));
            }
            engine.submit(event(engine.decoder(), "c0", t0 + 100));
            engine.now();
            // Ten seconds later (wall clock) the next batch measures: all nine events are in.
            clock.advance(java.time.Duration.ofSeconds(10));
            engine.now();
            engine.now(); // as above: a batch after the one that answered the first round trip
            var spend = engine.stats().rules().stream().filter(r -> r.id().equals("spend")).findFirst().orElseThrow();
            var few = engine.stats().rules().stream().filter(r -> r.id().equals("few")).findFirst().orElseThrow();
            assertThat(spend.stateKeys()).as("no keys").isEqualTo(-1);
            assertThat(spend.stateEvents()).isEqualTo(9);
            assertThat(spend.eventsOverLimit()).isEqualTo(1);
            assertThat(few.stateEvents()).as("its filter takes none").isZero();
            assertThat(few.eventsOverLimit()).isZero();
        }
    }

    private static dev.vigil.engine.Event event(dev.vigil.engine.EventDecoder decoder, String card, long time) {
        return ((Decoded.Accepted) decoder.decodeJson("{\"type\":\"Tx\",\"time\":" + time + ",\"data\":{\"card\":\""
                + card + "\",\"amount\":5,\"at\":" + time + "}}", "t")).event();
    }

    private static Map<String, EsperHost.State> state(Sequencer core) {
        Map<String, EsperHost.State> out = new HashMap<>();
        for (EsperHost.DeployedRule r : core.host().rules()) {
            out.put(r.plan().rule().id(), r.state(Long.MAX_VALUE));
        }
        return out;
    }

    private static void send(Sequencer core, String card, long time) {
        Decoded d = core.decoder().decodeJson("{\"type\":\"Tx\",\"time\":" + time + ",\"data\":{\"card\":\"" + card
                + "\",\"amount\":5,\"at\":" + time + "}}", "t");
        core.onEvent((DecodedEvent) ((Decoded.Accepted) d).event());
    }
}
