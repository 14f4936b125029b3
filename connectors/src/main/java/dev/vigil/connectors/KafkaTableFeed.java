package dev.vigil.connectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Json;
import dev.vigil.engine.TableRows;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.TableDecl;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * A reference table kept current from a Kafka topic (interfaces.md, "Tables"): {@code upsert} (the
 * record value is the row as JSON, a null value deletes the row of the record's key) or
 * {@code debezium} (the change-event envelope: {@code op} c, u, r upsert {@code after}, d deletes
 * {@code before}'s key; the schema-wrapped {@code {"schema", "payload"}} form too; a tombstone after
 * a delete deletes the record key's row).
 *
 * <p>Every instance needs the whole table, so the feed reads every partition itself ({@code assign},
 * not a group's share). It resumes where it was: the rows and the offsets they include are written
 * to a snapshot beside the store, then the offsets are committed for the group; at start, a snapshot
 * with committed offsets for its partitions is loaded and reading goes on from those offsets, and on
 * first use (no snapshot or no committed offsets) the topic is read from its start. Records applied
 * after the last snapshot are read again after a crash; upserts and deletes in order give the same
 * rows. Each poll's records change the table together, between two events. A record that does not
 * fit is refused with its topic, partition and offset, logged, and counted.
 */
public final class KafkaTableFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaTableFeed.class);
    /** How often the rows are written to the snapshot and the offsets committed, when they changed. */
    static final Duration SNAPSHOT_EVERY = Duration.ofSeconds(2);

    /** The envelope of the topic's records. */
    public enum Format { UPSERT, DEBEZIUM }

    private final Engine engine;
    private final Supplier<TableDecl> decl;
    private final String topic;
    private final Format format;
    private final Path snapshot;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean caughtUp;
    private volatile boolean closed;

    /**
     * @param decl the table's current declaration (the rules may change it)
     * @param snapshot where the rows and their offsets are written
     * @param properties extra consumer properties
     */
    public KafkaTableFeed(Engine engine, Supplier<TableDecl> decl, String bootstrapServers, String topic,
                          Format format, String groupId, Map<String, String> properties, Path snapshot) {
        this.engine = requireNonNull(engine, "engine is null");
        this.decl = requireNonNull(decl, "decl is null");
        this.topic = requireNonNull(topic, "topic is null");
        this.format = requireNonNull(format, "format is null");
        this.snapshot = requireNonNull(snapshot, "snapshot is null");
        Properties props = new Properties();
        props.putAll(properties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "vigil-table-" + topic);
        this.thread.setDaemon(true);
    }

    public KafkaTableFeed start() {
        thread.start();
        return this;
    }

    /** Records applied to the table so far, and refused. */
    public long applied() {
        return applied.get();
    }

    public long refused() {
        return refused.get();
    }

    /** Whether the feed has read up to the end offsets it found when it started. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        try {
            // Nothing is read before the rules declare the table: records read then would be lost.
            while (!closed && decl.get() == null) {
                Thread.sleep(200);
            }
            if (closed) {
                return;
            }
            TableDecl reading = decl.get();
            List<TopicPartition> partitions = partitions();
            consumer.assign(partitions);
            Map<TopicPartition, Long> position = resume(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long lastSnapshot = System.nanoTime();
            boolean dirty = false;
            while (!closed) {
                TableDecl d = decl.get();
                if (d == null || !d.sameShape(reading)) {
                    // Declared anew (the table starts empty) or no longer: read it again from the start.
                    if (d == null) {
                        Thread.sleep(200);
                        continue;
                    }
                    LOG.info("table {}: declared anew; reading {} again from its start", d.name(), topic);
                    reading = d;
                    consumer.seekToBeginning(partitions);
                    position.clear();
                }
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    break; // closing: the last snapshot below
                }
                if (!records.isEmpty()) {
                    apply(d, records, position);
                    dirty = true;
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                    LOG.info("table {}: caught up with {} ({} records applied, {} refused)", d.name(), topic,
                            applied.get(), refused.get());
                }
                if (dirty && System.nanoTime() - lastSnapshot > SNAPSHOT_EVERY.toNanos()) {
                    snapshot(d, position);
                    dirty = false;
                    lastSnapshot = System.nanoTime();
                }
            }
            TableDecl d = decl.get();
            if (dirty && d != null && d.sameShape(reading)) {
                snapshot(d, position);
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | IOException e) {
            if (!closed) {
                LOG.error("table feed from {} stopped", topic, e);
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
        List<TopicPartition> out = new ArrayList<>();
        if (infos != null) {
            infos.forEach(p -> out.add(new TopicPartition(p.topic(), p.partition())));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " has no partitions (does it exist?)");
        }
        return out;
    }

    /**
     * Loads the snapshot and seeks to the committed offsets when both are there for every
     * partition; else reads from the start. The next offset to read per partition.
     */
    private Map<TopicPartition, Long> resume(List<TopicPartition> partitions) throws InterruptedException, IOException {
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(partitions));
        boolean all = partitions.stream().allMatch(p -> committed.get(p) != null);
        TableDecl d = decl.get();
        Map<TopicPartition, Long> position = new HashMap<>();
        if (all && d != null && Files.exists(snapshot)) {
            TableRows rows = TableFiles.read(snapshot, d);
            rows.problems().forEach(p -> LOG.warn("table {}: snapshot row refused: {}", d.name(), p));
            engine.replaceTable(rows);
            for (TopicPartition p : partitions) {
                consumer.seek(p, committed.get(p).offset());
                position.put(p, committed.get(p).offset());
            }
            LOG.info("table {}: {} rows from its snapshot, reading {} on from the committed offsets", d.name(),
                    rows.rows().size(), topic);
        } else {
            consumer.seekToBeginning(partitions);
            LOG.info("table {}: reading {} from its start", d == null ? topic : d.name(), topic);
        }
        return position;
    }

    /** One poll's records: refused ones logged, the others applied to the table together. */
    private void apply(TableDecl d, ConsumerRecords<byte[], byte[]> records, Map<TopicPartition, Long> position)
            throws InterruptedException {
        TableRows upserts = new TableRows(d);
        List<Object[]> deletes = new ArrayList<>();
        // A patch applies its deletes before its upserts: records are applied in order by applying
        // the batch at every switch between the two.
        int lastKind = 0;
        int n = 0;
        for (ConsumerRecord<byte[], byte[]> r : records) {
            position.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
            String at = r.topic() + ":" + r.partition() + ":" + r.offset();
            try {
                Change c = change(d, r);
                if (c == null) {
                    continue;
                }
                int kind = c.row != null ? 1 : 2;
                if (n > 0 && kind != lastKind) {
                    engine.patchTable(upserts, deletes);
                    applied.addAndGet(n);
                    upserts = new TableRows(d);
                    deletes = new ArrayList<>();
                    n = 0;
                }
                lastKind = kind;
                if (c.row != null) {
                    if (!upserts.add(c.row, at)) {
                        refused.incrementAndGet();
                        LOG.warn("table {}: record refused: {}", d.name(), upserts.problems().getLast());
                        continue;
                    }
                } else {
                    deletes.add(c.key);
                }
                n++;
            } catch (IllegalArgumentException e) {
                refused.incrementAndGet();
                LOG.warn("table {}: record refused: {}: {}", d.name(), at, e.getMessage());
            }
        }
        if (n > 0) {
            engine.patchTable(upserts, deletes);
            applied.addAndGet(n);
        }
    }

    /** An upsert (row) or a delete (key), or null for a record that changes nothing. */
    private record Change(Map<String, Object> row, Object[] key) {
    }

    private Change change(TableDecl d, ConsumerRecord<byte[], byte[]> r) {
        JsonNode value = r.value() == null ? null : parse(r.value(), "value");
        if (value != null && value.isObject() && value.has("payload") && value.has("schema")) {
            value = value.get("payload"); // the schema-wrapped form (JsonConverter with schemas)
        }
        if (format == Format.UPSERT || value == null || value.isNull()) {
            if (value == null || value.isNull()) {
                return new Change(null, key(d, r.key()));
            }
            if (!value.isObject()) {
                throw new IllegalArgumentException("the value is not a JSON object");
            }
            return new Change(TableFiles.values(value), null);
        }
        // Debezium's envelope.
        if (!value.isObject() || !value.has("op")) {
            throw new IllegalArgumentException("not a Debezium change event: no `op`");
        }
        String op = value.get("op").asText();
        switch (op) {
            case "c", "u", "r" -> {
                JsonNode after = value.get("after");
                if (after == null || !after.isObject()) {
                    throw new IllegalArgumentException("op `" + op + "` without an `after` row");
                }
                return new Change(TableFiles.values(after), null);
            }
            case "d" -> {
                JsonNode before = value.get("before");
                if (before != null && before.isObject()) {
                    return new Change(null, keyOf(d, TableFiles.values(before)));
                }
                return new Change(null, key(d, r.key()));
            }
            case "t", "m" -> {
                return null; // truncate and message events change no row here
            }
            default -> throw new IllegalArgumentException("unknown Debezium op `" + op + "`");
        }
    }

    private static JsonNode parse(byte[] bytes, String what) {
        try {
            return Json.mapper().readTree(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("the " + what + " is not valid JSON");
        }
    }

    /** A record key as the table's key: a JSON object (by field name, also schema-wrapped), an array, a scalar, or text. */
    private static Object[] key(TableDecl d, byte[] raw) {
        if (raw == null) {
            throw new IllegalArgumentException("a delete without a record key");
        }
        String text = new String(raw, StandardCharsets.UTF_8);
        JsonNode k;
        try {
            k = Json.mapper().readTree(text);
        } catch (IOException e) {
            k = null;
        }
        if (k != null && k.isObject() && k.has("payload") && k.has("schema")) {
            k = k.get("payload");
        }
        List<Object> parts = new ArrayList<>();
        if (k != null && k.isObject()) {
            return keyOf(d, TableFiles.values(k));
        } else if (k != null && k.isArray()) {
            k.forEach(v -> parts.add(v.isNumber() ? v.numberValue() : v.isBoolean() ? (Object) v.booleanValue()
                    : v.asText()));
        } else if (k != null && (k.isNumber() || k.isBoolean() || k.isTextual())) {
            parts.add(k.isNumber() ? k.numberValue() : k.isBoolean() ? (Object) k.booleanValue() : k.asText());
        } else {
            parts.add(text);
        }
        Map<String, Object> byName = new LinkedHashMap<>();
        if (parts.size() != d.keys().size()) {
            throw new IllegalArgumentException("the record key has " + parts.size() + " values, table " + d.name()
                    + " is keyed by " + String.join(", ", d.keys()));
        }
        for (int i = 0; i < parts.size(); i++) {
            byName.put(d.keys().get(i), parts.get(i));
        }
        return keyOf(d, byName);
    }

    /** The key fields of a row's values, converted to their types. */
    private static Object[] keyOf(TableDecl d, Map<String, Object> values) {
        Map<String, Object> keys = new LinkedHashMap<>();
        for (String k : d.keys()) {
            keys.put(k, values.get(k));
        }
        TableRows one = new TableRows(d);
        if (!one.add(keys, "key")) {
            throw new IllegalArgumentException(one.problems().get(0).message());
        }
        Object[] row = one.rows().get(0);
        Object[] key = new Object[d.keys().size()];
        List<FieldDecl> fields = d.fields();
        for (int i = 0; i < key.length; i++) {
            String name = d.keys().get(i);
            for (int j = 0; j < fields.size(); j++) {
                if (fields.get(j).name().equals(name)) {
                    key[i] = row[j];
                }
            }
        }
        return key;
    }

    /** Writes the table's rows, then commits the offsets they include. */
    private void snapshot(TableDecl d, Map<TopicPartition, Long> position) throws IOException {
        TableFiles.write(snapshot, d, engine.tableRows(d.name()));
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        position.forEach((p, o) -> commit.put(p, new OffsetAndMetadata(o)));
        // Partitions with no record read yet: their current position (the start, or the resumed offset).
        for (TopicPartition p : consumer.assignment()) {
            commit.putIfAbsent(p, new OffsetAndMetadata(consumer.position(p)));
        }
        consumer.commitSync(commit);
    }

    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
