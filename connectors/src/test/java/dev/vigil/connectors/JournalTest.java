package dev.vigil.connectors;

import dev.vigil.engine.Decoded;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.rules.RuleSet;
import dev.vigil.testing.MutableClock;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JournalTest {
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
    private final EventDecoder decoder = EventDecoder.of(RULES, Clock.systemUTC());

    @TempDir
    Path dir;

    private Event ping(int n, long time) {
        Decoded d = decoder.decodeJson("{\"type\":\"Ping\",\"id\":\"p" + n + "\",\"time\":" + time
                + ",\"data\":{\"n\":" + n + ",\"note\":\"caf\\u00e9 \\\"q\\\"\"}}", "test");
        return ((Decoded.Accepted) d).event();
    }

    private List<String> replayAll(Journal j, long from) throws Exception {
        List<String> out = new ArrayList<>();
        j.replay(from, (seq, time, json) -> out.add(seq + "@" + time + " " + json));
        return out;
    }

    @Test
    void appendedBatches_replayInOrder_andDecodeToTheSameEvents() throws Exception {
        try (Journal j = Journal.newBuilder(dir.resolve("j")).open()) {
            assertThat(j.append(List.of(ping(1, 1000), ping(2, 900)))).isTrue();
            assertThat(j.append(List.of(ping(3, 2000)))).isTrue();
            assertThat(j.appended()).isEqualTo(3);
        }
        try (Journal j = Journal.newBuilder(dir.resolve("j")).open()) {
            List<Event> back = new ArrayList<>();
            j.replay(Long.MIN_VALUE, (seq, time, json) -> {
                Event e = ((Decoded.Accepted) decoder.decodeJson(json, "journal " + seq)).event();
                assertThat(e.time()).isEqualTo(time);
                back.add(e);
            });
            assertThat(back).extracting(Event::effectiveId).containsExactly("p1", "p2", "p3");
            assertThat(back).extracting(Event::time).containsExactly(1000L, 900L, 2000L);
            assertThat(back.get(0).data()).isEqualTo(ping(1, 1000).data());
            assertThat(j.appended()).as("appends continue after the reopened ones").isEqualTo(3);
        }
    }

    @Test
    void replayFromATime_skipsEarlierEvents_evenInsideARecord() throws Exception {
        try (Journal j = Journal.newBuilder(dir).open()) {
            j.append(List.of(ping(1, 1000), ping(2, 3000)));
            j.append(List.of(ping(3, 500)));
            j.append(List.of(ping(4, 5000)));
            assertThat(replayAll(j, 3000)).hasSize(2).allMatch(s -> s.contains("\"p2\"") || s.contains("\"p4\""));
            assertThat(replayAll(j, 3000).get(0)).startsWith("1@3000 ");
        }
    }

    @Test
    void tornLastRecord_isCutAtOpen_andTheEarlierOnesKept() throws Exception {
        try (Journal j = Journal.newBuilder(dir).open()) {
            j.append(List.of(ping(1, 1000)));
            j.append(List.of(ping(2, 2000)));
        }
        Path seg = segments().get(0);
        long size = Files.size(seg);
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(size - 7); // a crash in the middle of the second record
        }
        try (Journal j = Journal.newBuilder(dir).open()) {
            assertThat(replayAll(j, Long.MIN_VALUE)).hasSize(1).first().asString().contains("\"p1\"");
            j.append(List.of(ping(3, 3000)));
            assertThat(replayAll(j, Long.MIN_VALUE)).hasSize(2).last().asString().startsWith("1@3000");
        }
    }

    @Test
    void corruptedLastRecord_failsItsChecksum_andIsCut() throws Exception {
        try (Journal j = Journal.newBuilder(dir).open()) {
            j.append(List.of(ping(1, 1000)));
            j.append(List.of(ping(2, 2000)));
        }
        Path seg = segments().get(0);
        byte[] bytes = Files.readAllBytes(seg);
        bytes[bytes.length - 3] ^= 0x55;
        Files.write(seg, bytes);
        try (Journal j = Journal.newBuilder(dir).open()) {
            assertThat(replayAll(j, Long.MIN_VALUE)).hasSize(1);
        }
    }

    @Test
    void aFileThatIsNotASegment_isRefusedWithItsName() throws Exception {
        Files.writeString(dir.resolve("00000000000000000000.journal"), "hello, this is not a journal");
        assertThatThrownBy(() -> Journal.newBuilder(dir).open()).isInstanceOf(IOException.class)
                .hasMessageContaining("00000000000000000000.journal is not a journal segment");
    }

    @Test
    void segmentsRollBySize_andPruneDeletesOnlyClosedOnesBehindTheTime() throws Exception {
        try (Journal j = Journal.newBuilder(dir).segmentBytes(1024).open()) {
            for (int i = 0; i < 40; i++) {
                j.append(List.of(ping(i, 1000L * i)));
            }
            int before = j.segments();
            assertThat(before).isGreaterThan(3);
            assertThat(j.prune(20_000)).isGreaterThan(0);
            List<String> left = replayAll(j, Long.MIN_VALUE);
            assertThat(left).as("every event at or after the prune time is kept").anyMatch(s -> s.contains("\"p20\""));
            assertThat(left).noneMatch(s -> s.contains("\"p0\""));
            int open = j.segments();
            assertThat(j.prune(Long.MAX_VALUE)).isEqualTo(open - 1);
            assertThat(j.segments()).as("the open segment stays").isEqualTo(1);
        }
    }

    @Test
    void segmentsRollByAge_soAQuietStreamIsPrunedToo() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
        try (Journal j = Journal.newBuilder(dir).segmentAge(Duration.ofMinutes(10)).clock(clock).open()) {
            j.append(List.of(ping(1, 1000)));
            clock.advance(Duration.ofMinutes(11));
            j.append(List.of(ping(2, 2000)));
            assertThat(j.segments()).isEqualTo(2);
        }
    }

    @Test
    void aBatchWithAKnownIdempotencyKey_isNotAppendedAgain_alsoAfterAReopen() throws Exception {
        try (Journal j = Journal.newBuilder(dir).open()) {
            assertThat(j.withKey("batch-1").append(List.of(ping(1, 1000)))).isTrue();
            assertThat(j.withKey("batch-1").append(List.of(ping(1, 1000)))).isFalse();
            assertThat(j.withKey("batch-2").append(List.of(ping(2, 2000)))).isTrue();
        }
        try (Journal j = Journal.newBuilder(dir).open()) {
            assertThat(j.withKey("batch-2").append(List.of(ping(2, 2000)))).isFalse();
            assertThat(replayAll(j, Long.MIN_VALUE)).hasSize(2);
        }
        assertThat(Journal.validKey("batch-1")).isTrue();
        assertThat(Journal.validKey("")).isFalse();
        assertThat(Journal.validKey("with space")).isFalse();
        assertThat(Journal.validKey("x".repeat(256))).isFalse();
    }

    @Test
    void fsyncAlways_syncForcesBeforeReturning() throws Exception {
        try (Journal j = Journal.newBuilder(dir).fsync(Journal.Fsync.ALWAYS).open()) {
            j.append(List.of(ping(1, 1000)));
            j.sync();
            assertThat(j.bytes()).isEqualTo(Files.size(segments().get(0)));
        }
        assertThat(Journal.Fsync.parse("batch")).isEqualTo(Journal.Fsync.BATCH);
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".journal")).sorted().toList();
        }
    }

    @Test
    void readDuringAppends_seesWholeEventsInAppendOrder_andNothingAppendedAfterTheCall() throws Exception {
        // Small segments, so the writer rolls to new files while readers read.
        try (Journal j = Journal.newBuilder(dir).segmentBytes(4096).fsync(Journal.Fsync.NEVER).open()) {
            int total = 20_000;
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int n = 0; n < total; n += 4) {
                        j.append(List.of(ping(n, n), ping(n + 1, n + 1), ping(n + 2, n + 2), ping(n + 3, n + 3)));
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "journal-writer");
            writer.start();
            int reads = 0;
            while (writer.isAlive() || reads == 0) {
                long before = j.appended();
                List<Integer> seen = new ArrayList<>();
                j.read(Long.MIN_VALUE, (seq, time, json) -> {
                    Event e = ((Decoded.Accepted) decoder.decodeJson(json, "journal " + seq)).event();
                    assertThat(e.time()).isEqualTo(time);
                    assertThat(e.effectiveId()).isEqualTo("p" + seq);
                    seen.add((int) seq);
                    return true;
                });
                long after = j.appended();
                assertThat(seen.size()).as("every event appended before the read, none after it").isBetween(
                        (int) before, (int) after);
                for (int i = 0; i < seen.size(); i++) {
                    assertThat(seen.get(i)).as("in append order, from the first").isEqualTo(i);
                }
                reads++;
            }
            writer.join();
            assertThat(failed.get()).isNull();
            assertThat(reads).as("reads overlapped the appends").isGreaterThan(1);
            assertThat(j.segments()).as("appends rolled segments meanwhile").isGreaterThan(10);
            List<Integer> all = new ArrayList<>();
            j.read(Long.MIN_VALUE, (seq, time, json) -> all.add((int) seq));
            assertThat(all).hasSize(total);
        }
    }

    @Test
    void read_visitorAnsweringFalse_stopsThere() throws Exception {
        try (Journal j = Journal.newBuilder(dir).open()) {
            j.append(List.of(ping(1, 1000), ping(2, 2000)));
            j.append(List.of(ping(3, 3000)));
            List<Long> seen = new ArrayList<>();
            long n = j.read(1500, (seq, time, json) -> {
                seen.add(time);
                return seen.size() < 1;
            });
            assertThat(seen).containsExactly(2000L);
            assertThat(n).isEqualTo(1);
            assertThat(j.newestTime()).isEqualTo(3000);
        }
    }
}
