package dev.vigil.server.run;

import dev.vigil.notifier.StoreException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The engine's checkpoint, in the {@code checkpoints} table of the store's SQLite file: an event
 * time such that every alert the engine raised with an earlier time is in the store, and the
 * journal's sequence number at that moment. A restart replays from the checkpoint's time minus
 * the horizon (design.md, "State and recovery").
 *
 * <p>Its own connection to the file, like {@link RuleFileStore}. Thread-safety: any thread, one
 * call at a time.
 */
final class CheckpointStore implements AutoCloseable {
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS checkpoints (
                name        TEXT    PRIMARY KEY,
                event_time  INTEGER NOT NULL,
                journal_seq INTEGER NOT NULL,
                saved_at    INTEGER NOT NULL)""";

    /** One checkpoint. */
    record Checkpoint(long eventTime, long journalSeq, long savedAt) {
    }

    private final Path path;
    private final Clock clock;
    private final Connection connection;
    private boolean closed;

    private CheckpointStore(Path path, Clock clock, Connection connection) {
        this.path = path;
        this.clock = clock;
        this.connection = connection;
    }

    /** Opens the table in the store at {@code path}, creating it when missing. */
    static CheckpointStore open(Path path, Clock clock) {
        requireNonNull(path, "path is null");
        requireNonNull(clock, "clock is null");
        // NORMAL: a checkpoint lost to a power cut only makes the next start replay more.
        return new CheckpointStore(path, clock, StoreFile.open(path, "NORMAL", SCHEMA, "the checkpoints in"));
    }

    /** The engine's last checkpoint, if one was saved. */
    synchronized Optional<Checkpoint> read() {
        try (PreparedStatement p = connection.prepareStatement(
                "SELECT event_time, journal_seq, saved_at FROM checkpoints WHERE name = 'engine'")) {
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? Optional.of(new Checkpoint(rs.getLong(1), rs.getLong(2), rs.getLong(3)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw new StoreException("cannot read the checkpoint in " + path + ": " + e.getMessage(), e);
        }
    }

    /** Saves the engine's checkpoint, replacing the previous one. */
    synchronized void save(long eventTime, long journalSeq) {
        if (closed) {
            return;
        }
        try (PreparedStatement p = connection.prepareStatement("""
                INSERT INTO checkpoints (name, event_time, journal_seq, saved_at) VALUES ('engine', ?, ?, ?)
                ON CONFLICT (name) DO UPDATE SET event_time = excluded.event_time,
                journal_seq = excluded.journal_seq, saved_at = excluded.saved_at""")) {
            p.setLong(1, eventTime);
            p.setLong(2, journalSeq);
            p.setLong(3, clock.millis());
            p.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot save the checkpoint in " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.close();
        } catch (SQLException e) {
            throw new StoreException("cannot close " + path + ": " + e.getMessage(), e);
        }
    }
}
