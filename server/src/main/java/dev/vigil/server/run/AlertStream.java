package dev.vigil.server.run;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /api/alerts/stream}: every alert as it is raised, as server-sent events
 * ({@code event: alert}, or {@code suppressed} for one a throttle held back; {@code data:} the
 * alert's JSON, as the webhook sends it), for the console and for scripts. Optional filters:
 * {@code rule}, {@code status}, {@code severity} (each may repeat). The engine thread only hands
 * an alert to a bounded queue (dropped when full, counted); one thread writes to the clients, and
 * a client that cannot take an event is closed, so a slow reader never holds up the engine.
 */
final class AlertStream implements AlertSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertStream.class);
    private static final int QUEUE = 10_000;
    private static final Item STOP = new Item(null, null);

    private record Item(Alert alert, String event) {
    }

    private record Client(SseClient sse, Set<String> rules, Set<String> statuses, Set<String> severities) {
        boolean wants(Alert a) {
            return (rules.isEmpty() || rules.contains(a.rule()))
                    && (statuses.isEmpty() || statuses.contains(a.status().text()))
                    && (severities.isEmpty() || severities.contains(a.severity().keyword()));
        }
    }

    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(QUEUE);
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;

    AlertStream() {
        writer = new Thread(this::write, "vigil-alert-stream");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void onAlert(Alert alert) {
        offer(new Item(alert, "alert"));
    }

    @Override
    public void onSuppressed(Alert alert, String reason) {
        offer(new Item(alert, "suppressed"));
    }

    private void offer(Item item) {
        if (clients.isEmpty()) {
            return;
        }
        if (!queue.offer(item) && dropped.getAndIncrement() % 1000 == 0) {
            LOG.warn("the alert stream's queue is full: alerts are not streamed until its clients catch up");
        }
    }

    /** The handler of {@code GET /api/alerts/stream}. */
    SseHandler handler() {
        return new SseHandler(sse -> {
            var ctx = sse.ctx();
            Client c = new Client(sse, Set.copyOf(ctx.queryParams("rule")), Set.copyOf(lower(ctx.queryParams("status"))),
                    Set.copyOf(lower(ctx.queryParams("severity"))));
            sse.keepAlive();
            sse.onClose(() -> clients.remove(c));
            clients.add(c);
            sse.sendComment("vigil alerts: one event per alert as it is raised");
        });
    }

    private static List<String> lower(List<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
    }

    private void write() {
        try {
            while (true) {
                Item item = queue.take();
                if (item == STOP) {
                    return;
                }
                String json = item.alert.toJson();
                for (Client c : clients) {
                    if (!c.wants(item.alert)) {
                        continue;
                    }
                    try {
                        c.sse.sendEvent(item.event, json, item.alert.id());
                        if (c.sse.terminated()) {
                            clients.remove(c);
                        }
                    } catch (RuntimeException e) {
                        clients.remove(c);
                        c.sse.close();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Clients connected now. */
    int clients() {
        return clients.size();
    }

    @Override
    public void close() {
        queue.clear();
        queue.offer(STOP);
        clients.forEach(c -> c.sse.close());
        clients.clear();
    }
}
