package dev.vigil.notifier.internal.store;

import dev.vigil.engine.Alert;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Json;
import dev.vigil.notifier.AlertHistory;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.DeadLetter;
import dev.vigil.notifier.DeliveryAttempt;
import dev.vigil.notifier.DeliveryState;
import dev.vigil.notifier.OutboxEntry;
import dev.vigil.notifier.StoreCounts;
import dev.vigil.notifier.StoreException;
import dev.vigil.notifier.StoredAlert;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The notifier's embedded SQLite database (WAL mode): the alert history (suppressed alerts
 * included, with the reason), the outbox (one row per alert and channel still to deliver), and the
 * delivered and dead-lettered deliveries, and every delivery attempt with the receiver's answer. Other tables of the same file (the server keeps the rule
 * files' versions there) are not its business.
 *
 * <p>An alert and its outbox rows are written in one transaction, before any channel is called;
 * an outbox row leaves only when its channel confirmed the delivery or gave it up (then it becomes
 * a dead letter). So whatever is in the outbox when a process dies is delivered by the next one.
 * The notifier and its channel workers write through it; the admin API reads it as
 * {@link AlertHistory}.
 *
 * <p>Thread-safety: every method may be called from any thread. Writes go through one connection,
 * one at a time; queries through a second one, which WAL lets read while a write is under way.
 */
public final class NotifierStore implements AlertHistory, AutoCloseable {
    /** Schema version in {@code PRAGMA user_version}: a store written by a newer version is refused. */
    private static final int SCHEMA_VERSION = 1;

    /**
     * How long a connection waits for another process's write lock before failing: long enough
     * for any one transaction of ours, short enough to report a stuck second process.
     */
    private static final int BUSY_TIMEOUT_MILLIS = 10_000;

