package dev.vigil.notifier.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The outbox of a store as it stands, read with plain SQL on a connection of its own (WAL lets it
 * read while a notifier runs on the file): what tests check of deliveries not yet done.
 */
public final class Outbox {
    /** One outbox row. */
    public record Entry(String alertId, String channel, int attempts, Instant nextAttempt, Optional<String> lastError) {
    }

    private Outbox() {
    }

    /** Every row of the outbox of the store at {@code db}, oldest first. */
    public static List<Entry> of(Path db) {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT alert_id, channel, attempts, next_attempt, last_error FROM outbox ORDER BY id")) {
            List<Entry> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new Entry(rs.getString(1), rs.getString(2), rs.getInt(3), Instant.ofEpochMilli(rs.getLong(4)),
                        Optional.ofNullable(rs.getString(5))));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the outbox of " + db, e);
        }
    }
}
