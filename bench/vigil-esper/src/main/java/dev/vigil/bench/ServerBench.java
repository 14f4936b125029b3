package dev.vigil.bench;

import com.sun.net.httpserver.HttpServer;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measurements 3-5 against a running {@code vigil run} (started by bench/run), from this separate
 * load process over loopback.
 * <ul>
 * <li>{@code --test ingest}: NDJSON batches of 1,000 generated events, two senders; events/s
 *     accepted (202 answers) and processed (the engine queue drained, read from /metrics).</li>
 * <li>{@code --test latency}: a fixed rate in batches every 10 ms, one probe event per batch that
 *     the {@code probe} rule fires on; the time from the start of the POST to the webhook received
 *     by a receiver in this process.</li>
 * <li>{@code --test swap}: events flowing at a fixed rate, {@code PUT} of one changed rule file;
 *     time to answer, and the longest gap in the engine's processed count (polled from /metrics).</li>
 * </ul>
 */
public final class ServerBench {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static String api;
    private static String token;

    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        api = "http://127.0.0.1:" + o.require("port");
        token = o.get("token", "bench-token");
        switch (o.require("test")) {
            case "ingest" -> ingest(o);
            case "latency" -> latency(o);
            case "swap" -> swap(o);
            default -> throw new IllegalArgumentException("unknown --test");
        }
        System.out.flush();
        System.exit(0); // the HTTP client's and the receiver's threads
    }

    // ------------------------------------------------------------------ 3. ingest

    static void ingest(Opts o) throws Exception {
        Lines lines = Lines.read(Path.of(o.require("file")), o.getInt("events", 200_000));
        int batch = o.getInt("batch", 1000);
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < lines.count; i += batch) {
            int to = Math.min(lines.count, i + batch);
            bodies.add(Arrays.copyOfRange(lines.bytes, lines.start[i], lines.end[to - 1] + 1));
        }
        long before = processed();
        AtomicInteger next = new AtomicInteger();
        AtomicLong accepted = new AtomicLong();
        AtomicLong retries = new AtomicLong();
        int senders = o.getInt("senders", 2);
        long t0 = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            Thread t = new Thread(() -> {
                int i;
                while ((i = next.getAndIncrement()) < bodies.size()) {
                    while (true) {
                        HttpResponse<String> r = post(bodies.get(i));
                        if (r.statusCode() == 202) {
                            accepted.addAndGet(count(r.body(), "\"accepted\":"));
                            break;
                        }
                        if (r.statusCode() != 429) {
                            throw new IllegalStateException("ingest answered " + r.statusCode() + ": " + r.body());
                        }
                        retries.incrementAndGet();
                        sleep(5);
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
        long t1 = System.nanoTime();
        while (processed() - before < lines.count) {
            sleep(2);
        }
        long t2 = System.nanoTime();
        System.err.printf("ingest: %d events, %d accepted in %.2f s, processed in %.2f s, %d retries after 429%n",
                lines.count, accepted.get(), (t1 - t0) / 1e9, (t2 - t0) / 1e9, retries.get());
        System.out.println("RESULT {\"measurement\": \"http-ingest\", \"engine\": \"vigil\", \"events\": " + lines.count
                + ", \"batch\": " + batch + ", \"senders\": " + senders
                + ", \"acceptedPerSecond\": " + Stats.num(lines.count / ((t1 - t0) / 1e9))
                + ", \"processedPerSecond\": " + Stats.num(lines.count / ((t2 - t0) / 1e9))
                + ", \"retries429\": " + retries.get() + "}");
    }

    private static long count(String body, String field) {
        int i = body.indexOf(field);
        if (i < 0) {
            return 0;
        }
        int j = i + field.length();
        while (j < body.length() && body.charAt(j) == ' ') {
            j++;
        }
        int k = j;
        while (k < body.length() && Character.isDigit(body.charAt(k))) {
            k++;
        }
        return Long.parseLong(body.substring(j, k));
    }

    // ------------------------------------------------------------------ 4. latency

    static void latency(Opts o) throws Exception {
        int rate = o.getInt("rate", 10_000);
        double seconds = Double.parseDouble(o.get("seconds", "20"));
        int hookPort = o.getInt("hook-port", 18181);
        int perBatch = rate / 100; // a batch every 10 ms
        ConcurrentHashMap<Integer, Long> sent = new ConcurrentHashMap<>();
        ConcurrentHashMap<Integer, Long> received = new ConcurrentHashMap<>();
        // Where the time goes: wall-clock millis of the POST's start, of its 202, of the alert's
        // raisedAt (the engine's processing), and of the webhook's arrival.
        ConcurrentHashMap<Integer, Long> sentWall = new ConcurrentHashMap<>();
        ConcurrentHashMap<Integer, Long> answeredWall = new ConcurrentHashMap<>();
        ConcurrentHashMap<Integer, Long> raisedWall = new ConcurrentHashMap<>();
        ConcurrentHashMap<Integer, Long> receivedWall = new ConcurrentHashMap<>();
        Pattern probe = Pattern.compile("probe-(\\d+)");
        Pattern raised = Pattern.compile("\"raisedAt\":\"([^\"]+)\"");
        HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", hookPort), 64);
        hook.setExecutor(Executors.newFixedThreadPool(2));
        hook.createContext("/hook", ex -> {
            long now = System.nanoTime();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = probe.matcher(body);
            if (m.find()) {
                int id = Integer.parseInt(m.group(1));
                received.putIfAbsent(id, now);
                receivedWall.putIfAbsent(id, System.currentTimeMillis());
                Matcher r = raised.matcher(body);
                if (r.find()) {
                    raisedWall.putIfAbsent(id, java.time.Instant.parse(r.group(1)).toEpochMilli());
                }
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        hook.start();
        // The same load for warmupSeconds first: its probes are reported apart (a cold JVM right
        // after start falls behind for about a second, and that is not the steady state).
        double warmupSeconds = Double.parseDouble(o.get("warmup-seconds", "5"));
        int warmupBatches = (int) (warmupSeconds * 100);
        int batches = warmupBatches + (int) (seconds * 100);
        int probeEvery = o.getInt("probe-every", 5); // batches: 20 alerts/s at a batch every 10 ms
        int firstMeasured = (warmupBatches + probeEvery - 1) / probeEvery * probeEvery;
        int probes = (batches - firstMeasured + probeEvery - 1) / probeEvery;
        AtomicInteger failures = new AtomicInteger();
        ScheduledExecutorService tick = Executors.newScheduledThreadPool(2);
        AtomicInteger n = new AtomicInteger();
        long card = 0;
        List<byte[]> bodies = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            bodies.add(null);
        }
        AtomicLong cardSeq = new AtomicLong(card);
        tick.scheduleAtFixedRate(() -> {
            int b = n.getAndIncrement();
            if (b >= batches) {
                return;
            }
            long now = System.currentTimeMillis();
            StringBuilder sb = new StringBuilder(perBatch * 110);
            boolean isProbe = b % probeEvery == 0;
            for (int i = 0; i < perBatch - (isProbe ? 1 : 0); i++) {
                background(sb, cardSeq.getAndIncrement(), now);
            }
            if (isProbe) {
                sb.append("{\"type\":\"Transaction\",\"data\":{\"cardId\":\"probe-").append(b)
                        .append("\",\"amount\":10.0,\"merchant\":\"probe\",\"country\":\"US\",\"at\":").append(now)
                        .append("}}\n");
                sent.put(b, System.nanoTime());
                sentWall.put(b, System.currentTimeMillis());
            }
            HTTP.sendAsync(request(sb.toString().getBytes(StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, e) -> {
                        if (e != null || r.statusCode() != 202) {
                            failures.incrementAndGet();
                        }
                        if (isProbe) {
                            answeredWall.put(b, System.currentTimeMillis());
                        }
                    });
        }, 0, 10, TimeUnit.MILLISECONDS);
        while (n.get() < batches) {
            sleep(50);
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (received.keySet().stream().filter(k -> k >= firstMeasured).count() < probes
                && System.nanoTime() < deadline) {
            sleep(50);
        }
        tick.shutdownNow();
        hook.stop(0);
        double[] ms = received.entrySet().stream().filter(e -> e.getKey() >= firstMeasured)
                .mapToDouble(e -> (e.getValue() - sent.get(e.getKey())) / 1e6).sorted().toArray();
        double[] warm = received.entrySet().stream().filter(e -> e.getKey() < firstMeasured)
                .mapToDouble(e -> (e.getValue() - sent.get(e.getKey())) / 1e6).sorted().toArray();
        System.err.printf("latency: %d probes sent, %d webhooks received, %d failed posts%n", probes, ms.length,
                failures.get());
        StringBuilder order = new StringBuilder("latency by probe, in sending order (ms), warm-up in []:");
        for (int b = 0; b < batches; b += probeEvery) {
            Long r = received.get(b);
            String v = r == null ? "lost" : String.valueOf((r - sent.get(b)) / 1_000_000);
            order.append(' ').append(b < firstMeasured ? "[" + v + "]" : v);
        }
        System.err.println(order);
        sentWall.keySet().removeIf(k -> k < firstMeasured);
        double[] answer = stage(sentWall, answeredWall);
        double[] engine = stage(sentWall, raisedWall);
        double[] delivery = stage(raisedWall, receivedWall);
        System.err.printf("latency stages (ms, p50/p99/max): POST answered %s/%s/%s; start of POST to raisedAt %s/%s/%s;"
                        + " raisedAt to webhook %s/%s/%s%n", pct(answer, 0.5), pct(answer, 0.99), pct(answer, 1),
                pct(engine, 0.5), pct(engine, 0.99), pct(engine, 1), pct(delivery, 0.5), pct(delivery, 0.99),
                pct(delivery, 1));
        System.out.println("RESULT {\"measurement\": \"latency\", \"engine\": \"vigil\", \"rate\": " + rate
                + ", \"seconds\": " + seconds + ", \"warmupSeconds\": " + warmupSeconds
                + ", \"warmupProbes\": " + warm.length
                + ", \"warmupMaxMs\": " + (warm.length == 0 ? "null" : Stats.num(warm[warm.length - 1]))
                + ", \"probes\": " + probes + ", \"alerts\": " + ms.length
                + ", \"failedPosts\": " + failures.get()
                + ", \"p50Ms\": " + pct(ms, 0.50) + ", \"p99Ms\": " + pct(ms, 0.99) + ", \"p999Ms\": " + pct(ms, 0.999)
                + ", \"maxMs\": " + (ms.length == 0 ? "null" : Stats.num(ms[ms.length - 1])) + "}");
    }

    /** A purchase no fraud rule fires on: each card comes back only after 1,000,000 others. */
    static void background(StringBuilder sb, long seq, long at) {
        sb.append("{\"type\":\"Transaction\",\"data\":{\"cardId\":\"bg-").append(seq % 1_000_000)
                .append("\",\"amount\":").append(5 + seq % 200).append(".25,\"merchant\":\"m-").append(seq % 997)
                .append("\",\"country\":\"US\",\"at\":").append(at).append("}}\n");
    }

    /** Sorted differences to - from, in ms, of the keys in both maps. */
    static double[] stage(Map<Integer, Long> from, Map<Integer, Long> to) {
        return to.entrySet().stream().filter(e -> from.containsKey(e.getKey()))
                .mapToDouble(e -> e.getValue() - from.get(e.getKey())).sorted().toArray();
    }

    static String pct(double[] sorted, double p) {
        if (sorted.length == 0) {
            return "null";
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return String.format(Locale.ROOT, "%.2f", sorted[Math.max(0, i)]);
    }

    // ------------------------------------------------------------------ 5. hot swap

    static void swap(Opts o) throws Exception {
        int rate = o.getInt("rate", 2000);
        Path file = Path.of(o.require("changed-file"));
        String name = file.getFileName().toString();
        int rules = o.getInt("rules", 1000);
        List<long[]> samples = new CopyOnWriteArrayList<>();
        int perBatch = rate / 20; // a batch every 50 ms
        AtomicLong seq = new AtomicLong();
        ScheduledExecutorService tick = Executors.newScheduledThreadPool(2);
        tick.scheduleAtFixedRate(() -> {
            long now = System.currentTimeMillis();
            StringBuilder sb = new StringBuilder(perBatch * 110);
            for (int i = 0; i < perBatch; i++) {
                background(sb, seq.getAndIncrement(), now);
            }
            HTTP.sendAsync(request(sb.toString().getBytes(StandardCharsets.UTF_8)), HttpResponse.BodyHandlers.discarding());
        }, 0, 50, TimeUnit.MILLISECONDS);
        Thread poller = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    samples.add(new long[] {System.nanoTime(), processed()});
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a failed poll is a missing sample
                }
            }
        });
        poller.start();
        sleep(5000);
        long before = System.nanoTime();
        String changed = Files.readString(file).replaceFirst("amount > (\\d+)", "amount > 1$1");
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/api/rule-files/" + name))
                .header("Authorization", "Bearer " + token)
                .PUT(HttpRequest.BodyPublishers.ofString(changed)).build(), HttpResponse.BodyHandlers.ofString());
        long after = System.nanoTime();
        sleep(3000);
        tick.shutdownNow();
        poller.interrupt();
        poller.join();
        long normal = longestGap(samples, before - 4_000_000_000L, before);
        long during = longestGap(samples, before - 50_000_000L, after + 2_000_000_000L);
        System.err.printf("swap: PUT %s answered %d in %d ms: %s%n", name, r.statusCode(), (after - before) / 1_000_000,
                r.body());
        System.out.println("RESULT {\"measurement\": \"hot-swap\", \"engine\": \"vigil\", \"rules\": " + rules
                + ", \"rate\": " + rate + ", \"status\": \"" + r.statusCode() + "\", \"putMillis\": "
                + (after - before) / 1_000_000 + ", \"longestGapMillis\": " + during / 1_000_000
                + ", \"normalGapMillis\": " + normal / 1_000_000 + "}");
    }

    /** Longest time between two increases of the processed count within [from, to]. */
    static long longestGap(List<long[]> samples, long from, long to) {
        long longest = 0;
        long lastChange = -1;
        long lastValue = -1;
        for (long[] s : samples) {
            if (s[0] < from || s[0] > to) {
                continue;
            }
            if (lastChange < 0 || s[1] != lastValue) {
                if (lastChange >= 0) {
                    longest = Math.max(longest, s[0] - lastChange);
                }
                lastChange = s[0];
                lastValue = s[1];
            }
        }
        return longest;
    }

    // ------------------------------------------------------------------ HTTP

    private static HttpRequest request(byte[] body) {
        return HttpRequest.newBuilder(URI.create(api + "/events"))
                .header("Content-Type", "application/x-ndjson")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private static HttpResponse<String> post(byte[] body) {
        try {
            return HTTP.send(request(body), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Events the engine has processed: accepted minus those still in its queue (from /metrics). */
    static long processed() throws Exception {
        String text = HTTP.send(HttpRequest.newBuilder(URI.create(api + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double accepted = 0;
        double depth = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith("vigil_events_accepted_total")) {
                accepted += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            } else if (line.startsWith("vigil_engine_queue_depth")) {
                depth += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return (long) (accepted - depth);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
