package dev.vigil.connectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourcePositionTest {
    @Test
    void kafkaOffsets_readBackInTopicAndPartitionOrder_withDashesInTopicNames() {
        Map<KafkaSource.Partition, Long> offsets = new LinkedHashMap<>();
        offsets.put(new KafkaSource.Partition("pay-ments", 10), 7L);
        offsets.put(new KafkaSource.Partition("pay-ments", 2), 120L);
        offsets.put(new KafkaSource.Partition("a.b_c", 0), 0L);

        SourcePosition p = SourcePosition.kafkaOffsets(offsets);

        assertThat(p.value()).isEqualTo("a.b_c-0=0,pay-ments-2=120,pay-ments-10=7");
        assertThat(p.kafkaOffsets()).containsExactly(
                Map.entry(new KafkaSource.Partition("a.b_c", 0), 0L),
                Map.entry(new KafkaSource.Partition("pay-ments", 2), 120L),
                Map.entry(new KafkaSource.Partition("pay-ments", 10), 7L));
        assertThat(SourcePosition.kafkaOffsets(Map.of()).kafkaOffsets()).isEmpty();
    }

    @Test
    void fileAndJournalPositions_readBack() {
        assertThat(SourcePosition.fileOffset(1834).fileOffset()).isEqualTo(1834);
        assertThat(SourcePosition.fileOffset(1834)).hasToString("file 1834");
        assertThat(SourcePosition.journalSequence(42).journalSequence()).isEqualTo(42);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "file offset of a kafka position | not a file position: kafka t-0=1",
            "negative file offset            | a file offset must not be negative: -1",
            "negative journal sequence       | a journal sequence must not be negative: -1",
            "kafka offsets of a file         | not a kafka position: file 12",
            "kafka text without a partition  | not a Kafka position: \"t=1\"",
            "kafka text with a bad offset    | not a Kafka position: \"t-0=x\"",
            "negative kafka offset           | offset of t-0 must not be negative: -3",
    })
    void misuse_isRefusedSayingWhat(String what, String message) {
        Runnable call = switch (what.strip()) {
            case "file offset of a kafka position" -> () -> new SourcePosition("kafka", "t-0=1").fileOffset();
            case "negative file offset" -> () -> SourcePosition.fileOffset(-1);
            case "negative journal sequence" -> () -> SourcePosition.journalSequence(-1);
            case "kafka offsets of a file" -> () -> SourcePosition.fileOffset(12).kafkaOffsets();
            case "kafka text without a partition" -> () -> new SourcePosition("kafka", "t=1").kafkaOffsets();
            case "kafka text with a bad offset" -> () -> new SourcePosition("kafka", "t-0=x").kafkaOffsets();
            case "negative kafka offset" -> () -> SourcePosition.kafkaOffsets(Map.of(new KafkaSource.Partition("t", 0), -3L));
            default -> throw new IllegalArgumentException(what);
        };
        assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }
}
