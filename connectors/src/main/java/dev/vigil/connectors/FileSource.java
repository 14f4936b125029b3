package dev.vigil.connectors;

import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A recorded event file as a {@link Source}: read once to its end ({@link EventFiles}: JSONL or
 * CSV, either gzipped), or, with {@code follow}, read and then followed as it grows and rotates
 * ({@link FileFollower}: JSONL). Events go to the engine with {@code Engine.submit}, which waits
 * while the queue is full, so a file is read as fast as the engine takes it unless a {@link Pace}
 * holds it back.
 *
 * <p>A JSONL file can be started from a byte offset: lines that start before it are skipped. Its
 * {@link #position} is the byte offset of the next line not yet handed to the engine. A CSV file is
 * read from its start and has no position.
 *
 * <p>Threads: the file is read on the source's own thread, {@code vigil-file-NAME}, started by
 * {@link #start}; the {@link Pace} and the context's listener are called on it. A read error ends
 * the thread and is logged.
 */
public final class FileSource implements Source {
    private static final Logger LOG = LoggerFactory.getLogger(FileSource.class);
    /**
     * How long {@link #stop} waits for the reading thread after interrupting it: it stops at its next
     * line or wait, within milliseconds, unless the disk itself hangs.
     */
    private static final long STOP_TIMEOUT_MILLIS = 5_000;

    /** Holds events back to a pace (a multiple of real time); called before each event is handed on. */
    @FunctionalInterface
    public interface Pace {
        /** As fast as the engine takes them. */
        Pace NONE = eventTime -> { };

        void await(long eventTime) throws InterruptedException;
    }

    private final Path file;
    private final Optional<String> csvType;
    private final boolean follow;
    private final long from;
    private final Pace pace;
    private final boolean csv;
    private volatile long nextLine;
    private volatile boolean stopped;
    private volatile FileFollower follower;
    private Thread thread;
    private boolean started;

    private FileSource(Builder b) {
        this.file = b.file;
        this.csvType = b.csvType;
        this.follow = b.follow;
        this.from = b.from;
        this.pace = b.pace;
        this.csv = EventFiles.isCsv(b.file);
        this.nextLine = b.from;
    }

    public static Builder newBuilder(Path file) {
        return new Builder(file);
    }

    @Override
    public String name() {
        return "file " + file;
    }

    @Override
    public synchronized void start(SourceContext context) {
        requireNonNull(context, "context is null");
        if (started || stopped) {
            throw new IllegalStateException("source " + name() + " was already started or stopped");
        }
        started = true;
        thread = new Thread(() -> read(context), "vigil-file-" + file.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    private void read(SourceContext context) {
        EventFiles.Handler handler = new EventFiles.Handler() {
            @Override
            public void onEvent(Event event) throws InterruptedException {
                if (stopped || context.stopping().getAsBoolean()) {
                    throw new InterruptedException("stopping");
                }
                pace.await(event.time());
                context.engine().submit(event);
                context.listener().accepted(event);
            }

            @Override
            public void onRejected(Rejection rejection) {
                context.listener().rejected(rejection);
            }
        };
        try {
            if (follow) {
                FileFollower f = FileFollower.of(file, context.engine()::decoder, handler,
                        FileFollower.DEFAULT_POLL_INTERVAL, from);
                follower = f;
                if (stopped) {
                    return;
                }
                f.run();
            } else {
                long n = EventFiles.read(file, csvType, from, offset -> nextLine = offset, context.engine()::decoder,
                        handler);
                LOG.info("source file {}: done, {} records", file, n);
            }
        } catch (IllegalArgumentException | IOException e) {
            LOG.error("source file {}: {}", file, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Interrupts the reading thread and waits for it, at most {@value #STOP_TIMEOUT_MILLIS} ms. */
    @Override
    public void stop() {
        Thread t;
        synchronized (this) {
            stopped = true;
            t = thread;
        }
        FileFollower f = follower;
        if (f != null) {
            f.close();
        }
        if (t == null || t == Thread.currentThread()) {
            return;
        }
        t.interrupt();
        try {
            t.join(STOP_TIMEOUT_MILLIS);
            if (t.isAlive()) {
                LOG.warn("source {}: did not stop within {} ms", name(), STOP_TIMEOUT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The byte offset of the next line not yet handed to the engine; empty for a CSV file. */
    @Override
    public Optional<SourcePosition> position() {
        if (csv) {
            return Optional.empty();
        }
        FileFollower f = follower;
        return Optional.of(SourcePosition.fileOffset(f != null ? f.nextLineOffset() : nextLine));
    }

    @Override
    public String toString() {
        return "FileSource[" + file + "]";
    }

    public static final class Builder {
        private final Path file;
        private Optional<String> csvType = Optional.empty();
        private boolean follow;
        private long from;
        private Pace pace = Pace.NONE;

        private Builder(Path file) {
            this.file = requireNonNull(file, "file is null");
        }

        /** The event type of a CSV file; by default the file name before {@code .csv}. */
        public Builder csvType(Optional<String> csvType) {
            this.csvType = requireNonNull(csvType, "csvType is null");
            return this;
        }

        /** Follow the file as it grows and rotates, until stopped (JSONL only). */
        public Builder follow(boolean follow) {
            this.follow = follow;
            return this;
        }

        /** Start at this position (from {@link FileSource#position}); lines that start before it are skipped. */
        public Builder from(SourcePosition position) {
            this.from = requireNonNull(position, "position is null").fileOffset();
            return this;
        }

        public Builder pace(Pace pace) {
            this.pace = requireNonNull(pace, "pace is null");
            return this;
        }

        /**
         * @throws IllegalArgumentException for a CSV file started from an offset
         */
        public FileSource build() {
            if (from > 0 && EventFiles.isCsv(file)) {
                throw new IllegalArgumentException("cannot start " + file + " from offset " + from
                        + ": only JSONL files are read from an offset");
            }
            return new FileSource(this);
        }
    }
}
