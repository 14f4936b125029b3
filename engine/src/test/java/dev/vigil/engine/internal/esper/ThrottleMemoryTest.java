package dev.vigil.engine.internal.esper;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.time.Sequencer;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Throttle entries expire in event time: kept while they can suppress, forgotten after. */
class ThrottleMemoryTest {
    @Test
    void throttleEntries_areForgottenOnceTheThrottleHasPassedInEventTime_andStillSuppressBefore() throws Exception {
        List<String> sent = new ArrayList<>();
        List<String> suppressed = new ArrayList<>();
        Sequencer core = new Sequencer(EngineOptions.newBuilder().build(), new AlertSink() {
            @Override
            public void onAlert(Alert a) {
                sent.add(a.key().toString());
            }

            @Override
            public void onSuppressed(Alert a, String reason) {
                suppressed.add(a.key().toString());
            }
        });
        core.deploy(TestRules.compile("""
                event Tx { card string  amount double }
                rule big { when Tx(amount > 100) key card throttle 10 min }
                """));
        long t0 = 1_700_000_000_000L;
        for (int i = 0; i < 1000; i++) {
            send(core, "c" + i, t0 + i);
        }
        send(core, "c1", t0 + 9 * 60_000L); // within its throttle: suppressed
        AlertLifecycleAccess big = new AlertLifecycleAccess(core);
        assertThat(big.entries()).isEqualTo(1000);
        send(core, "c2", t0 + 11 * 60_000L); // past every throttle: sent, and the rest forgotten
        assertThat(big.entries()).isEqualTo(1);
        assertThat(sent).hasSize(1001);
        assertThat(suppressed).containsExactly("{card=c1}");
        core.destroy();
    }

    private record AlertLifecycleAccess(Sequencer core) {
        long entries() {
            return core.host().rules().iterator().next().lifecycle().throttleEntries();
        }
    }

    private static void send(Sequencer core, String card, long time) {
        Decoded d = core.decoder().decodeJson("{\"type\":\"Tx\",\"time\":" + time + ",\"data\":{\"card\":\"" + card
                + "\",\"amount\":500}}", "t");
        core.onEvent((DecodedEvent) ((Decoded.Accepted) d).event());
    }
}
