package dev.vigil.server.run;

import dev.vigil.notifier.StoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A connection of the server's own to the store's SQLite file ({@code store.path}), beside the
 * notifier's: WAL mode so it reads while the notifier writes, and a busy timeout so either waits for
 * the other's write lock.
 */
final class StoreFile {
    /**
     * How long a connection waits for another's write lock before failing: the notifier's own
     * setting, long enough for any one transaction of its.
     */
    static final int BUSY_TIMEOUT_MILLIS = 10_000;

    private StoreFile() {
    }

    /**
     * Opens the file, creating it and its folder when missing, and runs {@code schema}.
     *
     * @param synchronous SQLite's {@code synchronous} setting for this connection ({@code FULL}, {@code NORMAL})
     * @param what what the connection is for, in the error message
     * @throws StoreException naming the path when it cannot be opened
     */
    static Connection open(Path path, String synchronous, String schema, String what) {
        Connection c = null;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            c = DriverManager.getConnection("jdbc:sqlite:" + path.toAbsolutePath());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("PRAGMA synchronous = " + synchronous);
                s.execute(schema);
            }
            return c;
        } catch (SQLException | IOException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new StoreException("cannot open " + what + " " + path + ": " + e.getMessage(), e);
        }
    }
}