    private static final String[] SCHEMA = {
        """
        CREATE TABLE IF NOT EXISTS alerts (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            id         TEXT    NOT NULL UNIQUE,
            rule       TEXT    NOT NULL,
            status     TEXT    NOT NULL,
            severity   TEXT    NOT NULL,
            time       INTEGER NOT NULL,
            raised_at  INTEGER NOT NULL,
            stored_at  INTEGER NOT NULL,
            suppressed TEXT,
            json       TEXT    NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS alerts_by_rule ON alerts (rule, seq)",
        "CREATE INDEX IF NOT EXISTS alerts_by_raised ON alerts (raised_at)",
        """
        CREATE TABLE IF NOT EXISTS outbox (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            alert_id     TEXT    NOT NULL REFERENCES alerts (id),
            channel      TEXT    NOT NULL,
            created_at   INTEGER NOT NULL,
            attempts     INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER NOT NULL,
            last_error   TEXT,
            done_parts   TEXT    NOT NULL DEFAULT '',
            UNIQUE (alert_id, channel))""",
        "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (channel, next_attempt)",
        """
        CREATE TABLE IF NOT EXISTS delivered (
            alert_id     TEXT    NOT NULL REFERENCES alerts (id),
            channel      TEXT    NOT NULL,
            attempts     INTEGER NOT NULL,
            delivered_at INTEGER NOT NULL,
            PRIMARY KEY (alert_id, channel))""",
        """
        CREATE TABLE IF NOT EXISTS dead_letters (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            alert_id   TEXT    NOT NULL REFERENCES alerts (id),
            channel    TEXT    NOT NULL,
            attempts   INTEGER NOT NULL,
            last_error TEXT    NOT NULL,
            failed_at  INTEGER NOT NULL,
            done_parts TEXT    NOT NULL DEFAULT '')""",
        // Every attempt whose result was recorded (added after schema version 1 shipped; IF NOT
        // EXISTS gives older stores the table, and a Vigil that does not know it ignores it). The
        // attempt number is the next after those already recorded for the alert and channel, not
        // the outbox row's count, which a retry from the dead letters starts again at 0.
        """
        CREATE TABLE IF NOT EXISTS attempts (
            alert_id TEXT    NOT NULL,
            channel  TEXT    NOT NULL,
            attempt  INTEGER NOT NULL,
            at       INTEGER NOT NULL,
            result   TEXT    NOT NULL,
            answer   TEXT    NOT NULL,
            PRIMARY KEY (alert_id, channel, attempt))""",
    };

    private final Path path;
    private final Clock clock;
    private final Connection writer;
    private final Connection reader;
    private boolean closed;

    private NotifierStore(Path path, Clock clock, Connection writer, Connection reader) {
        this.path = path;
        this.clock = clock;
        this.writer = writer;
        this.reader = reader;
    }

    /**
     * Opens the database at {@code path}, creating the file, its folder and the tables when
     * missing.
     *
     * @throws StoreException naming the path when it cannot be opened
     */
    public static NotifierStore open(Path path, Clock clock) {
        requireNonNull(path, "path is null");
        requireNonNull(clock, "clock is null");
        Connection w = null;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            String url = "jdbc:sqlite:" + path.toAbsolutePath();
            w = DriverManager.getConnection(url);
            try (Statement s = w.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
                s.execute("PRAGMA journal_mode = WAL");
                // FULL: a commit is on disk before the channel is called, even across a power loss.
                s.execute("PRAGMA synchronous = FULL");
                s.execute("PRAGMA foreign_keys = ON");
                int version;
                try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                    version = rs.next() ? rs.getInt(1) : 0;
                }
                if (version > SCHEMA_VERSION) {
                    throw new StoreException("store " + path + " has schema version " + version
                            + ", newer than this Vigil's " + SCHEMA_VERSION, null);
                }
                w.setAutoCommit(false);
                for (String ddl : SCHEMA) {
                    s.execute(ddl);
                }
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
                w.commit();
            }
            Connection r = DriverManager.getConnection(url);
            try (Statement s = r.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
                s.execute("PRAGMA query_only = ON");
            }
            return new NotifierStore(path, clock, w, r);
        } catch (SQLException | IOException e) {
            if (w != null) {
                try {
                    w.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw new StoreException("cannot open the store " + path + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path path() {
        return path;
    }

    // ---------------------------------------------------------------- writes (notifier threads)

    /** An alert to record, with the channels it goes to (none when suppressed). */
    public record NewAlert(String id, String rule, String status, String severity, long time, long raisedAt, String json,
            Optional<String> suppressed, List<String> channels) {
    }

    /**
     * What {@link #write} did.
     *
     * @param channels channels that got new outbox rows
     * @param duplicates alerts already in the history, skipped (replays yield the same ids)
     */
    public record WriteResult(Set<String> channels, int duplicates, int deadOnArrival) {
    }

    /**
     * Records alerts and their outbox rows in one transaction. An alert whose id is already stored
     * is skipped with its rows: deliveries are deduplicated by id. A channel not in
     * {@code knownChannels} gets a dead letter at once, since nothing could ever deliver it.
     */
    public WriteResult write(List<NewAlert> alerts, Set<String> knownChannels) {
        long now = clock.millis();
        Set<String> touched = new LinkedHashSet<>();
        int duplicates = 0;
        int dead = 0;
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement ia = writer.prepareStatement("""
                    INSERT INTO alerts (id, rule, status, severity, time, raised_at, stored_at, suppressed, json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING""");
                    PreparedStatement io = writer.prepareStatement("""
                            INSERT INTO outbox (alert_id, channel, created_at, next_attempt) VALUES (?, ?, ?, ?)
                            ON CONFLICT (alert_id, channel) DO NOTHING""");
                    PreparedStatement id = writer.prepareStatement("""
                            INSERT INTO dead_letters (alert_id, channel, attempts, last_error, failed_at) VALUES (?, ?, 0, ?, ?)""")) {
                for (NewAlert a : alerts) {
                    ia.setString(1, a.id());
                    ia.setString(2, a.rule());
                    ia.setString(3, a.status());
                    ia.setString(4, a.severity());
                    ia.setLong(5, a.time());
                    ia.setLong(6, a.raisedAt());
                    ia.setLong(7, now);
                    ia.setString(8, a.suppressed().orElse(null));
                    ia.setString(9, a.json());
                    if (ia.executeUpdate() == 0) {
                        duplicates++;
                        continue;
                    }
                    for (String c : a.channels()) {
                        if (knownChannels.contains(c)) {
                            io.setString(1, a.id());
                            io.setString(2, c);
                            io.setLong(3, now);
                            io.setLong(4, now);
                            io.executeUpdate();
                            touched.add(c);
                        } else {
                            id.setString(1, a.id());
                            id.setString(2, c);
                            id.setString(3, "unknown channel \"" + c + "\"");
                            id.setLong(4, now);
                            id.executeUpdate();
                            dead++;
                        }
                    }
                }
                writer.commit();
            } catch (SQLException e) {
                throw rollback("cannot record " + alerts.size() + " alerts", e);
            }
        }
        return new WriteResult(touched, duplicates, dead);
    }

    /** An outbox row with its alert, ready for a channel. */
    public record OutboxRow(long id, String alertId, String channel, Instant createdAt, int attempts, Set<String> doneParts,
            String json) {
    }

    /** Up to {@code limit} rows of {@code channel} due at {@code now}, earliest first. */
    public List<OutboxRow> due(String channel, Instant now, int limit) {
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement s = writer.prepareStatement("""
                    SELECT o.id, o.alert_id, o.channel, o.created_at, o.attempts, o.done_parts, a.json
                    FROM outbox o JOIN alerts a ON a.id = o.alert_id
                    WHERE o.channel = ? AND o.next_attempt <= ?
                    ORDER BY o.next_attempt, o.id LIMIT ?""")) {
                s.setString(1, channel);
                s.setLong(2, now.toEpochMilli());
                s.setInt(3, limit);
                List<OutboxRow> out = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(new OutboxRow(rs.getLong(1), rs.getString(2), rs.getString(3),
                                Instant.ofEpochMilli(rs.getLong(4)), rs.getInt(5), parts(rs.getString(6)), rs.getString(7)));
                    }
                }
                writer.commit();
                return out;
            } catch (SQLException e) {
                throw rollback("cannot read the outbox of " + channel, e);
            }
        }
    }

    /** When the earliest row of {@code channel} not yet due at {@code now} is due, if any. */
    public Optional<Instant> nextDueAfter(String channel, Instant now) {
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement s = writer.prepareStatement(
                    "SELECT MIN(next_attempt) FROM outbox WHERE channel = ? AND next_attempt > ?")) {
                s.setString(1, channel);
                s.setLong(2, now.toEpochMilli());
                Optional<Instant> next;
                try (ResultSet rs = s.executeQuery()) {
                    long v = rs.next() ? rs.getLong(1) : 0;
                    next = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
                }
                // After the result set is closed: a query still open keeps its read snapshot into
                // the next transaction, whose first write then fails once another connection wrote.
                writer.commit();
                return next;
            } catch (SQLException e) {
                throw rollback("cannot read the outbox of " + channel, e);
            }
        }
    }

    /**
     * The channel confirmed the delivery: the row leaves the outbox, and the attempt is recorded
     * with {@code answer}, what the receiver said ({@code sent}, {@code HTTP 200}).
     */
    public void delivered(OutboxRow row, int attempts, String answer) {
        requireNonNull(answer, "answer is null");
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement d = writer.prepareStatement("DELETE FROM outbox WHERE id = ?");
                    PreparedStatement i = writer.prepareStatement("""
                            INSERT INTO delivered (alert_id, channel, attempts, delivered_at) VALUES (?, ?, ?, ?)
                            ON CONFLICT (alert_id, channel) DO UPDATE SET attempts = excluded.attempts,
                                delivered_at = excluded.delivered_at""")) {
                d.setLong(1, row.id());
                d.executeUpdate();
                i.setString(1, row.alertId());
                i.setString(2, row.channel());
                i.setInt(3, attempts);
                long now = clock.millis();
                i.setLong(4, now);
                i.executeUpdate();
                recordAttempt(row, now, "delivered", answer);
                writer.commit();
            } catch (SQLException e) {
                throw rollback("cannot record the delivery of " + row.alertId() + " to " + row.channel(), e);
            }
        }
    }

    /**
     * Records one attempt in the transaction under way (the caller holds the writer), numbered
     * after those already recorded for its alert and channel: unique even after a retry from the
     * dead letters has started the outbox row's count again.
     */
    private void recordAttempt(OutboxRow row, long at, String result, String answer) throws SQLException {
        try (PreparedStatement i = writer.prepareStatement("""
                INSERT INTO attempts (alert_id, channel, attempt, at, result, answer)
                SELECT ?, ?, COALESCE(MAX(attempt), 0) + 1, ?, ?, ? FROM attempts WHERE alert_id = ? AND channel = ?""")) {
            i.setString(1, row.alertId());
            i.setString(2, row.channel());
            i.setLong(3, at);
            i.setString(4, result);
            i.setString(5, answer);
            i.setString(6, row.alertId());
            i.setString(7, row.channel());
            i.executeUpdate();
        }
    }

    /**
     * Makes every row of {@code channel} that waits for a retry (it failed at least once and is
     * due after {@code now}) due at {@code now}: its receiver took a delivery again. The number
     * of rows made due.
     */
    public int retryWaitingNow(String channel, Instant now) {
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement u = writer.prepareStatement(
                    "UPDATE outbox SET next_attempt = ? WHERE channel = ? AND attempts > 0 AND next_attempt > ?")) {
                u.setLong(1, now.toEpochMilli());
                u.setString(2, channel);
                u.setLong(3, now.toEpochMilli());
                int n = u.executeUpdate();
                writer.commit();
                return n;
            } catch (SQLException e) {
                throw rollback("cannot make the waiting retries of " + channel + " due", e);
            }
        }
    }

    /**
     * The attempt failed and is to be retried at {@code at}: {@code error} becomes the row's last
     * error, and the attempt is recorded with {@code answer}, what the receiver said.
     */
    public void retryAt(OutboxRow row, int attempts, Instant at, String error, String answer, Set<String> doneParts) {
        requireNonNull(answer, "answer is null");
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement u = writer.prepareStatement("""
                    UPDATE outbox SET attempts = ?, next_attempt = ?, last_error = ?, done_parts = ? WHERE id = ?""")) {
                u.setInt(1, attempts);
                u.setLong(2, at.toEpochMilli());
                u.setString(3, error);
                u.setString(4, String.join("\n", doneParts));
                u.setLong(5, row.id());
                u.executeUpdate();
                recordAttempt(row, clock.millis(), "retry", answer);
                writer.commit();
            } catch (SQLException e) {
                throw rollback("cannot reschedule " + row.alertId() + " on " + row.channel(), e);
            }
        }
    }

    /**
     * The delivery is given up: the row moves from the outbox to the dead letters with
     * {@code error} as its reason, and the attempt is recorded as {@code failed} with
     * {@code answer}, what the receiver said.
     */
    public void deadLetter(OutboxRow row, int attempts, String error, String answer, Set<String> doneParts) {
        requireNonNull(answer, "answer is null");
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement i = writer.prepareStatement("""
                    INSERT INTO dead_letters (alert_id, channel, attempts, last_error, failed_at, done_parts)
                    VALUES (?, ?, ?, ?, ?, ?)""");
                    PreparedStatement d = writer.prepareStatement("DELETE FROM outbox WHERE id = ?")) {
                i.setString(1, row.alertId());
                i.setString(2, row.channel());
                i.setInt(3, attempts);
                i.setString(4, error);
                long now = clock.millis();
                i.setLong(5, now);
                i.setString(6, String.join("\n", doneParts));
                i.executeUpdate();
                d.setLong(1, row.id());
                d.executeUpdate();
                recordAttempt(row, now, "failed", answer);
                writer.commit();
            } catch (SQLException e) {
                throw rollback("cannot dead-letter " + row.alertId() + " on " + row.channel(), e);
            }
        }
    }

    /**
     * Moves a dead letter back to the outbox, due now, with a fresh {@code maxAge}.
     *
     * @return its channel, or empty when there is no such dead letter (or it is already pending)
     */
    public Optional<String> retryDeadLetter(long id, Set<String> knownChannels) {
        long now = clock.millis();
        synchronized (writer) {
            checkOpen();
            try (PreparedStatement q = writer.prepareStatement(
                    "SELECT alert_id, channel, done_parts FROM dead_letters WHERE id = ?");
                    PreparedStatement i = writer.prepareStatement("""
                            INSERT INTO outbox (alert_id, channel, created_at, next_attempt, done_parts)
                            VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_id, channel) DO NOTHING""");
                    PreparedStatement d = writer.prepareStatement("DELETE FROM dead_letters WHERE id = ?")) {
                q.setLong(1, id);
                String alertId;
                String channel;
                String parts;
                try (ResultSet rs = q.executeQuery()) {
                    if (!rs.next()) {
                        writer.commit();
                        return Optional.empty();
                    }
                    alertId = rs.getString(1);
                    channel = rs.getString(2);
                    parts = rs.getString(3);
                }
                if (!knownChannels.contains(channel)) {
                    writer.commit();
                    return Optional.empty();
                }
                i.setString(1, alertId);
                i.setString(2, channel);
                i.setLong(3, now);
                i.setLong(4, now);
                i.setString(5, parts);
                int moved = i.executeUpdate();
                d.setLong(1, id);
                d.executeUpdate();
                writer.commit();
                return moved == 1 ? Optional.of(channel) : Optional.empty();
            } catch (SQLException e) {
                throw rollback("cannot retry dead letter " + id, e);
            }
        }
    }

    // ---------------------------------------------------------------- queries (admin API)

    @Override
    public List<StoredAlert> alerts(AlertQuery query) {
        requireNonNull(query, "query is null");
        StringBuilder sql = new StringBuilder(
                "SELECT id, rule, status, severity, time, raised_at, suppressed, json FROM alerts WHERE 1 = 1");
        List<Object> args = new ArrayList<>();
        query.rule().ifPresent(r -> {
            sql.append(" AND rule = ?");
            args.add(r);
        });
        query.status().ifPresent(s -> {
            if (s.equals("suppressed")) {
                sql.append(" AND suppressed IS NOT NULL");
            } else {
                sql.append(" AND status = ?");
                args.add(s);
            }
        });
        query.since().ifPresent(t -> {
            sql.append(" AND raised_at >= ?");
            args.add(t.toEpochMilli());
        });
        sql.append(" ORDER BY seq DESC LIMIT ?");
        args.add(query.limit());
        return read("cannot list alerts", sql.toString(), args, rs -> new StoredAlert(rs.getString(1), rs.getString(2),
                rs.getString(3), rs.getString(4), Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6)),
                Optional.ofNullable(rs.getString(7)), rs.getString(8)));
    }

    @Override
    public Optional<StoredAlert> alert(String id) {
        requireNonNull(id, "id is null");
        return read("cannot read alert " + id,
                "SELECT id, rule, status, severity, time, raised_at, suppressed, json FROM alerts WHERE id = ?",
                List.of(id), rs -> new StoredAlert(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6)),
                        Optional.ofNullable(rs.getString(7)), rs.getString(8))).stream().findFirst();
    }

    @Override
    public List<Engine.PriorAlert> priorAlerts(List<Engine.RestoreNeed> needs, long before) {
        requireNonNull(needs, "needs is null");
        List<Engine.PriorAlert> out = new ArrayList<>();
        for (Engine.RestoreNeed need : needs) {
            String rule = need.rule();
            if (need.openAlerts()) {
                // SQLite: with MAX(), the bare columns come from the row holding the maximum.
                out.addAll(read("cannot read the open alerts of " + rule, """
                        SELECT json_extract(json, '$.key'), status, suppressed IS NULL, MAX(time),
                               json_extract(json, '$.shadow') IS 1 FROM alerts
                        WHERE rule = ? AND time < ? GROUP BY json_extract(json, '$.key')""", List.of(rule, before),
                        rs -> prior(rule, rs.getString(1), rs.getString(2), rs.getBoolean(3), true, rs.getLong(4),
                                rs.getBoolean(5), false)));
                // The latest firing per key at any time, with its mode: the replay raises it again.
                out.addAll(read("cannot read the episodes of " + rule, """
                        SELECT json_extract(json, '$.key'), MAX(time), json_extract(json, '$.shadow') IS 1 FROM alerts
                        WHERE rule = ? AND status = 'firing' GROUP BY json_extract(json, '$.key')""", List.of(rule),
                        rs -> prior(rule, rs.getString(1), "firing", false, false, rs.getLong(2), rs.getBoolean(3),
                                true)));
            }
            if (need.throttleMillis() > 0) {
                out.addAll(read("cannot read the throttle of " + rule, """
                        SELECT json_extract(json, '$.key'), MAX(time) FROM alerts
                        WHERE rule = ? AND status = 'firing' AND suppressed IS NULL AND time < ? AND time >= ?
                        GROUP BY json_extract(json, '$.key')""",
                        List.of(rule, before, before - need.throttleMillis()),
                        rs -> prior(rule, rs.getString(1), "firing", true, false, rs.getLong(2), false, false)));
            }
        }
        return out;
    }

    private static Engine.PriorAlert prior(String rule, String keyJson, String status, boolean sent, boolean latest,
            long time, boolean shadow, boolean episode) {
        Map<String, Object> key;
        try {
            key = keyJson == null ? Map.of() : Json.mapper().readValue(keyJson,
                    new com.fasterxml.jackson.core.type.TypeReference<java.util.LinkedHashMap<String, Object>>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new StoreException("alert key of rule " + rule + " is not JSON: " + keyJson, e);
        }
        return new Engine.PriorAlert(rule, key, status.equals("resolved") ? Alert.Status.RESOLVED : Alert.Status.FIRING,
                sent, latest, time, shadow, episode);
    }

    @Override
    public List<DeadLetter> deadLetters() {
        return read("cannot list dead letters", """
                SELECT d.id, d.alert_id, d.channel, d.attempts, d.last_error, d.failed_at, a.json
                FROM dead_letters d JOIN alerts a ON a.id = d.alert_id ORDER BY d.id DESC""", List.of(),
                rs -> new DeadLetter(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5),
                        Instant.ofEpochMilli(rs.getLong(6)), rs.getString(7)));
    }

    @Override
    public long pending() {
        return count("SELECT COUNT(*) FROM outbox", List.of());
    }

    @Override
    public long deadLetters(String channel) {
        requireNonNull(channel, "channel is null");
        return count("SELECT COUNT(*) FROM dead_letters WHERE channel = ?", List.of(channel));
    }

    @Override
    public List<DeliveryState> deliveries(String alertId) {
        requireNonNull(alertId, "alertId is null");
        return read("cannot read the deliveries of alert " + alertId, """
                SELECT channel, state, attempts, last_error, next_attempt, delivered_at, dead_id FROM (
                    SELECT channel, 'pending' AS state, attempts, last_error, next_attempt, NULL AS delivered_at,
                           NULL AS dead_id, id AS seq FROM outbox WHERE alert_id = ?
                    UNION ALL
                    SELECT channel, 'delivered', attempts, NULL, NULL, delivered_at, NULL, 0 FROM delivered
                    WHERE alert_id = ?
                    UNION ALL
                    SELECT channel, 'dead', attempts, last_error, NULL, NULL, id, id FROM dead_letters
                    WHERE alert_id = ?)
                ORDER BY channel, seq""", List.of(alertId, alertId, alertId), rs -> {
                    String channel = rs.getString(1);
                    String state = rs.getString(2);
                    int attempts = rs.getInt(3);
                    Optional<String> lastError = Optional.ofNullable(rs.getString(4));
                    long next = rs.getLong(5);
                    Optional<Instant> nextAttempt = rs.wasNull() ? Optional.empty()
                            : Optional.of(Instant.ofEpochMilli(next));
                    long delivered = rs.getLong(6);
                    Optional<Instant> deliveredAt = rs.wasNull() ? Optional.empty()
                            : Optional.of(Instant.ofEpochMilli(delivered));
                    long dead = rs.getLong(7);
                    OptionalLong deadId = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(dead);
                    return new DeliveryState(channel, state, attempts, lastError, nextAttempt, deliveredAt, deadId);
                });
    }

    @Override
    public List<DeliveryAttempt> attempts(String alertId) {
        requireNonNull(alertId, "alertId is null");
        return read("cannot read the attempts of alert " + alertId,
                "SELECT channel, attempt, at, result, answer FROM attempts WHERE alert_id = ? ORDER BY channel, attempt",
                List.of(alertId), rs -> new DeliveryAttempt(rs.getString(1), rs.getInt(2),
                        Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4), rs.getString(5)));
    }

    @Override
    public List<OutboxEntry> outbox(Optional<String> channel, int limit) {
        requireNonNull(channel, "channel is null");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        List<Object> args = new ArrayList<>();
        channel.ifPresent(args::add);
        args.add(limit);
        return read("cannot list the outbox", """
                SELECT o.id, o.alert_id, o.channel, o.created_at, o.attempts, o.next_attempt, o.last_error, a.json
                FROM outbox o JOIN alerts a ON a.id = o.alert_id"""
                + (channel.isPresent() ? " WHERE o.channel = ?" : "") + " ORDER BY o.next_attempt, o.id LIMIT ?",
                args, rs -> new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getString(3),
                        Instant.ofEpochMilli(rs.getLong(4)), rs.getInt(5), Instant.ofEpochMilli(rs.getLong(6)),
                        Optional.ofNullable(rs.getString(7)), rs.getString(8)));
    }

    /** Deliveries waiting in the outbox for one channel. */
    public long pending(String channel) {
        return count("SELECT COUNT(*) FROM outbox WHERE channel = ?", List.of(channel));
    }

    @Override
    public StoreCounts counts() {
        return read("cannot count", """
                SELECT (SELECT COUNT(*) FROM alerts), (SELECT COUNT(*) FROM alerts WHERE suppressed IS NOT NULL),
                       (SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM delivered), (SELECT COUNT(*) FROM dead_letters)""",
                List.of(), rs -> new StoreCounts(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)))
                .get(0);
    }

    // ---------------------------------------------------------------- plumbing

    @FunctionalInterface
    private interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> List<T> read(String what, String sql, List<Object> args, RowMapper<T> mapper) {
        synchronized (reader) {
            checkOpen();
            try (PreparedStatement s = reader.prepareStatement(sql)) {
                for (int i = 0; i < args.size(); i++) {
                    s.setObject(i + 1, args.get(i));
                }
                List<T> out = new ArrayList<>();
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        out.add(mapper.map(rs));
                    }
                }
                return out;
            } catch (SQLException e) {
                throw new StoreException(what + " in " + path + ": " + e.getMessage(), e);
            }
        }
    }

    private long count(String sql, List<Object> args) {
        return read("cannot count", sql, args, rs -> rs.getLong(1)).get(0);
    }

    private StoreException rollback(String what, SQLException e) {
        try {
            writer.rollback();
        } catch (SQLException suppressed) {
            e.addSuppressed(suppressed);
        }
        return new StoreException(what + " in " + path + ": " + e.getMessage(), e);
    }

    private static Set<String> parts(String text) {
        return text == null || text.isEmpty() ? Set.of() : new HashSet<>(Arrays.asList(text.split("\n")));
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        synchronized (writer) {
            return closed;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new StoreException("the store " + path + " is closed", null);
        }
    }

    /** Closes both connections; work not committed is lost, as in a crash (the outbox keeps it). */
    @Override
    public void close() {
        synchronized (writer) {
            synchronized (reader) {
                if (closed) {
                    return;
                }
                closed = true;
                try {
                    reader.close();
                } catch (SQLException e) {
                    // closing anyway
                }
                try {
                    writer.close();
                } catch (SQLException e) {
                    // closing anyway
                }
            }
        }
    }
}
