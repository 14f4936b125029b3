package dev.vigil.connectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;
import dev.vigil.rules.RuleSet;
import dev.vigil.testing.TestBroker;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/**
 * Records per second consumed end to end (broker, consumer, decoding, watermark, engine with the
 * fraud rules, checkpoints and commits) on this machine. A measurement, not a test: it asserts
 * nothing about speed and runs only when asked, with a recording made by the generator:
 *
 * <pre>
 * java examples/generator/Generate.java fraud /tmp/kafka-bench --events 300000
 * mvn -f connectors/pom.xml test -Dtest=KafkaThroughputTest -Dvigil.kafka.bench=/tmp/kafka-bench/events.jsonl
 * </pre>
 *
 * The broker runs in the same JVM and shares the machine's cores with the consumer and the engine.
 * {@code -Dvigil.kafka.bench.rules=FILE} runs other rules (a single cheap filter shows the source's
 * own ceiling).
 */
@EnabledIfSystemProperty(named = "vigil.kafka.bench", matches = ".+")
class KafkaThroughputTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fraudRecording_recordsPerSecondEndToEnd() throws Exception {
        Path events = Path.of(System.getProperty("vigil.kafka.bench"));
        List<String> lines = Files.readAllLines(events, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
        Path rulesFile = Path.of(System.getProperty("vigil.kafka.bench.rules", "../rules/fraud.rules"));
        RuleSet rules = TestRules.compileFile(rulesFile);
        Duration lateness = Duration.ofSeconds(2);

        try (TestBroker broker = TestBroker.start()) {
            broker.createTopic("bench", 4);
            List<Map.Entry<String, String>> keyed = new ArrayList<>(lines.size());
            for (String line : lines) {
                keyed.add(Map.entry(JSON.readTree(line).path("data").path("cardId").asText(), line));
            }
            long t0 = System.nanoTime();
            broker.produce("bench", keyed);
            report("produced", lines.size(), System.nanoTime() - t0);

            for (int run = 1; run <= 3; run++) {
                AtomicLong alerts = new AtomicLong();
                AlertSink sink = new AlertSink() {
                    @Override
                    public void onAlert(Alert alert) {
                        alerts.incrementAndGet();
                    }

                    @Override
                    public void onSuppressed(Alert alert, String reason) {
                    }
                };
                try (Engine engine = Engine.start(EngineOptions.newBuilder().lateness(lateness).build(), sink)) {
                    engine.deploy(rules);
                    AtomicLong handed = new AtomicLong();
                    long start = System.nanoTime();
                    KafkaSource source = KafkaSource.newBuilder(engine).bootstrapServers(broker.bootstrapServers())
                            .topics(List.of("bench")).groupId("bench-" + run)
                            .properties(Map.of("auto.offset.reset", "earliest")).lateness(lateness)
                            .listener(new KafkaSource.Listener() {
                                @Override
                                public void accepted(KafkaSource.Partition partition, long offset, Event event) {
                                    handed.incrementAndGet();
                                }

                                @Override
                                public void rejected(KafkaSource.Partition partition, long offset, Rejection r) {
                                    throw new AssertionError(r.toString());
                                }
                            })
                            .build().start();
                    try {
                        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(20))
                                .until(() -> handed.get() == lines.size());
                        engine.now();
                        long nanos = System.nanoTime() - start;
                        report("run " + run + ": consumed and processed (" + alerts.get() + " alerts so far, peak buffered "
                                + source.stats().peakBuffered() + ", pauses " + source.stats().pauses() + ")",
                                lines.size(), nanos);
                    } finally {
                        source.close();
                    }
                }
            }

            // The same events through the engine straight from memory: the engine's own ceiling here.
            try (Engine engine = Engine.start(EngineOptions.newBuilder().lateness(lateness).build(), new AlertSink() {
                @Override
                public void onAlert(Alert alert) {
                }

                @Override
                public void onSuppressed(Alert alert, String reason) {
                }
            })) {
                engine.deploy(rules);
                long start = System.nanoTime();
                EventFiles.readJsonl("bench", new java.io.StringReader(String.join("\n", lines)), engine::decoder,
                        new EventFiles.Handler() {
                            @Override
                            public void onEvent(Event event) throws InterruptedException {
                                engine.submit(event);
                            }

                            @Override
                            public void onRejected(Rejection rejection) {
                            }
                        });
                engine.now();
                report("replay from memory, same engine settings", lines.size(), System.nanoTime() - start);
            }
        }
    }

    private static void report(String what, long records, long nanos) {
        System.out.printf("%s: %d records in %.2f s = %.0f records/s%n", what, records, nanos / 1e9,
                records / (nanos / 1e9));
    }
}
