package dev.vigil.server.run;

import dev.vigil.engine.EventInput;
import dev.vigil.rules.RuleSet;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Backtest} on its own: the time limit, measured on an injected ticker. */
class BacktestTest {
    private static final RuleSet RULES = TestRules.compile("r.rules", """
            event E { k string  v int }
            rule big { when E(v > 10) key k }
            """);

    @Test
    void run_pastTheTimeLimit_stopsBeforeTheNextEvent_andSaysTime() throws Exception {
        AtomicLong nanos = new AtomicLong();
        Backtest b = Backtest.newBuilder(RULES, RULES)
                .limits(new Backtest.Limits(1_000, Duration.ofSeconds(3)))
                .nanoTime(nanos::get)
                .build();
        Backtest.Result r = b.run(sink -> {
            for (int i = 0; i < 10; i++) {
                String json = "{\"type\":\"E\",\"time\":" + (1_000 * i) + ",\"data\":{\"k\":\"k" + i + "\",\"v\":50}}";
                if (!sink.accept(new EventInput.JsonText(json, "event " + i))) {
                    return;
                }
                nanos.addAndGet(Duration.ofSeconds(1).toNanos()); // each event takes a second
            }
        });
        assertThat(r.truncated()).contains(Backtest.Truncated.TIME);
        assertThat(r.events()).isEqualTo(4); // read at 0, 1, 2 and 3 s; the one at 4 s is past the limit
        assertThat(r.alertsTotal()).isEqualTo(4);
        assertThat(r.unchanged()).isEqualTo(4);
        assertThat(r.toJson(10, 10).get("truncated").asText()).isEqualTo("time");
    }

    @Test
    void aRuleOfTheSameText_overAChangedDeclaration_isChanged_butAMovedOneIsSame() {
        RuleSet base = TestRules.compile("r.rules", """
                event E { k string  v int }
                table T { k string key  max int }
                rule big { when E(v > 10) key k }
                rule capped { when E(v > T[k].max) key k }
                """);
        RuleSet moved = TestRules.compile("r.rules", """

                # the same declarations, further down
                event E { k string  v int }
                table T { k string key  max int }
                rule big { when E(v > 10) key k }
                rule capped { when E(v > T[k].max) key k }
                """);
        RuleSet retyped = TestRules.compile("r.rules", """
                event E { k string  v double }
                table T { k string key  max int }
                rule big { when E(v > 10) key k }
                rule capped { when E(v > T[k].max) key k }
                """);
        RuleSet newTable = TestRules.compile("r.rules", """
                event E { k string  v int }
                table T { k string key  max double }
                rule big { when E(v > 10) key k }
                rule capped { when E(v > T[k].max) key k }
                """);
        var big = base.rule("big").orElseThrow();
        var capped = base.rule("capped").orElseThrow();
        assertThat(Backtest.sameDeclarations(big, moved, base)).isTrue();
        assertThat(Backtest.sameDeclarations(capped, moved, base)).isTrue();
        assertThat(Backtest.sameDeclarations(big, retyped, base)).isFalse();
        assertThat(Backtest.sameDeclarations(big, newTable, base)).isTrue();
        assertThat(Backtest.sameDeclarations(capped, newTable, base)).isFalse();
    }

    @Test
    void run_pastTheAlertLimit_stopsThere_andSaysAlerts() throws Exception {
        // Every event raises one alert, on the candidate engine's own thread: the source waits for
        // each (a bounded wait), so the limit of 3 is seen at the fourth event exactly.
        java.util.concurrent.Semaphore raised = new java.util.concurrent.Semaphore(0);
        Backtest.Result r = Backtest.newBuilder(RULES, RULES)
                .limits(new Backtest.Limits(1_000, Duration.ofMinutes(1), 3))
                .candidateAlerts(a -> raised.release())
                .build()
                .run(sink -> {
                    for (int i = 0; i < 100; i++) {
                        if (!sink.accept(new EventInput.JsonText("{\"type\":\"E\",\"time\":" + (1_000 + i)
                                + ",\"data\":{\"k\":\"k" + i + "\",\"v\":50}}", "test " + i))) {
                            return;
                        }
                        assertThat(raised.tryAcquire(10, java.util.concurrent.TimeUnit.SECONDS))
                                .as("the alert of event " + i).isTrue();
                    }
                });
        assertThat(r.truncated()).contains(Backtest.Truncated.ALERTS);
        assertThat(r.events()).isEqualTo(3);
        assertThat(r.alertsTotal()).isEqualTo(3);
        assertThat(r.toJson(10, 10).get("truncated").asText()).isEqualTo("alerts");
    }
}
