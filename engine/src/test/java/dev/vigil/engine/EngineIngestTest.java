package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@link Engine#ingest}: a batch is queued whole or not at all, its rejections reported either way. */
class EngineIngestTest {
    private static final String RULES = """
            event Ping {
                source string
                at timestamp
            }
            rule ping { when Ping(source != "") key source }
            """;

    private static EventInput ping(int i) {
        return new EventInput.JsonText("{\"type\":\"Ping\",\"data\":{\"source\":\"s" + i
                + "\",\"at\":\"2026-11-18T11:00:00Z\"}}", "index " + i);
    }

    @Test
    void ingest_batchLargerThanTheRoomLeft_queuesNothing_thenASmallerOneFits() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().queueCapacity(10).build(), alert -> {
            alerts.add(alert);
            try {
                release.await(10, TimeUnit.SECONDS); // holds the engine thread, so the queue fills
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        })) {
            engine.deploy(TestRules.compile(RULES));
            assertThat(engine.ingest(List.of(ping(0))).queued()).isTrue();
            await().atMost(10, TimeUnit.SECONDS).until(() -> alerts.size() == 1); // engine thread now waits
            assertThat(engine.remainingCapacity()).isEqualTo(9);

            List<EventInput> eight = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                eight.add(ping(i));
            }
            assertThat(engine.ingest(eight).queued()).isTrue();
            Ingested tooMany = engine.ingest(List.of(ping(9), ping(10)));
            assertThat(tooMany.queued()).isFalse();
            assertThat(tooMany.events()).hasSize(2);
            assertThat(engine.remainingCapacity()).isEqualTo(1);
            assertThat(engine.queueDepth()).isEqualTo(9);

            release.countDown();
            await().atMost(10, TimeUnit.SECONDS).until(() -> engine.remainingCapacity() == 10);
            engine.finish();
            assertThat(alerts).extracting(a -> a.key().get("source"))
                    .containsExactly("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8");
        }
    }

    @Test
    void ingest_invalidInputs_areReportedInOrder_andTheValidOnesQueued() throws Exception {
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), alerts::add)) {
            engine.deploy(TestRules.compile(RULES));
            Ingested result = engine.ingest(List.of(ping(0), new EventInput.JsonText("{\"type\":\"Pong\",\"data\":{}}",
                    "index 1"), new EventInput.TextFields("Ping", java.util.Map.of("source", "csv",
                    "at", "2026-11-18T11:00:01Z"), "line 2")));
            assertThat(result.queued()).isTrue();
            assertThat(result.decoded().get(1)).isInstanceOfSatisfying(Decoded.Rejected.class, r ->
                    assertThat(r.rejection().toString()).startsWith("index 1: unknown event type `Pong`"));
            assertThat(result.events()).extracting(Event::type).containsExactly("Ping", "Ping");
            engine.finish();
            assertThat(alerts).extracting(a -> a.key().get("source")).containsExactly("s0", "csv");
        }
    }

    @Test
    void submit_anEventNotMadeByTheDecoder_isRefused() throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), alert -> { })) {
            Event forged = new Event() {
                public String type() {
                    return "Ping";
                }

                public long time() {
                    return 0;
                }

                public java.util.Optional<String> id() {
                    return java.util.Optional.empty();
                }

                public com.fasterxml.jackson.databind.node.ObjectNode data() {
                    return Json.mapper().createObjectNode();
                }

                public String effectiveId() {
                    return "x";
                }

                public String toJson() {
                    return "{}";
                }
            };
            assertThatThrownBy(() -> engine.submit(forged)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("events come from the engine's EventDecoder");
        }
    }

    @Test
    void data_isACopy_soChangingItChangesNothing() {
        EventDecoder decoder = EventDecoder.of(TestRules.compile(RULES), java.time.Clock.systemUTC());
        Event e = ((Decoded.Accepted) ping(3).decodeWith(decoder)).event();
        e.data().put("source", "changed");
        assertThat(e.data().get("source").asText()).isEqualTo("s3");
    }
}
