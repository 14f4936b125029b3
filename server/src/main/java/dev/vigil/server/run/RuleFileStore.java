package dev.vigil.server.run;

import dev.vigil.notifier.StoreException;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Every saved version of every rule file, in the {@code rule_files} table of the store's SQLite
 * file ({@code store.path}), next to the notifier's tables: one file to back up, and stores written
 * by earlier versions, where the notifier kept this table, read as they are.
 *
 * <p>It has its own connection to the file. WAL mode lets it read while the notifier writes, the
 * busy timeout makes either wait for the other's write lock, and a save takes the write lock
 * before it reads ({@code BEGIN IMMEDIATE}), so that a notifier commit between its read and its
 * write cannot fail it.
 *
 * <p>Thread-safety: every method may be called from any thread; they run one at a time.
 */
final class RuleFileStore implements AutoCloseable {
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS rule_files (
                name     TEXT    NOT NULL,
                version  INTEGER NOT NULL,
                hash     TEXT    NOT NULL,
                text     TEXT    NOT NULL,
                saved_at INTEGER NOT NULL,
                deleted  INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (name, version))""";
    /** Every change of the rules, by whom, through the API or the watched folder. */
    private static final String AUDIT_SCHEMA = """
            CREATE TABLE IF NOT EXISTS audit (
                seq     INTEGER PRIMARY KEY AUTOINCREMENT,
                at      INTEGER NOT NULL,
                who     TEXT    NOT NULL,
                action  TEXT    NOT NULL,
                target  TEXT    NOT NULL,
                version INTEGER,
                summary TEXT    NOT NULL)""";

    /**
     * One entry of the audit log.
     *
     * @param action what was done: {@code put}, {@code delete}, {@code rollback}, {@code reload},
     *     {@code folder} (a change seen in the watched folder), {@code start}, {@code enable},
     *     {@code disable}, {@code table-put}, {@code table-patch} (rows set through the API)
     * @param target the rule file or rule it was done to
     * @param version the file version it made, when it made one
     */
    record AuditEntry(long seq, Instant at, String who, String action, String target, java.util.OptionalInt version,
                      String summary) {
    }

    private final Path path;
    private final Clock clock;
    private final Connection connection;
    private boolean closed;

    private RuleFileStore(Path path, Clock clock, Connection connection) {
        this.path = path;
        this.clock = clock;
        this.connection = connection;
    }

    /**
     * Opens the store at {@code path}, creating the file, its folder and the table when missing.
     *
     * @throws StoreException naming the path when it cannot be opened
     */
    static RuleFileStore open(Path path, Clock clock) {
        requireNonNull(path, "path is null");
        requireNonNull(clock, "clock is null");
        // FULL: a saved version is on disk before the API answers, even across a power loss.
        Connection c = StoreFile.open(path, "FULL", SCHEMA, "the store");
        try (Statement s = c.createStatement()) {
            // Stores written before versions had an author and a summary gain the two columns
            // (their old rows read as by "unknown"), and the audit log its table.
            java.util.Set<String> columns = new java.util.HashSet<>();
            try (ResultSet rs = s.executeQuery("PRAGMA table_info(rule_files)")) {
                while (rs.next()) {
                    columns.add(rs.getString("name"));
                }
            }
            if (!columns.contains("who")) {
                s.execute("ALTER TABLE rule_files ADD COLUMN who TEXT NOT NULL DEFAULT 'unknown'");
            }
            if (!columns.contains("summary")) {
                s.execute("ALTER TABLE rule_files ADD COLUMN summary TEXT NOT NULL DEFAULT ''");
            }
            s.execute(AUDIT_SCHEMA);
        } catch (SQLException e) {
            try {
                c.close();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new StoreException("cannot open the store " + path + ": " + e.getMessage(), e);
        }
        return new RuleFileStore(path, clock, c);
    }

    /**
     * Saves a rule file's text as its next version. Saving the same text again (same hash as the
     * latest version) saves nothing and gives the latest version back.
     *
     * @return the version now current: 1 for a new name
     */
    int saveRuleFileVersion(String name, String text, String hash, String who, String summary) {
        requireNonNull(name, "name is null");
        requireNonNull(text, "text is null");
        requireNonNull(hash, "hash is null");
        return saveVersion(name, text, hash, false, who, summary);
    }

    /** Records that a rule file was deleted, as its next version. @return that version */
    int saveRuleFileDeletion(String name, String who, String summary) {
        requireNonNull(name, "name is null");
        return saveVersion(name, "", "", true, who, summary);
    }

    private synchronized int saveVersion(String name, String text, String hash, boolean deleted, String who,
            String summary) {
        requireNonNull(who, "who is null");
        requireNonNull(summary, "summary is null");
        checkOpen();
        try (Statement tx = connection.createStatement();
                PreparedStatement q = connection.prepareStatement(
                        "SELECT version, hash, deleted FROM rule_files WHERE name = ? ORDER BY version DESC LIMIT 1");
                PreparedStatement i = connection.prepareStatement(
                        "INSERT INTO rule_files (name, version, hash, text, saved_at, deleted, who, summary)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            tx.execute("BEGIN IMMEDIATE");
            try {
                q.setString(1, name);
                int latest = 0;
                boolean same = false;
                try (ResultSet rs = q.executeQuery()) {
                    if (rs.next()) {
                        latest = rs.getInt(1);
                        same = rs.getString(2).equals(hash) && (rs.getInt(3) == 1) == deleted;
                    }
                }
                if (same) {
                    tx.execute("COMMIT");
                    return latest;
                }
                i.setString(1, name);
                i.setInt(2, latest + 1);
                i.setString(3, hash);
                i.setString(4, text);
                i.setLong(5, clock.millis());
                i.setInt(6, deleted ? 1 : 0);
                i.setString(7, who);
                i.setString(8, summary);
                i.executeUpdate();
                tx.execute("COMMIT");
                return latest + 1;
            } catch (SQLException e) {
                try {
                    tx.execute("ROLLBACK");
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("cannot save rule file " + name + " in " + path + ": " + e.getMessage(), e);
        }
    }

    /** The latest version of a rule file, unless there is none or it was deleted. */
    Optional<RuleFileVersion> latestRuleFile(String name) {
        requireNonNull(name, "name is null");
        return read("cannot read rule file " + name, """
                SELECT name, version, hash, text, saved_at, deleted, who, summary FROM rule_files WHERE name = ?
                ORDER BY version DESC LIMIT 1""", List.of(name))
                .stream().filter(v -> !v.deleted()).findFirst();
    }

    /** The latest version of every rule file not deleted, by name. */
    List<RuleFileVersion> latestRuleFiles() {
        return read("cannot list rule files", """
                SELECT r.name, r.version, r.hash, r.text, r.saved_at, r.deleted, r.who, r.summary FROM rule_files r
                WHERE r.version = (SELECT MAX(version) FROM rule_files x WHERE x.name = r.name) AND r.deleted = 0
                ORDER BY r.name""", List.of());
    }

    /** Every version of a rule file, oldest first. */
    List<RuleFileVersion> ruleFileVersions(String name) {
        requireNonNull(name, "name is null");
        return read("cannot read rule file " + name, """
                SELECT name, version, hash, text, saved_at, deleted, who, summary FROM rule_files WHERE name = ?
                ORDER BY version""",
                List.of(name));
    }

    private synchronized List<RuleFileVersion> read(String what, String sql, List<Object> args) {
        checkOpen();
        try (PreparedStatement s = connection.prepareStatement(sql)) {
            for (int i = 0; i < args.size(); i++) {
                s.setObject(i + 1, args.get(i));
            }
            List<RuleFileVersion> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new RuleFileVersion(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4),
                            Instant.ofEpochMilli(rs.getLong(5)), rs.getInt(6) == 1, rs.getString(7), rs.getString(8)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException(what + " in " + path + ": " + e.getMessage(), e);
        }
    }

    /** One version of a rule file, deleted or not; empty when there is no such version. */
    Optional<RuleFileVersion> ruleFileVersion(String name, int version) {
        requireNonNull(name, "name is null");
        return read("cannot read rule file " + name, """
                SELECT name, version, hash, text, saved_at, deleted, who, summary FROM rule_files
                WHERE name = ? AND version = ?""", List.of(name, version)).stream().findFirst();
    }

    /** Adds an entry to the audit log. */
    synchronized void audit(String who, String action, String target, java.util.OptionalInt version, String summary) {
        checkOpen();
        try (PreparedStatement i = connection.prepareStatement(
                "INSERT INTO audit (at, who, action, target, version, summary) VALUES (?, ?, ?, ?, ?, ?)")) {
            i.setLong(1, clock.millis());
            i.setString(2, who);
            i.setString(3, action);
            i.setString(4, target);
            if (version.isPresent()) {
                i.setInt(5, version.getAsInt());
            } else {
                i.setNull(5, java.sql.Types.INTEGER);
            }
            i.setString(6, summary);
            i.executeUpdate();
        } catch (SQLException e) {
            throw new StoreException("cannot write the audit log in " + path + ": " + e.getMessage(), e);
        }
    }

    /** The audit log, newest first, at most {@code limit} entries, before {@code beforeSeq} when given. */
    synchronized List<AuditEntry> auditLog(int limit, java.util.OptionalLong beforeSeq) {
        checkOpen();
        try (PreparedStatement s = connection.prepareStatement(
                "SELECT seq, at, who, action, target, version, summary FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?")) {
            s.setLong(1, beforeSeq.orElse(Long.MAX_VALUE));
            s.setInt(2, limit);
            List<AuditEntry> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int v = rs.getInt(6);
                    java.util.OptionalInt version = rs.wasNull() ? java.util.OptionalInt.empty()
                            : java.util.OptionalInt.of(v);
                    out.add(new AuditEntry(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                            rs.getString(4), rs.getString(5), version, rs.getString(7)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw new StoreException("cannot read the audit log in " + path + ": " + e.getMessage(), e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("the store " + path + " is closed", null);
        }
    }

    /** Closes the connection, once a save under way is done. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.close();
        } catch (SQLException e) {
            // closing anyway
        }
    }
}
