package dev.vigil.connectors;

import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

import static java.util.Objects.requireNonNull;

/**
 * Where a source has got to, for checkpoints: a kind and a value whose text only that kind of
 * source reads. A file's is the byte offset of its next unread line ({@code 1834}); Kafka's the
 * committed offset of each partition ({@code payments-0=120,payments-1=87}); the journal's the
 * sequence of its next unread entry.
 *
 * @param kind {@link #FILE}, {@link #KAFKA} or {@link #JOURNAL}
 * @param value the kind's own text
 */
public record SourcePosition(String kind, String value) {
    public static final String FILE = "file";
    public static final String KAFKA = "kafka";
    public static final String JOURNAL = "journal";

    public SourcePosition {
        requireNonNull(kind, "kind is null");
        requireNonNull(value, "value is null");
    }

    /** A file's position: the byte offset of its next unread line. */
    public static SourcePosition fileOffset(long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("a file offset must not be negative: " + offset);
        }
        return new SourcePosition(FILE, Long.toString(offset));
    }

    /** The byte offset of a {@link #FILE} position. */
    public long fileOffset() {
        return number(FILE);
    }

    /** Kafka's position: per partition, the offset of the first record not done (Kafka's committed offset). */
    public static SourcePosition kafkaOffsets(Map<KafkaSource.Partition, Long> offsets) {
        StringJoiner text = new StringJoiner(",");
        offsets.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(KafkaSource.Partition::topic)
                        .thenComparingInt(KafkaSource.Partition::partition)))
                .forEach(e -> {
                    if (e.getValue() < 0) {
                        throw new IllegalArgumentException("offset of " + e.getKey() + " must not be negative: "
                                + e.getValue());
                    }
                    text.add(e.getKey() + "=" + e.getValue());
                });
        return new SourcePosition(KAFKA, text.toString());
    }

    /**
     * The offsets of a {@link #KAFKA} position, in topic and partition order. Kafka topic names
     * hold only letters, digits, {@code .}, {@code _} and {@code -}, so {@code topic-partition=offset}
     * reads back unambiguously from the last {@code -}.
     */
    public Map<KafkaSource.Partition, Long> kafkaOffsets() {
        requireKind(KAFKA);
        Map<KafkaSource.Partition, Long> out = new LinkedHashMap<>();
        if (value.isEmpty()) {
            return out;
        }
        for (String entry : value.split(",")) {
            int eq = entry.lastIndexOf('=');
            int dash = eq < 0 ? -1 : entry.lastIndexOf('-', eq);
            if (dash <= 0) {
                throw new IllegalArgumentException("not a Kafka position: \"" + value + "\"");
            }
            try {
                out.put(new KafkaSource.Partition(entry.substring(0, dash), Integer.parseInt(entry.substring(dash + 1, eq))),
                        Long.parseLong(entry.substring(eq + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a Kafka position: \"" + value + "\"", e);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /** The journal's position: the sequence of its next unread entry. */
    public static SourcePosition journalSequence(long sequence) {
        if (sequence < 0) {
            throw new IllegalArgumentException("a journal sequence must not be negative: " + sequence);
        }
        return new SourcePosition(JOURNAL, Long.toString(sequence));
    }

    /** The sequence of a {@link #JOURNAL} position. */
    public long journalSequence() {
        return number(JOURNAL);
    }

    private long number(String expected) {
        requireKind(expected);
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a " + expected + " position: \"" + value + "\"", e);
        }
    }

    private void requireKind(String expected) {
        if (!kind.equals(expected)) {
            throw new IllegalArgumentException("not a " + expected + " position: " + this);
        }
    }

    @Override
    public String toString() {
        return kind + " " + value;
    }
}
