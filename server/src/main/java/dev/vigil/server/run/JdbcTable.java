package dev.vigil.server.run;

import dev.vigil.engine.Engine;
import dev.vigil.engine.TableRows;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.TableDecl;
import dev.vigil.server.config.VigilConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A reference table loaded from a database (interfaces.md, "Tables"): the query's rows, each column
 * matched to the table's field of the same name (case-insensitive, so {@code reorder_level as
 * reorderLevel} works in databases that fold labels), at start and again every {@code refresh},
 * each load replacing the table atomically. A row that does not fit is refused with its number;
 * a query that fails leaves the rows as they were and is tried again at the next refresh.
 */
final class JdbcTable {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcTable.class);

    private final String name;
    private final VigilConfig.TableJdbc config;
    private final Engine engine;
    private final Supplier<Optional<TableDecl>> decl;
    private long lastLoad = Long.MIN_VALUE;
    private TableDecl loadedFor;

    JdbcTable(String name, VigilConfig.TableJdbc config, Engine engine, Supplier<Optional<TableDecl>> decl) {
        this.name = name;
        this.config = config;
        this.engine = engine;
        this.decl = decl;
    }

    /** Loads the table when it is due: first use, a new declaration, or {@code refresh} passed. */
    void poll(long nowMillis) throws InterruptedException {
        Optional<TableDecl> d = decl.get();
        if (d.isEmpty()) {
            return;
        }
        if (config.lookup()) {
            if (loadedFor == null || !loadedFor.sameShape(d.get())) {
                loadedFor = d.get();
                TableDecl at = d.get();
                engine.readThroughTable(name, key -> lookup(at, key), config.cacheSize(), config.cacheTtl());
                LOG.info("table {}: read through from {} (cache of {} keys for {} s)", name, config.url(),
                        config.cacheSize(), config.cacheTtl().toSeconds());
            }
            return;
        }
        boolean due = loadedFor == null || !loadedFor.sameShape(d.get())
                || nowMillis - lastLoad >= config.refresh().toMillis();
        if (!due) {
            return;
        }
        lastLoad = nowMillis;
        loadedFor = d.get();
        try {
            TableRows rows = query(d.get());
            rows.problems().forEach(p -> LOG.warn("table {}: row refused: {}", name, p));
            engine.replaceTable(rows);
            LOG.info("table {}: {} rows from {}{}", name, rows.rows().size(), config.url(),
                    rows.problems().isEmpty() ? "" : " (" + rows.problems().size() + " refused)");
        } catch (SQLException e) {
            LOG.error("table {}: the query on {} failed, the rows stay as they were: {}", name, config.url(),
                    e.getMessage());
        }
    }

    /** One connection for the lookups, opened on first use and again after a failure. */
    private Connection lookupConnection;
    private long lastLookupError;

    /**
     * A lookup's row: the query with the key's values bound to its {@code ?}s, its first row in
     * declaration order, or null for none. Called on the thread evaluating the rule.
     *
     * @throws IllegalStateException when the database cannot answer (nothing is cached then)
     */
    private synchronized Object[] lookup(TableDecl d, Object[] key) {
        try {
            if (lookupConnection == null || lookupConnection.isClosed()) {
                lookupConnection = config.user().isEmpty() ? DriverManager.getConnection(config.url())
                        : DriverManager.getConnection(config.url(), config.user(), config.password());
            }
            try (java.sql.PreparedStatement st = lookupConnection.prepareStatement(config.query())) {
                for (int i = 0; i < key.length; i++) {
                    st.setObject(i + 1, key[i]);
                }
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    TableRows rows = new TableRows(d);
                    if (!rows.add(values(d, rs), "lookup")) {
                        LOG.warn("table {}: row refused: {}", name, rows.problems().get(0));
                        return null;
                    }
                    return rows.rows().get(0);
                }
            }
        } catch (SQLException e) {
            try {
                if (lookupConnection != null) {
                    lookupConnection.close();
                }
            } catch (SQLException ignored) {
                // closing a broken connection
            }
            lookupConnection = null;
            long now = System.currentTimeMillis();
            if (now - lastLookupError > 60_000) {
                lastLookupError = now;
                LOG.error("table {}: a lookup on {} failed (no row for it, and not cached): {}", name, config.url(),
                        e.getMessage());
            }
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> values(TableDecl d, ResultSet rs) throws SQLException {
        Map<String, String> fieldOf = new HashMap<>();
        for (FieldDecl f : d.fields()) {
            fieldOf.put(f.name().toLowerCase(Locale.ROOT), f.name());
        }
        ResultSetMetaData md = rs.getMetaData();
        Map<String, Object> values = new HashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            String field = fieldOf.get(md.getColumnLabel(i).toLowerCase(Locale.ROOT));
            if (field != null) {
                values.put(field, value(rs.getObject(i)));
            }
        }
        return values;
    }

    private static Object value(Object v) {
        return v instanceof java.sql.Timestamp t ? t.toInstant().toEpochMilli()
                : v instanceof java.math.BigDecimal || v instanceof Number || v instanceof Boolean
                || v instanceof String || v == null ? v : v.toString();
    }

    private TableRows query(TableDecl d) throws SQLException {
        TableRows rows = new TableRows(d);
        Map<String, String> fieldOf = new HashMap<>();
        for (FieldDecl f : d.fields()) {
            fieldOf.put(f.name().toLowerCase(Locale.ROOT), f.name());
        }
        try (Connection c = config.user().isEmpty() ? DriverManager.getConnection(config.url())
                : DriverManager.getConnection(config.url(), config.user(), config.password());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(config.query())) {
            ResultSetMetaData md = rs.getMetaData();
            String[] fields = new String[md.getColumnCount() + 1];
            for (int i = 1; i <= md.getColumnCount(); i++) {
                fields[i] = fieldOf.get(md.getColumnLabel(i).toLowerCase(Locale.ROOT));
            }
            long n = 0;
            while (rs.next()) {
                n++;
                Map<String, Object> values = new HashMap<>();
                for (int i = 1; i < fields.length; i++) {
                    if (fields[i] != null) {
                        values.put(fields[i], value(rs.getObject(i)));
                    }
                }
                rows.add(values, "row " + n + " of the query");
            }
        }
        return rows;
    }
}
