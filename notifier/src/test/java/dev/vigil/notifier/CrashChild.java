package dev.vigil.notifier;

import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The process {@link CrashSafetyTest} kills: starts a notifier on a store, hands it alerts,
 * says "STORED" once they are written, then delivers until killed.
 *
 * <p>Arguments: store path, webhook URL, number of alerts.
 */
public final class CrashChild {
    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path db = Path.of(args[0]);
        String url = args[1];
        int count = Integer.parseInt(args[2]);
        Notifier n = Notifier.newBuilder(Configs.of(db, Configs.webhook("hook", URI.create(url), Duration.ofSeconds(60))))
                .start();
        for (int i = 0; i < count; i++) {
            n.onAlert(Alerts.alert(CrashSafetyTest.id(i), "hook"));
        }
        n.flush().get();
        System.out.println("STORED");
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
