package dev.vigil.connectors;

import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.Rejection;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class EventFilesTest {
    private final EventDecoder decoder = EventDecoder.of(TestRules.compile("t.rules",
            "event Reading { sensor string  value double  at timestamp }"), Clock.systemUTC());

    @TempDir
    Path dir;

    private final List<Event> events = new ArrayList<>();
    private final List<Rejection> rejections = new ArrayList<>();
    private final EventFiles.Handler handler = new EventFiles.Handler() {
        @Override
        public void onEvent(Event event) {
            events.add(event);
        }

        @Override
        public void onRejected(Rejection rejection) {
            rejections.add(rejection);
        }
    };

    private long read(Path file, Optional<String> type) throws Exception {
        return EventFiles.read(file, type, () -> decoder, handler);
    }

    @Test
    void jsonl_blankLinesSkipped_badLinesRejectedWithTheirNumber_readingGoesOn() throws Exception {
        Path f = dir.resolve("events.jsonl");
        Files.writeString(f, """
                {"type": "Reading", "data": {"sensor": "s1", "value": 1.5, "at": "2026-01-01T00:00:00Z"}}

                {"type": "Reading", "data": {"sensor": "s1", "value": "high"}}
                not json
                {"type": "Reading", "data": {"sensor": "s2", "value": 2, "at": 1767225601000}}
                """);
        assertThat(read(f, Optional.empty())).isEqualTo(4);
        assertThat(events).extracting(e -> e.data().get("sensor").asText()).containsExactly("s1", "s2");
        assertThat(rejections).extracting(Rejection::toString).containsExactly(
                f + ":3: field `value` of Reading: expected a number, got a string \"high\"",
                f + ":4: not valid JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
    }

    @Test
    void csv_typeFromTheFileName_gzipRead_emptyCellsAreMissing() throws Exception {
        Path f = dir.resolve("Reading.csv.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(f))) {
            out.write("sensor,value,at\ns1,1.5,2026-01-01T00:00:00Z\ns2,,2026-01-01T00:00:01Z\n\"s,3\",x,2026-01-01T00:00:02Z\n"
                    .getBytes(StandardCharsets.UTF_8));
        }
        assertThat(read(f, Optional.empty())).isEqualTo(3);
        assertThat(events).hasSize(2);
        assertThat(events.get(1).data().get("value").isNull()).isTrue();
        assertThat(rejections).extracting(Rejection::toString)
                .containsExactly(f + ":4: field `value` of Reading: expected a number, got \"x\"");
    }

    @Test
    void csv_typeGivenExplicitly_overridesTheFileName() throws Exception {
        Path f = dir.resolve("anything.csv");
        Files.writeString(f, "sensor,value\ns1,3\n");
        read(f, Optional.of("Reading"));
        assertThat(events).hasSize(1);
        assertThat(rejections).isEmpty();
    }
}
