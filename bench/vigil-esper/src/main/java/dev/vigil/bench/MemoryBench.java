package dev.vigil.bench;

import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.InlineEngine;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Measurement 6: heap after N distinct cards have open sliding windows. Vigil runs the velocity rule
 * ({@code Transaction by cardId over sliding 5 min having count() >= 5}) and receives one purchase
 * for each of N distinct cards, all within 5 minutes of event time, so every card has an open
 * window (and an Esper group) when the heap is measured. Heap in use after full GCs, before the
 * first event and after the last; the difference per card is what one open window costs.
 */
public final class MemoryBench {
    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        int cards = o.getInt("cards", 1_000_000);
        Path rules = Path.of(o.get("rules", "rules/fraud.rules"));
        long base = Instant.parse("2026-11-21T08:00:00Z").toEpochMilli();
        long span = 4 * 60_000L; // all inside the 5-minute window
        AlertSink none = a -> { };
        try (InlineEngine engine = InlineEngine.create(EngineOptions.newBuilder().build(), none)) {
            engine.deploy(VigilRunner.select(rules, List.of("velocity")));
            long before = usedAfterGc();
            long t0 = System.nanoTime();
            for (int i = 0; i < cards; i++) {
                long at = base + span * i / cards;
                String line = String.format(Locale.ROOT,
                        "{\"type\": \"Transaction\", \"id\": \"m-%d\", \"data\": {\"cardId\": \"card-%07d\", \"amount\": %d.%02d,"
                                + " \"merchant\": \"m-%04d\", \"country\": \"US\", \"at\": %d}}",
                        i, i, 10 + i % 90, i % 100, i % 1000, at);
                engine.submit(((Decoded.Accepted) engine.decoder().decodeJson(line, "mem")).event());
            }
            long t1 = System.nanoTime();
            long after = usedAfterGc();
            double perCard = (after - before) / (double) cards;
            System.err.printf("%d cards: heap %d MB before, %d MB after, %.0f bytes per card (fed in %.1f s)%n",
                    cards, before >> 20, after >> 20, perCard, (t1 - t0) / 1e9);
            System.out.println("RESULT {\"measurement\": \"memory\", \"engine\": \"vigil\", \"cards\": " + cards
                    + ", \"heapBeforeBytes\": " + before + ", \"heapAfterBytes\": " + after
                    + ", \"bytesPerCard\": " + Math.round(perCard) + ", \"processed\": " + engine.processed() + "}");
        }
    }

    static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
