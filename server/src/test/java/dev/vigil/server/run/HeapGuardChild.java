package dev.vigil.server.run;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.util.ArrayList;
import java.util.List;

/** Run by {@link HeapGuardTest} in a JVM with a small heap: fills it with live data until the guard reports. */
final class HeapGuardChild {
    private HeapGuardChild() {
    }

    public static void main(String[] args) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AutoCloseable guard = HeapGuard.install(registry);
        try {
            List<long[]> live = new ArrayList<>();
            for (int i = 0; i < 100_000; i++) {
                live.add(new long[16 * 1024]); // 128 kB each, all kept
                if (i % 8 == 0) {
                    System.gc();
                    Thread.sleep(20); // collection notifications arrive on their own thread
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
