package dev.vigil.server.run;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reports heap pressure before the JVM runs out: when the heap is still more than
 * {@link #THRESHOLD} full right after a garbage collection, it is filling with live state
 * (windows, partial matches, keys), not garbage. It then logs an error naming the likely causes
 * (at most once a minute) and counts {@code vigil_heap_pressure_events};
 * {@code vigil_heap_used_after_gc_ratio} shows the level after the last collection. It drops no
 * state itself: the per-rule caps do that.
 */
final class HeapGuard {
    private static final Logger LOG = LoggerFactory.getLogger(HeapGuard.class);
    /** Full enough after a collection that the next growth may not fit; leaves time to react. */
    static final double THRESHOLD = 0.85;
    private static final long LOG_EVERY_MILLIS = 60_000;

    private HeapGuard() {
    }

    /** Starts watching; closing stops it (several servers in one JVM each watch while they run). */
    static AutoCloseable install(MeterRegistry registry) {
        Counter pressure = Counter.builder("vigil.heap.pressure.events")
                .description("Collections after which the heap was still more than 85 % full").register(registry);
        AtomicLong lastRatioPermille = new AtomicLong();
        AtomicLong lastLog = new AtomicLong(Long.MIN_VALUE);
        Gauge.builder("vigil.heap.used.after.gc.ratio", lastRatioPermille, v -> v.get() / 1000.0)
                .description("Heap in use right after the last collection, as a share of the maximum heap")
                .register(registry);
        long max = Runtime.getRuntime().maxMemory();
        NotificationListener listener = (notification, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                return;
            }
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
            long used = 0;
            for (MemoryUsage u : info.getGcInfo().getMemoryUsageAfterGc().values()) {
                used += u.getUsed();
            }
            // Non-heap pools (metaspace, code cache) are in the map too; they are small against a heap.
            double ratio = (double) used / max;
            lastRatioPermille.set(Math.round(ratio * 1000));
            if (ratio > THRESHOLD) {
                long now = System.currentTimeMillis();
                long last = lastLog.get();
                if ((last == Long.MIN_VALUE || now - last >= LOG_EVERY_MILLIS) && lastLog.compareAndSet(last, now)) {
                    LOG.error("heap {} % full after a collection ({} of {} MB): the live state is near the heap's"
                            + " size; look at rules with many keys or partial matches (/api/rules counts,"
                            + " rules.maxPartialMatches) or give the JVM more heap (VIGIL_JAVA_OPTS=-Xmx...)",
                            Math.round(100 * ratio), used >> 20, max >> 20);
                }
                pressure.increment(); // after the log line: whoever sees the count finds the line written
            }
        };
        List<NotificationEmitter> emitters = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
        return () -> {
            for (NotificationEmitter emitter : emitters) {
                emitter.removeNotificationListener(listener);
            }
        };
    }
}
