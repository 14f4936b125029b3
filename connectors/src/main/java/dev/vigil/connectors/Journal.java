package dev.vigil.connectors;

import dev.vigil.engine.Event;
import dev.vigil.engine.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

import static java.util.Objects.requireNonNull;

/**
 * The journal of HTTP ingest: an append-only log, in a folder of its own, of every event answered
 * 202, written before the answer (design.md, "State and recovery"). On a restart the events of the
 * last horizon are read back ({@link #replay}) and run again.
 *
 * <p>Why not a library: Chronicle Queue needs JVM flags and off-heap mappings for what is here a
 * few hundred lines, and SQLite (already the store) would put a B-tree insert per event on the
 * ingest path and make pruning a DELETE plus VACUUM; segment files are deleted whole.
 *
 * <h2>Format</h2>
 * Segment files {@code <first sequence number, 20 digits>.journal}, each starting with the 8 bytes
 * {@code VIGILJ01}, then records, one per appended batch (one HTTP request): a header of
 * {@code int payloadLength, int crc32c(payload), int count, long minTime, long maxTime} (big
 * endian) and a payload: {@code int keyLength, keyLength bytes of UTF-8} (the request's
 * {@code Idempotency-Key}, or nothing), then {@code count} entries {@code long time, int length,
 * length bytes of UTF-8 JSON} (the event in its native envelope form, {@link Event#toJson()}). A record whose
 * header or payload is incomplete or whose checksum does not match is a torn write: at open the
 * last segment is cut before it; elsewhere the rest of that segment is skipped with an error in
 * the log. A segment is closed at {@link Builder#segmentBytes} or {@link Builder#segmentAge};
 * closed segments whose newest event is behind the horizon are deleted by {@link #prune}.
 *
 * <h2>Durability ({@code store.journal.fsync})</h2>
 * <ul>
 * <li>{@code always}: each request's records are forced to the disk before its 202 (requests that
 *     arrive together share one force: group commit). Survives a power loss.
 * <li>{@code batch} (the default): a background thread forces every {@link Builder#fsyncInterval}.
 *     A crash of the process loses nothing (the data is in the operating system's cache); a power
 *     loss or kernel crash may lose the events of the last interval.
 * <li>{@code never}: the operating system writes when it likes (tens of seconds); the same
 *     process-crash safety, a longer window on power loss.
 * </ul>
 *
 * <p>Thread-safety: {@link #append} is called under the engine's ingest lock; {@link #sync},
 * {@link #prune}, {@link #read} and the getters may be called from any thread. {@link #replay} is
 * called before any append (at start); {@link #read} reads while appends go on (a backtest): it reads
 * the records whose write had completed when it was called, and none after.
 */
