package dev.vigil.connectors;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpSourceTest {
    private static final byte[] PING = "{\"type\": \"Ping\", \"data\": {\"n\": 1}}".getBytes(StandardCharsets.UTF_8);

    @Test
    void ingest_isRefusedWith503BeforeStartAndAfterStop_andPassedOnBetween() throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
            }

            @Override
            public void onSuppressed(Alert alert, String reason) {
            }
        })) {
            engine.deploy(TestRules.compile("ping.rules", "event Ping { n int }\nrule any { when Ping }\n"));
            HttpSource source = new HttpSource(new HttpIngest(engine, new HttpIngest.Listener() { }));

            HttpIngest.Answer early = source.handle(PING, "application/json", Map.of());
            assertThat(early.status()).isEqualTo(503);
            assertThat(early.retryAfterSeconds()).isEqualTo(1);
            assertThat(early.body().toString()).isEqualTo("{\"error\":\"not accepting events yet: Vigil is starting\"}");

            source.start(SourceContext.of(engine));
            HttpIngest.Answer accepted = source.handle(PING, "application/json", Map.of());
            assertThat(accepted.status()).isEqualTo(202);
            assertThat(accepted.body().toString()).isEqualTo("{\"accepted\":1,\"rejected\":[]}");
            assertThat(source.position()).isEmpty();

            source.stop();
            source.stop();
            HttpIngest.Answer late = source.handle(PING, "application/json", Map.of());
            assertThat(late.status()).isEqualTo(503);
            assertThat(late.body().toString()).isEqualTo("{\"error\":\"not accepting events: Vigil is stopping\"}");
            engine.now(); // a round trip: the engine has processed and published what it took
            assertThat(engine.stats().eventsProcessed()).isEqualTo(1);
            assertThatThrownBy(() -> source.start(SourceContext.of(engine))).isInstanceOf(IllegalStateException.class);
        }
    }
}
