package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InlineEngineTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);

    /** Collects alert ids, suppressed ones marked. */
    private static final class Ids implements AlertSink {
        final List<String> ids = new ArrayList<>();

        @Override
        public void onAlert(Alert alert) {
            ids.add(alert.rule() + " " + alert.status().text() + " " + alert.id());
        }

        @Override
        public void onSuppressed(Alert alert, String reason) {
            ids.add(alert.rule() + " suppressed " + alert.id());
        }
    }

    @Test
    void raisesWhatTheQueuedEngineRaisesOnTheFraudRecording() throws Exception {
        Path root = Path.of("..");
        var rules = TestRules.compile(Files.readString(root.resolve("rules/fraud.rules")));
        List<String> lines = Files.readAllLines(root.resolve("examples/fraud/events.jsonl"));
        EngineOptions options = EngineOptions.newBuilder().clock(CLOCK).build();

        Ids queued = new Ids();
        try (Engine engine = Engine.start(options, queued)) {
            engine.deploy(rules);
            for (String line : lines) {
                if (engine.decoder().decodeJson(line, "t") instanceof Decoded.Accepted a) {
                    engine.submit(a.event());
                }
            }
            engine.finish();
        }

        Ids inline = new Ids();
        try (InlineEngine engine = InlineEngine.create(options, inline)) {
            engine.deploy(rules);
            for (String line : lines) {
                if (engine.decoder().decodeJson(line, "t") instanceof Decoded.Accepted a) {
                    engine.submit(a.event());
                }
            }
            engine.finish();
            assertThat(engine.processed()).isEqualTo(lines.stream().filter(l -> !l.isBlank()).count());
        }

        assertThat(queued.ids).isNotEmpty();
        assertThat(inline.ids).containsExactlyElementsOf(queued.ids);
    }

    @Test
    void refusesLiveInputAndUseAfterClose() throws Exception {
        assertThatThrownBy(() -> InlineEngine.create(EngineOptions.newBuilder().live(true).build(), a -> { }))
                .isInstanceOf(IllegalArgumentException.class);
        InlineEngine engine = InlineEngine.create(EngineOptions.newBuilder().build(), a -> { });
        engine.close();
        assertThatThrownBy(engine::finish).isInstanceOf(IllegalStateException.class);
    }
}
