package dev.vigil.server.corpus;

import java.util.List;

/**
 * Records of {@code kafka.yaml} that are not valid events, and the exact reason each is rejected with.
 *
 * @param records produced in order to partition 0 of the corpus topic, then a good event
 * @param reasons the reason of each rejection, in order; the rejection must name the record's topic,
 *     partition and offset
 * @param reasonPrefixes instead of reasons: a prefix of each, where the reason holds the wall clock
 * @param defect for a case of a known defect: what is wrong today
 */
record KafkaCase(String name, List<KafkaRecord> records, List<String> reasons, List<String> reasonPrefixes,
                 String defect) {
    /**
     * One record: its value as UTF-8 {@code value}, as {@code bytes} (one byte per character), or no
     * value at all ({@code tombstone}).
     */
    record KafkaRecord(String key, String value, String bytes, Boolean tombstone) {
    }

    @Override
    public String toString() {
        return name;
    }
}
