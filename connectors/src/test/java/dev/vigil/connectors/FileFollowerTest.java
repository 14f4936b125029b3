package dev.vigil.connectors;

import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.Rejection;
import dev.vigil.rules.RuleSet;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class FileFollowerTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final RuleSet RULES = TestRules.compile("ping.rules", """
            event Ping {
                n int
            }
            rule big "big" {
                when Ping(n > 1000)
                severity info
                message "big {n}"
            }
            """);

    @TempDir
    Path dir;

    private final List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
    private final List<Rejection> rejected = Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final EventDecoder decoder = EventDecoder.of(RULES, Clock.systemUTC());
    private FileFollower follower;
    private Thread thread;

    @BeforeEach
    void noFollowerYet() {
        follower = null;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (follower != null) {
            follower.close();
            thread.join(WAIT.toMillis());
            assertThat(thread.isAlive()).as("follower stopped").isFalse();
        }
        assertThat(failure.get()).isNull();
    }

    @Test
    void appendedLines_areRead_andAPartLineWaitsForItsNewline() throws Exception {
        Path file = dir.resolve("events.jsonl");
        append(file, ping(1) + ping(2));
        follow(file);
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2)));

        append(file, ping(3) + ping(4).substring(0, 10));
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2, 3)));
        append(file, ping(4).substring(10) + ping(5));
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2, 3, 4, 5)));
        assertThat(rejected).isEmpty();
    }

    @Test
    void renamedAndReplacedFile_oldOneReadToItsEnd_newOneFromItsStart() throws Exception {
        Path file = dir.resolve("events.jsonl");
        append(file, ping(1));
        follow(file);
        await().atMost(WAIT).until(() -> seen.equals(List.of(1)));

        Path old = dir.resolve("events.jsonl.1");
        Files.move(file, old, StandardCopyOption.ATOMIC_MOVE);
        append(old, ping(2)); // the writer still had the old file open
        append(file, ping(3) + ping(4));
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2, 3, 4)));
        assertThat(follower.rotations()).isEqualTo(1);

        append(file, ping(5));
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2, 3, 4, 5)));
    }

    @Test
    void truncatedFile_isReadAgainFromItsStart() throws Exception {
        Path file = dir.resolve("events.jsonl");
        append(file, ping(1) + ping(2) + ping(3));
        follow(file);
        await().atMost(WAIT).until(() -> seen.size() == 3);

        Files.write(file, new byte[0], StandardOpenOption.TRUNCATE_EXISTING);
        await().atMost(WAIT).until(() -> follower.rotations() == 1);
        append(file, ping(4));
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2, 3, 4)));
    }

    @Test
    void missingFile_isWaitedFor() throws Exception {
        Path file = dir.resolve("later.jsonl");
        follow(file);
        append(file, ping(7));
        await().atMost(WAIT).until(() -> seen.equals(List.of(7)));
    }

    @Test
    void badLine_isRejectedWithItsLineNumber_andFollowingGoesOn() throws Exception {
        Path file = dir.resolve("events.jsonl");
        append(file, ping(1) + "\n{oops\n" + ping(2));
        follow(file);
        await().atMost(WAIT).until(() -> seen.equals(List.of(1, 2)));
        assertThat(rejected).extracting(Rejection::where).containsExactly(file.toAbsolutePath() + ":3");
        assertThat(follower.lines()).isEqualTo(3);
    }

    @Test
    void compressedOrCsvFile_cannotBeFollowed() {
        assertThatThrownBy(() -> FileFollower.of(dir.resolve("a.jsonl.gz"), () -> decoder, handler()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot follow " + dir.resolve("a.jsonl.gz") + ": only .jsonl files can be followed");
    }

    private void follow(Path file) {
        // A long poll interval: the test passes only if changes are noticed as they happen.
        follower = FileFollower.of(file, () -> decoder, handler(), Duration.ofSeconds(10));
        thread = new Thread(() -> {
            try {
                follower.run();
            } catch (IOException | RuntimeException e) {
                failure.set(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "follower");
        thread.start();
    }

    private EventFiles.Handler handler() {
        return new EventFiles.Handler() {
            @Override
            public void onEvent(Event event) {
                seen.add(event.data().get("n").intValue());
            }

            @Override
            public void onRejected(Rejection rejection) {
                rejected.add(rejection);
            }
        };
    }

    private static String ping(int n) {
        return "{\"type\": \"Ping\", \"time\": " + (1_700_000_000_000L + n) + ", \"data\": {\"n\": " + n + "}}\n";
    }

    private static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE);
    }
}
