package dev.vigil.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.testing.TestRules;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs rule text over events on a real engine with an external clock: no sleeps, no wall clock.
 * Events are given as {@code (time offset in ms, type, json data)}.
 */
final class Harness implements AutoCloseable {
    static final long T0 = Instant.parse("2026-11-18T11:00:00Z").toEpochMilli();

    final List<Alert> alerts = new ArrayList<>();
    final List<Alert> suppressed = new ArrayList<>();
    final List<Rejection> rejections = new ArrayList<>();
    final Engine engine;

    Harness(String rules) throws Exception {
        this(rules, Duration.ZERO);
    }

    Harness(String rules, Duration lateness) throws Exception {
        engine = Engine.start(EngineOptions.newBuilder().allowRawEpl(true)
                .lateness(lateness)
                .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC))
                .rejections(r -> {
                    synchronized (rejections) {
                        rejections.add(r);
                    }
                })
                .build(), new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
                synchronized (alerts) {
                    alerts.add(alert);
                }
            }

            @Override
            public void onSuppressed(Alert alert, String reason) {
                synchronized (suppressed) {
                    suppressed.add(alert);
                }
            }
        });
        engine.deploy(TestRules.compile(rules));
    }

    /** Sends an event at T0 + offset; data is JSON object text (single quotes allowed for brevity). */
    Harness at(long offsetMillis, String type, String data) throws Exception {
        ObjectNode env = Json.mapper().createObjectNode();
        env.put("type", type);
        env.put("time", T0 + offsetMillis);
        env.set("data", Json.mapper().readTree(data.replace('\'', '"')));
        Decoded d = engine.decoder().decode(env, "test");
        if (d instanceof Decoded.Rejected r) {
            rejections.add(r.rejection());
        } else {
            engine.submit(((Decoded.Accepted) d).event());
        }
        return this;
    }

    Harness finish() throws Exception {
        engine.finish();
        return this;
    }

    /** Alerts as {@code status key time-offset} lines, e.g. {@code firing {cardId=c1} +60000}. */
    List<String> summary() throws Exception {
        engine.now();
        List<String> out = new ArrayList<>();
        synchronized (alerts) {
            for (Alert a : alerts) {
                out.add(a.status().text() + " " + a.key() + " +" + (a.time() - T0));
            }
        }
        return out;
    }

    @Override
    public void close() {
        engine.close();
    }
}
