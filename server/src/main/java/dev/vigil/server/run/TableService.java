package dev.vigil.server.run;

import dev.vigil.connectors.TableFiles;
import dev.vigil.engine.Engine;
import dev.vigil.engine.TableRows;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.TableDecl;
import dev.vigil.server.config.VigilConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Where the reference tables' rows come from in {@code vigil run} (interfaces.md, "Tables"):
 * configured files, loaded once the rules declare the table and, with {@code watch}, again when the
 * file changes (each load replaces the table atomically, between two events); and rows set through
 * the admin API ({@code PUT}, {@code PATCH}), written to {@code STORE.tables/NAME.jsonl} beside the
 * store so they survive a restart. A table with a configured file is loaded from it at every start;
 * a table without one is restored from what the API last set. A table whose declaration changes
 * starts empty and is loaded again from its source.
 */
final class TableService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TableService.class);
    /** How often configured files and re-declared tables are looked at. */
    static final long POLL_MILLIS = 1_000;

    private final Engine engine;
    private final Map<String, VigilConfig.Table> sources;
    private final Path persisted;
    /** Per table: the file's modification time at the last load, and when it was loaded. */
    private final Map<String, Loaded> loaded = new HashMap<>();
    private ScheduledExecutorService poller;
    /** The tables that follow a Kafka topic. */
    private final Map<String, dev.vigil.connectors.KafkaTableFeed> feeds = new LinkedHashMap<>();
    /** The tables loaded from a database query. */
    private final Map<String, JdbcTable> jdbc = new LinkedHashMap<>();

    private record Loaded(FileTime modified, long engineChange) {
    }

    TableService(Engine engine, Map<String, VigilConfig.Table> sources, Path store) {
        this.engine = engine;
        this.sources = sources;
        this.persisted = store.resolveSibling(store.getFileName() + ".tables");
    }

    /** Loads every declared table from its source now; then keeps watching. */
    void start() throws InterruptedException {
        sources.keySet().stream().filter(n -> decl(n).isEmpty()).forEach(n -> LOG.warn(
                "tables.{}: no rule file declares table {} (yet); its rows are loaded once one does", n, n));
        sources.forEach((name, s) -> {
            if (s.jdbc() != null) {
                jdbc.put(name, new JdbcTable(name, s.jdbc(), engine, () -> decl(name)));
            }
            if (s.kafka() != null) {
                VigilConfig.TableKafka k = s.kafka();
                feeds.put(name, new dev.vigil.connectors.KafkaTableFeed(engine, () -> decl(name).orElse(null),
                        k.bootstrapServers(), k.topic(), k.format().equals("debezium")
                        ? dev.vigil.connectors.KafkaTableFeed.Format.DEBEZIUM
                        : dev.vigil.connectors.KafkaTableFeed.Format.UPSERT, k.groupId(), k.properties(),
                        persisted.resolve(name + ".kafka.jsonl")).start());
                LOG.info("table {}: following {} ({}) at {}", name, k.topic(), k.format(), k.bootstrapServers());
            }
        });
        poll();
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-tables");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollQuietly, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("reloading tables failed", e);
        }
    }

    /** Loads each declared table whose source changed or whose declaration was (re)made since its last load. */
    synchronized void poll() throws InterruptedException {
        for (JdbcTable t : jdbc.values()) {
            t.poll(System.currentTimeMillis());
        }
        Map<String, long[]> now = engine.tables();
        for (TableDecl decl : engine.tableDecls()) {
            String name = decl.name();
            long[] state = now.get(name);
            long engineChange = state == null ? 0 : state[1];
            Loaded last = loaded.get(name);
            VigilConfig.Table source = sources.get(name);
            if (source != null && (source.kafka() != null || source.jdbc() != null)) {
                continue; // its feed or its query keeps it current
            }
            Path file = source != null ? source.file() : persisted.resolve(name + ".jsonl");
            if (source == null && !Files.exists(file)) {
                continue;
            }
            FileTime modified = modified(file);
            boolean redeclared = last == null || (state != null && state[0] == 0 && engineChange > last.engineChange);
            boolean changed = last != null && source != null && source.watch() && modified != null
                    && !modified.equals(last.modified);
            if (!redeclared && !changed) {
                continue;
            }
            if (modified == null) {
                LOG.error("tables.{}: cannot read {}: no such file", name, file);
                loaded.put(name, new Loaded(null, engineChange));
                continue;
            }
            try {
                TableRows rows = TableFiles.read(file, decl);
                rows.problems().forEach(p -> LOG.warn("table {}: row refused: {}", name, p));
                engine.replaceTable(rows);
                LOG.info("table {}: {} rows from {}{}", name, rows.rows().size(), file,
                        rows.problems().isEmpty() ? "" : " (" + rows.problems().size() + " refused)");
            } catch (IOException e) {
                LOG.error("tables.{}: cannot read {}: {}", name, file, e.getMessage());
            }
            long[] after = engine.tables().get(name);
            loaded.put(name, new Loaded(modified, after == null ? engineChange : after[1]));
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return null;
        }
    }

    Optional<TableDecl> decl(String name) {
        return engine.tableDecls().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** Where a table's rows come from, for {@code GET /api/tables}. */
    String source(String name) {
        VigilConfig.Table s = sources.get(name);
        if (s != null && s.kafka() != null) {
            return "kafka " + s.kafka().topic() + " (" + s.kafka().format() + ")";
        }
        if (s != null && s.jdbc() != null && s.jdbc().lookup()) {
            return "jdbc " + s.jdbc().url() + " (read through, cached " + s.jdbc().cacheTtl().toSeconds() + " s)";
        }
        if (s != null && s.jdbc() != null) {
            return "jdbc " + s.jdbc().url() + " (every " + s.jdbc().refresh().toSeconds() + " s)";
        }
        if (s != null) {
            return "file " + s.file() + (s.watch() ? " (watched)" : "");
        }
        return Files.exists(persisted.resolve(name + ".jsonl")) ? "api" : "none";
    }

    /**
     * Replaces a table with rows sent through the API and persists them: all or nothing.
     *
     * @return the problems (nothing changed when there are any)
     */
    synchronized List<TableRows.Problem> put(TableDecl decl, TableRows rows) throws InterruptedException, IOException {
        if (!rows.problems().isEmpty()) {
            return rows.problems();
        }
        engine.replaceTable(rows);
        persist(decl);
        return List.of();
    }

    /** Upserts and deletes through the API, and persists the table: all or nothing. */
    synchronized void patch(TableDecl decl, TableRows upserts, List<Object[]> deletes)
            throws InterruptedException, IOException {
        engine.patchTable(upserts, deletes);
        persist(decl);
    }

    /** Writes a table's rows as JSONL beside the store, atomically (a temporary file moved in place). */
    private void persist(TableDecl decl) throws IOException {
        VigilConfig.Table source = sources.get(decl.name());
        if (source != null && (source.kafka() != null || source.jdbc() != null)) {
            return; // the topic or the query is the table's source; its next load applies over the API's change
        }
        if (source != null) {
            // Loaded from its file again at the next start (or change of the watched file); the
            // API's change lasts until then.
            long[] state = engine.tables().get(decl.name());
            loaded.put(decl.name(), new Loaded(modified(source.file()), state == null ? 0 : state[1]));
            return;
        }
        Path target = persisted.resolve(decl.name() + ".jsonl");
        TableFiles.write(target, decl, engine.tableRows(decl.name()));
        long[] state = engine.tables().get(decl.name());
        loaded.put(decl.name(), new Loaded(modified(target), state == null ? 0 : state[1]));
    }

    /** The declared tables, for the API: name, rows, source, last change. */
    List<Map<String, Object>> list() {
        List<Map<String, Object>> out = new ArrayList<>();
        Map<String, long[]> state = engine.tables();
        for (TableDecl d : engine.tableDecls()) {
            long[] s = state.get(d.name());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", d.name());
            m.put("rows", s == null ? 0 : s[0]);
            m.put("source", source(d.name()));
            m.put("lastChange", s == null ? null : dev.vigil.engine.Times.format(s[1]));
            m.put("key", d.keys());
            double hit = engine.tableHitRate(d.name());
            if (hit >= 0) {
                m.put("cacheHitRate", hit);
            }
            out.add(m);
        }
        return out;
    }

    /** The tables read through from a database ({@code lookup: true}), for their cache metrics. */
    List<String> readThrough() {
        List<String> out = new ArrayList<>();
        sources.forEach((n, s) -> {
            if (s.jdbc() != null && s.jdbc().lookup()) {
                out.add(n);
            }
        });
        return out;
    }

    /** The feed of a table that follows a Kafka topic, or null. */
    dev.vigil.connectors.KafkaTableFeed feed(String name) {
        return feeds.get(name);
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
        feeds.values().forEach(dev.vigil.connectors.KafkaTableFeed::close);
    }
}
