package dev.vigil.connectors.publicapi;

import dev.vigil.connectors.EventFiles;
import dev.vigil.connectors.HttpIngest;
import dev.vigil.engine.Alert;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The connectors as the server uses them, through their public package only. */
class PublicApiTest {
    private static final RuleSet RULES = RulesCompiler.compile(List.of(new SourceFile("t.rules", """
            event Reading {
                sensor string
                value  double
                at     timestamp
            }
            rule hot { when Reading(value > 100) key sensor }
            """))).orThrow();

    private static String reading(String sensor, double value, String at) {
        return "{\"type\":\"Reading\",\"data\":{\"sensor\":\"" + sensor + "\",\"value\":" + value + ",\"at\":\"" + at
                + "\"}}";
    }

    @Test
    void httpIngest_takesNdjsonArraysAndCloudEvents_andAnswersWithStatusAndReasons() throws Exception {
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        List<String> counted = new CopyOnWriteArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), alerts::add)) {
            engine.deploy(RULES);
            HttpIngest ingest = new HttpIngest(engine, new HttpIngest.Listener() {
                @Override
                public void accepted(String type, int count) {
                    counted.add(type + "=" + count);
                }

                @Override
                public void rejected(Rejection rejection) {
                    counted.add("rejected " + rejection.where());
                }
            });
            String ndjson = reading("s1", 120, "2026-11-21T10:00:00Z") + "\n\n{\"type\":\"Nope\",\"data\":{}}\n"
                    + reading("s2", 5, "2026-11-21T10:00:01Z") + "\n";
            HttpIngest.Answer a = ingest.handle(ndjson.getBytes(StandardCharsets.UTF_8), "application/x-ndjson", Map.of());
            assertThat(a.status()).isEqualTo(202);
            assertThat(a.body().get("accepted").asInt()).isEqualTo(2);
            assertThat(a.body().get("rejected").get(0).get("index").asInt()).isEqualTo(1);
            assertThat(a.body().get("rejected").get(0).get("error").asText()).startsWith("unknown event type `Nope`");

            String array = "[" + reading("s3", 130, "2026-11-21T10:00:02Z") + "]";
            assertThat(ingest.handle(array.getBytes(StandardCharsets.UTF_8), "application/json", Map.of()).status())
                    .isEqualTo(202);

            HttpIngest.Answer binary = ingest.handle("{\"sensor\":\"s4\",\"value\":150}".getBytes(StandardCharsets.UTF_8),
                    "application/json", Map.of("ce-type", "Reading", "ce-specversion", "1.0",
                            "ce-time", "2026-11-21T10:00:03Z"));
            assertThat(binary.status()).isEqualTo(202);

            HttpIngest.Answer broken = ingest.handle("{\"type\":".getBytes(StandardCharsets.UTF_8), "application/json",
                    Map.of());
            assertThat(broken.status()).isEqualTo(400);
            assertThat(broken.body().get("error").asText()).startsWith("body is not valid JSON");

            engine.finish();
        }
        assertThat(alerts).extracting(a -> a.key().get("sensor")).containsExactly("s1", "s3", "s4");
        assertThat(counted).containsExactly("rejected index 1", "Reading=2", "Reading=1", "Reading=1");
    }

    @Test
    void eventFiles_readJsonlThroughTheDecoder_withEachRejectionNamingItsLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("readings.jsonl");
        Files.writeString(file, reading("s1", 101, "2026-11-21T10:00:00Z") + "\nnot json\n");
        List<Event> events = new ArrayList<>();
        List<Rejection> rejections = new ArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), alert -> { })) {
            engine.deploy(RULES);
            long lines = EventFiles.read(file, Optional.empty(), engine::decoder, new EventFiles.Handler() {
                @Override
                public void onEvent(Event event) {
                    events.add(event);
                }

                @Override
                public void onRejected(Rejection rejection) {
                    rejections.add(rejection);
                }
            });
            assertThat(lines).isEqualTo(2);
        }
        assertThat(events).extracting(Event::type).containsExactly("Reading");
        assertThat(rejections).extracting(Rejection::where).containsExactly(file + ":2");
    }
}
