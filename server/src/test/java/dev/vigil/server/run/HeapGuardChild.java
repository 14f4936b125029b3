package dev.vigil.server.run;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import javax.management.NotificationEmitter;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** Run by {@link HeapGuardTest} in a JVM with a small heap: fills it with live data until the guard reports. */
final class HeapGuardChild {
    private HeapGuardChild() {
    }

    public static void main(String[] args) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // One permit per collection the JVM reports: after System.gc() the child waits (bounded) for
        // that report, which the guard receives on the same notification thread, instead of sleeping.
        Semaphore collections = new Semaphore(0);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, h) -> collections.release(), null, null);
            }
        }
        AutoCloseable guard = HeapGuard.install(registry);
        try {
            List<long[]> live = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                live.add(new long[16 * 1024]); // 128 kB each, all kept
                if (i % 8 == 0) {
                    collections.drainPermits();
                    System.gc();
                    collections.tryAcquire(5, TimeUnit.SECONDS);
                }
                if (registry.get("vigil.heap.pressure.events").counter().count() > 0) {
                    System.out.println("PRESSURE after " + live.size() * 128 / 1024 + " MB, ratio "
                            + registry.get("vigil.heap.used.after.gc.ratio").gauge().value());
                    return;
                }
            }
            System.out.println("NO PRESSURE");
        } finally {
            guard.close();
        }
    }
}
