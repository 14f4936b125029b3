package dev.vigil.connectors;

import dev.vigil.engine.Decoded;
import dev.vigil.engine.EventDecoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Follows a growing JSONL file as {@code tail -F} does, for log-shipping setups: reads what the
 * file holds, then every line appended to it, and carries on across rotation: when the file is
 * truncated it is read again from its start; when it is renamed away and a new file takes its
 * name, the old one is read to its end and the new one from its start; while the name is missing,
 * it waits for it. Only complete lines are decoded: a last line without its newline waits for the
 * rest (except at rotation, when the old file is final). Rejections name the file and the line.
 *
 * <p>{@link #run} blocks on the caller's thread until {@link #close} (from any thread) or an
 * interrupt. Changes are noticed through the platform's file watching, and at least every poll
 * interval where that misses them.
 */
public final class FileFollower implements AutoCloseable {
    /** Where file watching is not reliable (network file systems), changes are still seen this often. */
    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofMillis(250);
    private static final int BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final Supplier<EventDecoder> decoder;
    private final EventFiles.Handler handler;
    private final long pollMillis;
    private volatile boolean closed;
    private volatile WatchService watch;
    private volatile long lines;
    private volatile int rotations;
    /** Byte offset, in the file now at the path, of the next line not yet handed on. */
    private volatile long nextLine;
    /** Lines of the first file opened that start before this offset are skipped (a resumed follow). */
    private long skipBefore;

    private FileChannel channel;
    private Object fileKey;
    private long position;
    private long lineStart;
    private long lineNo;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES);

    private FileFollower(Path file, Supplier<EventDecoder> decoder, EventFiles.Handler handler, Duration pollInterval,
                         long from) {
        if (from < 0) {
            throw new IllegalArgumentException("from must not be negative: " + from);
        }
        this.skipBefore = from;
        this.nextLine = from;
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
        this.decoder = requireNonNull(decoder, "decoder is null");
        this.handler = requireNonNull(handler, "handler is null");
        this.pollMillis = requireNonNull(pollInterval, "pollInterval is null").toMillis();
    }

    /**
     * A follower of a {@code .jsonl} file (compressed and CSV files cannot be followed).
     *
     * @param decoder supplies the decoder per line (it changes when rules are redeployed)
     * @throws IllegalArgumentException for a file name that is not {@code .jsonl}
     */
    public static FileFollower of(Path file, Supplier<EventDecoder> decoder, EventFiles.Handler handler) {
        return of(file, decoder, handler, DEFAULT_POLL_INTERVAL);
    }

    static FileFollower of(Path file, Supplier<EventDecoder> decoder, EventFiles.Handler handler, Duration pollInterval) {
        return of(file, decoder, handler, pollInterval, 0);
    }

    /**
     * A follower that resumes at a byte offset: lines of the file found at the path that start
     * before {@code from} are skipped (and counted, so rejections keep their line numbers). When
     * that file is shorter than {@code from}, it was replaced since the offset was taken, and it is
     * read from its start.
     */
    static FileFollower of(Path file, Supplier<EventDecoder> decoder, EventFiles.Handler handler, Duration pollInterval,
                           long from) {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (lower.endsWith(".gz") || lower.endsWith(".csv")) {
            throw new IllegalArgumentException("cannot follow " + file + ": only .jsonl files can be followed");
        }
        return new FileFollower(file, decoder, handler, pollInterval, from);
    }

    /** Lines read so far (events and rejections, blank lines not counted). */
    public long lines() {
        return lines;
    }

    /**
     * The byte offset of the next line not yet handed on, in the file now at the path: where a
     * follow resumes (through {@link FileSource}). Any thread.
     */
    public long nextLineOffset() {
        return nextLine;
    }

    /** Times the file was found truncated or replaced. */
    public int rotations() {
        return rotations;
    }

    /**
     * Follows the file until closed or interrupted.
     *
     * @throws IOException when the file or its folder cannot be read
     * @throws InterruptedException when interrupted (also while the handler waits)
     */
    public void run() throws IOException, InterruptedException {
        Path dir = file.getParent();
        try (WatchService w = FileSystems.getDefault().newWatchService()) {
            watch = w;
            dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
            while (!closed) {
                if (channel == null && !open()) {
                    await(w);
                    continue;
                }
                boolean read = readAvailable();
                BasicFileAttributes now = attributes();
                if (now != null && fileKey != null && now.fileKey() != null && !now.fileKey().equals(fileKey)) {
                    // Replaced: what the old file holds is final, then the new one from its start.
                    readAvailable();
                    flushPartial();
                    closeChannel();
                    skipBefore = 0;
                    rotations++;
                    continue;
                }
                if (now != null && now.size() < position) {
                    // Truncated in place: read it again from its start.
                    partial.reset();
                    position = 0;
                    lineStart = 0;
                    nextLine = 0;
                    lineNo = 0;
                    skipBefore = 0;
                    rotations++;
                    continue;
                }
                if (!read && (now == null || now.size() == position)) {
                    await(w);
                }
            }
        } catch (ClosedByInterruptException e) {
            throw new InterruptedException("interrupted while reading " + file);
        } catch (ClosedWatchServiceException e) {
            // closed
        } finally {
            closeChannel();
            watch = null;
        }
    }

    /** Stops {@link #run}; returns at once. */
    @Override
    public void close() {
        closed = true;
        WatchService w = watch;
        if (w != null) {
            try {
                w.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private boolean open() throws IOException {
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return false;
        }
        BasicFileAttributes a = attributes();
        fileKey = a == null ? null : a.fileKey();
        if (a != null && a.size() < skipBefore) {
            skipBefore = 0; // not the file the offset was taken in
        }
        position = 0;
        lineStart = 0;
        nextLine = skipBefore;
        lineNo = 0;
        partial.reset();
        return true;
    }

    private BasicFileAttributes attributes() throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private void closeChannel() throws IOException {
        if (channel != null) {
            channel.close();
            channel = null;
            fileKey = null;
        }
    }

    private void await(WatchService w) throws InterruptedException {
        WatchKey key = w.poll(pollMillis, TimeUnit.MILLISECONDS);
        if (key != null) {
            key.pollEvents();
            key.reset();
        }
    }

    /** Reads from the position to the current end; returns whether anything was read. */
    private boolean readAvailable() throws IOException, InterruptedException {
        boolean any = false;
        while (!closed) {
            buffer.clear();
            int n = channel.read(buffer, position);
            if (n <= 0) {
                break;
            }
            any = true;
            long chunkStart = position;
            position += n;
            byte[] bytes = buffer.array();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    partial.write(bytes, start, i - start);
                    line(chunkStart + i + 1);
                    start = i + 1;
                }
            }
            partial.write(bytes, start, n - start);
        }
        return any;
    }

    private void flushPartial() throws InterruptedException {
        if (partial.size() > 0) {
            line(position);
        }
    }

    /** One complete line, the next of which starts at {@code next}. */
    private void line(long next) throws InterruptedException {
        lineNo++;
        byte[] bytes = partial.toByteArray();
        partial.reset();
        boolean skipped = lineStart < skipBefore;
        lineStart = next;
        if (!skipped && !new String(bytes, StandardCharsets.ISO_8859_1).isBlank()) {
            lines++;
            Decoded d = decoder.get().decodeJson(bytes, 0, bytes.length, file + ":" + lineNo);
            switch (d) {
                case Decoded.Accepted a -> handler.onEvent(a.event());
                case Decoded.Rejected r -> handler.onRejected(r.rejection());
            }
        }
        nextLine = next;
    }

    @Override
    public String toString() {
        return "FileFollower[" + file + "]";
    }
}
