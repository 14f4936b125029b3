package dev.vigil.connectors;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/** A file as a {@link Source}: its position, a start from a position, and a bounded stop. */
class FileSourceTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /**
     * Well under FileSource's own bound for a stuck thread (5 s): a stop that returns within it did
     * not wait for the bound, it stopped the reading.
     */
    private static final Duration STOP_WITHIN = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private Engine engine;
    private final List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
    private final List<Rejection> rejected = Collections.synchronizedList(new ArrayList<>());
    private FileSource source;

    @BeforeEach
    void startEngine() throws Exception {
        engine = Engine.start(EngineOptions.newBuilder().build(), new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
            }

            @Override
            public void onSuppressed(Alert alert, String reason) {
            }
        });
        engine.deploy(TestRules.compile("ping.rules", """
                event Ping { n int  at timestamp }
                rule any { when Ping }
                """));
    }

    @AfterEach
    void stopAll() {
        if (source != null) {
            source.stop();
        }
        engine.close();
    }

    private SourceContext context() {
        return new SourceContext(engine, Checkpoint.engine(engine), new SourceContext.Listener() {
            @Override
            public void accepted(Event event) {
                seen.add((int) (event.time() / 1_000));
            }

            @Override
            public void rejected(Rejection rejection) {
                rejected.add(rejection);
            }
        }, () -> false);
    }

    private static String ping(int n) {
        return "{\"type\": \"Ping\", \"data\": {\"n\": " + n + ", \"at\": " + (1_000L * n) + "}}\n";
    }

    /** The byte offset at which line {@code line} (1-based) of {@code text} starts. */
    private static long offsetOfLine(String text, int line) {
        int at = 0;
        for (int i = 1; i < line; i++) {
            at = text.indexOf('\n', at) + 1;
        }
        return text.substring(0, at).getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void position_afterReadingAFile_isItsSize_andLinesWithoutANewlineCount() throws Exception {
        String text = ping(1) + "\n" + ping(2) + ping(3).strip();
        Path file = Files.writeString(dir.resolve("pings.jsonl"), text);
        source = FileSource.newBuilder(file).build();
        assertThat(source.position()).contains(SourcePosition.fileOffset(0));

        source.start(context());

        await().atMost(WAIT).until(() -> seen.size() == 3);
        await().atMost(WAIT).until(() -> source.position().orElseThrow().fileOffset() == Files.size(file));
        assertThat(seen).containsExactly(1, 2, 3);
        assertThat(source.name()).isEqualTo("file " + file);
    }

    @Test
    void position_whileReading_isTheNextLineNotYetHandedToTheEngine() throws Exception {
        String text = ping(1) + ping(2) + ping(3) + ping(4);
        Path file = Files.writeString(dir.resolve("pings.jsonl"), text);
        CountDownLatch third = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        source = FileSource.newBuilder(file).pace(time -> {
            if (time == 3_000L) {
                third.countDown();
                release.await();
            }
        }).build();

        source.start(context());
        assertThat(third.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();

        // Lines 1 and 2 are handed over; line 3 is held by the pace: it is where a restart begins.
        assertThat(source.position()).contains(SourcePosition.fileOffset(offsetOfLine(text, 3)));
        assertThat(seen).containsExactly(1, 2);
        release.countDown();
        await().atMost(WAIT).until(() -> seen.size() == 4);
    }

    @Test
    void from_aPosition_skipsTheLinesBeforeIt_andRejectionsKeepTheirLineNumbers() throws Exception {
        String text = ping(1) + "not json\n" + ping(2) + ping(3) + "{\"type\": \"Nope\", \"data\": {}}\n" + ping(4);
        Path file = Files.writeString(dir.resolve("pings.jsonl"), text);
        source = FileSource.newBuilder(file).from(SourcePosition.fileOffset(offsetOfLine(text, 4))).build();
        assertThat(source.position()).contains(SourcePosition.fileOffset(offsetOfLine(text, 4)));

        source.start(context());

        await().atMost(WAIT).until(() -> seen.size() == 2 && rejected.size() == 1);
        assertThat(seen).containsExactly(3, 4);
        assertThat(rejected).extracting(Rejection::where).containsExactly(file + ":5");
        await().atMost(WAIT).until(() -> source.position().orElseThrow().fileOffset() == Files.size(file));
    }

    @Test
    void from_anOffsetInsideALine_startsAtTheNextLine() throws Exception {
        String text = ping(1) + ping(2) + ping(3);
        Path file = Files.writeString(dir.resolve("pings.jsonl"), text);
        source = FileSource.newBuilder(file).from(SourcePosition.fileOffset(offsetOfLine(text, 2) + 5)).build();

        source.start(context());

        await().atMost(WAIT).until(() -> seen.size() == 1);
        assertThat(seen).containsExactly(3);
    }

    @Test
    void from_aPositionInAGzippedFile_countsUncompressedBytes() throws Exception {
        String text = ping(1) + ping(2) + ping(3);
        Path file = dir.resolve("pings.jsonl.gz");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        Files.write(file, bytes.toByteArray());
        source = FileSource.newBuilder(file).from(SourcePosition.fileOffset(offsetOfLine(text, 2))).build();

        source.start(context());

        await().atMost(WAIT).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly(2, 3);
        await().atMost(WAIT).until(() -> source.position().orElseThrow().fileOffset()
                == text.getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void follow_fromAPosition_readsOnlyLaterLines_andItsPositionFollowsAppends() throws Exception {
        String text = ping(1) + ping(2);
        Path file = Files.writeString(dir.resolve("pings.jsonl"), text);
        source = FileSource.newBuilder(file).follow(true).from(SourcePosition.fileOffset(offsetOfLine(text, 2))).build();

        source.start(context());
        await().atMost(WAIT).until(() -> seen.size() == 1);
        Files.writeString(file, ping(3), StandardOpenOption.APPEND);

        await().atMost(WAIT).until(() -> seen.size() == 2);
        assertThat(seen).containsExactly(2, 3);
        await().atMost(WAIT).until(() -> source.position().orElseThrow().fileOffset() == Files.size(file));
    }

    @Test
    void stop_ofAFollowedFile_isBounded_andNothingIsHandedOnAfterIt() throws Exception {
        Path file = Files.writeString(dir.resolve("pings.jsonl"), ping(1));
        source = FileSource.newBuilder(file).follow(true).build();
        source.start(context());
        await().atMost(WAIT).until(() -> seen.size() == 1);

        assertTimeoutPreemptively(STOP_WITHIN, source::stop);
        assertTimeoutPreemptively(STOP_WITHIN, source::stop);
        Files.writeString(file, ping(2), StandardOpenOption.APPEND);
        engine.now(); // everything handed over before this is processed

        assertThat(seen).containsExactly(1);
        assertThatThrownBy(() -> source.start(context())).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void stop_whileThePaceHoldsAnEvent_isBounded_andTheEventIsNotHandedOn() throws Exception {
        Path file = Files.writeString(dir.resolve("pings.jsonl"), ping(1) + ping(2));
        CountDownLatch held = new CountDownLatch(1);
        source = FileSource.newBuilder(file).pace(time -> {
            if (time == 2_000L) {
                held.countDown();
                new CountDownLatch(1).await(); // until interrupted
            }
        }).build();
        source.start(context());
        assertThat(held.await(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)).isTrue();

        assertTimeoutPreemptively(STOP_WITHIN, source::stop);
        engine.now();

        assertThat(seen).containsExactly(1);
    }

    @Test
    void stop_beforeStart_isAllowed_andStartAfterItIsRefused() {
        source = FileSource.newBuilder(dir.resolve("never.jsonl")).build();
        source.stop();
        assertThatThrownBy(() -> source.start(context())).isInstanceOf(IllegalStateException.class)
                .hasMessage("source file " + dir.resolve("never.jsonl") + " was already started or stopped");
    }

    @Test
    void csv_hasNoPosition_andCannotStartFromAnOffset() throws Exception {
        Path file = Files.writeString(dir.resolve("Ping.csv"), "n,at\n1,1000\n2,2000\n");
        source = FileSource.newBuilder(file).build();
        assertThat(source.position()).isEqualTo(Optional.empty());
        source.start(context());
        await().atMost(WAIT).until(() -> seen.size() == 2);

        assertThatThrownBy(() -> FileSource.newBuilder(file).from(SourcePosition.fileOffset(5)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot start " + file + " from offset 5: only JSONL files are read from an offset");
    }
}