public final class Journal implements EventLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final byte[] MAGIC = "VIGILJ01".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = 4 + 4 + 4 + 8 + 8;
    /** A record larger than this is a corrupt length, not a batch: HTTP bodies are at most a few MB. */
    private static final int MAX_RECORD = 256 << 20;
    private static final String SUFFIX = ".journal";

    /** When appended records are forced to the disk. */
    public enum Fsync {
        ALWAYS, BATCH, NEVER;

        /** The setting's value as written in the config: {@code always}, {@code batch}, {@code never}. */
        public static Fsync parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    /** One closed or open segment: its file, first sequence number, and the newest event time in it. */
    private static final class Segment {
        final Path path;
        final long firstSeq;
        long events;
        long bytes;
        long maxTime = Long.MIN_VALUE;
        final long createdMillis;

        Segment(Path path, long firstSeq, long createdMillis) {
            this.path = path;
            this.firstSeq = firstSeq;
            this.createdMillis = createdMillis;
        }
    }

    private final Path dir;
    private final Fsync fsync;
    private final long segmentBytes;
    private final long segmentAgeMillis;
    private final Clock clock;
    /**
     * Held while a segment's counters change and while {@link #read} copies them: a reader sees
     * every segment with the bytes of whole records only. Never held across a write to the file.
     */
    private final Object extentLock = new Object();
    /** Oldest first; appended by roll (ingest lock), removed by prune, read by metrics. */
    private final List<Segment> segments = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile FileChannel channel;
    /** Events appended, ever: the next event's sequence number. */
    private volatile long appended;
    /** Events known forced to the disk. */
    private volatile long synced;
    private final Object syncLock = new Object();
    private ScheduledExecutorService syncer;
    private volatile boolean closed;

    /** Options of a journal; {@link #open()} opens it. */
    public static final class Builder {
        private final Path dir;
        private Fsync fsync = Fsync.BATCH;
        private Duration fsyncInterval = Duration.ofMillis(200);
        private long segmentBytes = 64L << 20;
        private Duration segmentAge = Duration.ofMinutes(10);
        private Clock clock = Clock.systemUTC();

        private Builder(Path dir) {
            this.dir = requireNonNull(dir, "dir is null");
        }

        public Builder fsync(Fsync policy) {
            this.fsync = requireNonNull(policy, "policy is null");
            return this;
        }

        /** How often {@code batch} forces: the most a power loss can take. */
        public Builder fsyncInterval(Duration interval) {
            requireNonNull(interval, "interval is null");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("fsyncInterval must be positive: " + interval);
            }
            this.fsyncInterval = interval;
            return this;
        }

        /** A segment is closed once it holds this many bytes. */
        public Builder segmentBytes(long bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("segmentBytes must be at least 1024: " + bytes);
            }
            this.segmentBytes = bytes;
            return this;
        }

        /** A segment is closed once it is this old, so quiet streams are pruned too. */
        public Builder segmentAge(Duration age) {
            this.segmentAge = requireNonNull(age, "age is null");
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock is null");
            return this;
        }

        /**
         * Opens the journal, creating its folder; cuts a torn record at the end of the last segment.
         *
         * @throws IOException naming the folder or file that cannot be used
         */
        public Journal open() throws IOException {
            Journal j = new Journal(this);
            j.load();
            return j;
        }
    }

    public static Builder newBuilder(Path dir) {
        return new Builder(dir);
    }

    private Journal(Builder b) {
        this.dir = b.dir;
        this.fsync = b.fsync;
        this.segmentBytes = b.segmentBytes;
        this.segmentAgeMillis = b.segmentAge.toMillis();
        this.clock = b.clock;
        if (fsync == Fsync.BATCH) {
            long every = b.fsyncInterval.toMillis();
            syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vigil-journal-fsync");
                t.setDaemon(true);
                return t;
            });
            syncer.scheduleWithFixedDelay(this::syncQuietly, every, every, TimeUnit.MILLISECONDS);
        }
    }

    // ---------------------------------------------------------------- open

    private void load() throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("store.journal: cannot create the folder " + dir + ": " + e, e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList();
        }
        for (Path p : files) {
            String name = p.getFileName().toString();
            long first;
            try {
                first = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
            } catch (NumberFormatException e) {
                LOG.warn("journal: ignoring {}: not a segment name", p);
                continue;
            }
            Segment seg = new Segment(p, first, clock.millis());
            scan(seg, p == files.get(files.size() - 1));
            segments.add(seg);
        }
        long next = segments.isEmpty() ? 0 : last().firstSeq + last().events;
        appended = next;
        synced = next;
        if (segments.isEmpty()) {
            roll();
        } else {
            channel = FileChannel.open(last().path, StandardOpenOption.WRITE);
            channel.position(last().bytes);
        }
    }

    /** Reads a segment's record headers; the last segment's records are checked and a torn tail cut. */
    private void scan(Segment seg, boolean isLast) throws IOException {
        try (FileChannel ch = FileChannel.open(seg.path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
            readFully(ch, magic, 0);
            if (magic.hasRemaining() || !java.util.Arrays.equals(magic.array(), MAGIC)) {
                if (isLast && size < MAGIC.length) {
                    ch.truncate(0);
                    ch.write(ByteBuffer.wrap(MAGIC), 0);
                    seg.bytes = MAGIC.length;
                    return;
                }
                throw new IOException("store.journal: " + seg.path + " is not a journal segment (no VIGILJ01 header)");
            }
            long pos = MAGIC.length;
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
            while (pos < size) {
                header.clear();
                readFully(ch, header, pos);
                String torn = null;
                int length = 0;
                int count = 0;
                long maxTime = 0;
                if (header.hasRemaining()) {
                    torn = "an incomplete record header";
                } else {
                    header.flip();
                    length = header.getInt();
                    int crc = header.getInt();
                    count = header.getInt();
                    header.getLong();
                    maxTime = header.getLong();
                    if (length < 0 || length > MAX_RECORD || count < 0) {
                        torn = "a record header with length " + length;
                    } else if (pos + HEADER + length > size) {
                        torn = "an incomplete record";
                    } else if (isLast) {
                        ByteBuffer payload = ByteBuffer.allocate(length);
                        readFully(ch, payload, pos + HEADER);
                        if (crc32c(payload.array()) != crc) {
                            torn = "a record whose checksum does not match";
                        }
                    }
                }
                if (torn != null) {
                    if (!isLast) {
                        LOG.error("journal: {} has {} at byte {}; the rest of that segment ({} bytes) is skipped",
                                seg.path, torn, pos, size - pos);
                        break;
                    }
                    LOG.warn("journal: {} ends with {} at byte {} (a write cut by a crash); cut there ({} bytes)",
                            seg.path, torn, pos, size - pos);
                    ch.truncate(pos);
                    ch.force(true);
                    break;
                }
                if (length >= 4) {
                    ByteBuffer k = ByteBuffer.allocate(4 + MAX_KEY_BYTES);
                    readFully(ch, k, pos + HEADER);
                    k.flip();
                    int keyLength = k.remaining() >= 4 ? k.getInt() : 0;
                    if (keyLength > 0 && keyLength <= MAX_KEY_BYTES && k.remaining() >= keyLength) {
                        remember(new String(k.array(), 4, keyLength, StandardCharsets.US_ASCII));
                    }
                }
                seg.events += count;
                seg.maxTime = Math.max(seg.maxTime, maxTime);
                pos += HEADER + length;
            }
            seg.bytes = Math.min(pos, ch.size());
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    private static int crc32c(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b, 0, b.length);
        return (int) c.getValue();
    }

    private Segment last() {
        return segments.get(segments.size() - 1);
    }

    /** Closes the current segment (if any) and starts a new one at the next sequence number. */
    private void roll() throws IOException {
        if (channel != null) {
            channel.force(false);
            channel.close();
        }
        long first = appended;
        Path p = dir.resolve(String.format(Locale.ROOT, "%020d", first) + SUFFIX);
        channel = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        channel.write(ByteBuffer.wrap(MAGIC));
        Segment seg = new Segment(p, first, clock.millis());
        seg.bytes = MAGIC.length;
        synchronized (extentLock) {
            segments.add(seg);
        }
        forceFolder();
    }

    /** Makes the new file's name durable (Linux: a folder can be forced like a file). */
    private void forceFolder() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException e) {
            LOG.debug("journal: cannot force the folder {}: {}", dir, e.toString());
        }
    }

    // ---------------------------------------------------------------- append

    /** Appends one batch as one record. Called under the engine's ingest lock (one at a time). */
    @Override
    public boolean append(List<Event> events) throws IOException {
        return append(events, null);
    }

    /**
     * An {@link EventLog} that appends with {@code key}, the request's {@code Idempotency-Key}: a
     * batch whose key the journal holds is not appended again (its append answers false).
     */
    public EventLog withKey(String key) {
        return key == null ? this : events -> append(events, key);
    }

    /** A key's bytes, at most {@link #MAX_KEY_BYTES}. */
    private static final int MAX_KEY_BYTES = 255;
    /** How many keys are remembered: a client retries a lost answer within seconds, not after 100,000 requests. */
    private static final int REMEMBERED_KEYS = 100_000;
    private final java.util.Set<String> keys = java.util.Collections.newSetFromMap(
            new java.util.LinkedHashMap<String, Boolean>(1024, 0.75f, false) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
                    return size() > REMEMBERED_KEYS;
                }
            });

    /** True when {@code key} can be an idempotency key: 1 to 255 bytes of printable ASCII. */
    public static boolean validKey(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_BYTES) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    private synchronized boolean remember(String key) {
        return keys.add(key);
    }

    private boolean append(List<Event> events, String key) throws IOException {
        requireNonNull(events, "events is null");
        if (events.isEmpty()) {
            return true;
        }
        if (closed) {
            throw new IOException("the journal is closed");
        }
        byte[] keyBytes = key == null ? new byte[0] : key.getBytes(StandardCharsets.US_ASCII);
        if (key != null && !remember(key)) {
            return false;
        }
        byte[][] bodies = new byte[events.size()][];
        int length = 4 + keyBytes.length;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (int i = 0; i < bodies.length; i++) {
            Event e = events.get(i);
            bodies[i] = e.toJson().getBytes(StandardCharsets.UTF_8);
            length += 12 + bodies[i].length;
            min = Math.min(min, e.time());
            max = Math.max(max, e.time());
        }
        ByteBuffer record = ByteBuffer.allocate(HEADER + length).order(ByteOrder.BIG_ENDIAN);
        record.position(HEADER);
        record.putInt(keyBytes.length).put(keyBytes);
        for (int i = 0; i < bodies.length; i++) {
            record.putLong(events.get(i).time()).putInt(bodies[i].length).put(bodies[i]);
        }
        CRC32C crc = new CRC32C();
        crc.update(record.array(), HEADER, length);
        record.putInt(0, length).putInt(4, (int) crc.getValue()).putInt(8, bodies.length).putLong(12, min)
                .putLong(20, max);
        record.position(0);
        Segment seg = last();
        if (seg.bytes > MAGIC.length && (seg.bytes + record.remaining() > segmentBytes
                || clock.millis() - seg.createdMillis >= segmentAgeMillis)) {
            roll();
            seg = last();
        }
        long at = seg.bytes;
        try {
            while (record.hasRemaining()) {
                channel.write(record);
            }
        } catch (IOException e) {
            try {
                channel.truncate(at); // nothing half-written stays behind a later record
                channel.position(at);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            if (key != null) {
                forget(key);
            }
            throw new IOException("cannot write to the journal " + seg.path + ": " + e.getMessage(), e);
        }
        // The write is complete (FileChannel has no buffer of its own: the bytes are in the file,
        // as the operating system sees it), so a reader may now read up to the new end.
        synchronized (extentLock) {
            seg.bytes += HEADER + length;
            seg.events += bodies.length;
            seg.maxTime = Math.max(seg.maxTime, max);
        }
        appended += bodies.length;
        return true;
    }

    private synchronized void forget(String key) {
        keys.remove(key);
    }

    /**
     * Returns once what was appended before the call is as durable as the policy promises before a
     * 202: forced to the disk with {@code always}; at once otherwise.
     */
    public void sync() throws IOException {
        if (fsync == Fsync.ALWAYS) {
            force();
        }
    }

    private void force() throws IOException {
        long target = appended;
        if (synced >= target) {
            return;
        }
        synchronized (syncLock) {
            if (synced >= target) {
                return; // another request's force covered ours
            }
            long upTo = appended;
            FileChannel ch = channel;
            try {
                ch.force(false);
            } catch (java.nio.channels.ClosedChannelException e) {
                // rolled meanwhile: roll() forced the closed segment; force the new one
                channel.force(false);
            }
            synced = upTo;
        }
    }

    private void syncQuietly() {
        try {
            force();
        } catch (IOException | RuntimeException e) {
            LOG.error("journal: cannot force {} to the disk: {}", dir, e.toString());
        }
    }

    // ---------------------------------------------------------------- replay and prune

    /** What {@link #replay} hands over: one event as written, its time and sequence number. */
    @FunctionalInterface
    public interface Reader {
        void onEvent(long seq, long time, String json) throws InterruptedException;
    }

    /**
     * Reads back, in append order, every event with a time at or after {@code fromTime}; records
     * whose newest event is before it are skipped unread.
     *
     * @return the number of events handed to {@code reader}
     */
    public long replay(long fromTime, Reader reader) throws IOException, InterruptedException {
        return read(fromTime, (seq, time, json) -> {
            reader.onEvent(seq, time, json);
            return true;
        });
    }

    /** What {@link #read} hands over: one event as written; answering false ends the read there. */
    @FunctionalInterface
    public interface Visitor {
        boolean onEvent(long seq, long time, String json) throws InterruptedException;
    }

    /** A segment's file and extent as {@link #read} found them: whole records up to {@code bytes}. */
    private record Extent(Path path, long firstSeq, long bytes, long maxTime) {
    }

    /**
     * Reads, in append order, every event with a time at or after {@code fromTime} that was
     * appended when it is called, until {@code visitor} answers false. Safe while appends go on: the
     * segments and their lengths are copied under the lock appends publish their records with, and
     * only those bytes are read; a segment pruned meanwhile (it was behind the horizon) is skipped.
     *
     * @return the number of events handed to {@code visitor} (including the one that answered false)
     */
    public long read(long fromTime, Visitor visitor) throws IOException, InterruptedException {
        List<Extent> extents = new java.util.ArrayList<>();
        synchronized (extentLock) {
            for (Segment s : segments) {
                extents.add(new Extent(s.path, s.firstSeq, s.bytes, s.maxTime));
            }
        }
        long n = 0;
        boolean[] more = {true};
        for (Extent seg : extents) {
            if (seg.maxTime() < fromTime) {
                continue;
            }
            try {
                n += read(seg, fromTime, visitor, more);
            } catch (java.nio.file.NoSuchFileException e) {
                LOG.debug("journal: {} was pruned while being read", seg.path());
            }
            if (!more[0]) {
                break;
            }
        }
        return n;
    }

    /** The newest event time appended, or {@link Long#MIN_VALUE} when the journal holds none. */
    public long newestTime() {
        long t = Long.MIN_VALUE;
        synchronized (extentLock) {
            for (Segment s : segments) {
                t = Math.max(t, s.maxTime);
            }
        }
        return t;
    }

    private long read(Extent seg, long fromTime, Visitor visitor, boolean[] more)
            throws IOException, InterruptedException {
        long n = 0;
        long seq = seg.firstSeq();
        try (FileChannel ch = FileChannel.open(seg.path(), StandardOpenOption.READ)) {
            long pos = MAGIC.length;
            long end = seg.bytes();
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.BIG_ENDIAN);
            while (pos + HEADER <= end) {
                header.clear();
                readFully(ch, header, pos);
                header.flip();
                int length = header.getInt();
                int crc = header.getInt();
                int count = header.getInt();
                header.getLong();
                long maxTime = header.getLong();
                if (length < 0 || length > MAX_RECORD || pos + HEADER + length > end) {
                    LOG.error("journal: {}: a broken record at byte {}; the rest of the segment is skipped", seg.path(), pos);
                    break;
                }
                if (maxTime >= fromTime) {
                    ByteBuffer payload = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
                    readFully(ch, payload, pos + HEADER);
                    if (crc32c(payload.array()) != crc) {
                        LOG.error("journal: {}: the record at byte {} does not match its checksum; the rest of the"
                                + " segment is skipped", seg.path(), pos);
                        break;
                    }
                    payload.flip();
                    int keyLength = payload.getInt();
                    payload.position(payload.position() + keyLength);
                    for (int i = 0; i < count; i++) {
                        long time = payload.getLong();
                        int len = payload.getInt();
                        String json = new String(payload.array(), payload.position(), len, StandardCharsets.UTF_8);
                        payload.position(payload.position() + len);
                        if (time >= fromTime) {
                            n++;
                            if (!visitor.onEvent(seq + i, time, json)) {
                                more[0] = false;
                                return n;
                            }
                        }
                    }
                }
                seq += count;
                pos += HEADER + length;
            }
        }
        return n;
    }

    /**
     * Deletes the closed segments whose every event is before {@code beforeTime} (behind the
     * horizon of the last checkpoint), oldest first; the open segment stays.
     *
     * @return the number of segments deleted
     */
    public synchronized int prune(long beforeTime) {
        int n = 0;
        while (segments.size() > 1 && segments.get(0).maxTime < beforeTime) {
            Segment seg = segments.get(0);
            try {
                Files.deleteIfExists(seg.path);
            } catch (IOException e) {
                LOG.error("journal: cannot delete {}: {}", seg.path, e.toString());
                return n;
            }
            segments.remove(0);
            n++;
        }
        return n;
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    public Fsync fsync() {
        return fsync;
    }

    /** Events appended since the journal was created (the next sequence number). */
    public long appended() {
        return appended;
    }

    /** Bytes of all segments on disk. */
    public long bytes() {
        long n = 0;
        for (Segment s : List.copyOf(segments)) {
            n += s.bytes;
        }
        return n;
    }

    /** Segment files on disk. */
    public int segments() {
        return segments.size();
    }

    /** Events in the segments on disk. */
    public long events() {
        long n = 0;
        for (Segment s : List.copyOf(segments)) {
            n += s.events;
        }
        return n;
    }

    /** Forces what was appended and closes the file. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (syncer != null) {
            syncer.shutdownNow();
        }
        synchronized (syncLock) {
            try {
                channel.force(false);
                channel.close();
            } catch (IOException e) {
                LOG.error("journal: cannot close {}: {}", dir, e.toString());
            }
        }
    }
}
