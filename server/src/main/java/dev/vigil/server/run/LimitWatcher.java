package dev.vigil.server.run;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.EngineStats;
import dev.vigil.rules.ast.Severity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Self-monitoring: when a rule hits a limit at run time (its first partial-match refusal at the
 * {@code rules.maxPartialMatches} cap, its first failure in the engine), an alert of rule
 * {@code vigil} goes to the channel named {@link #CHANNEL}, at most once per rule and limit per
 * {@link #REPEAT}. Without that channel only the existing log line and metric report it.
 *
 * <p>{@link #check()} compares the engine's published counts with the last ones seen; the thread
 * started by {@link #start} calls it every {@link #INTERVAL}. Not thread-safe: one thread checks.
 */
final class LimitWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LimitWatcher.class);
    /** The channel self-monitoring alerts go to, when the configuration has one of that name. */
    static final String CHANNEL = "vigil";
    /** The rule id of self-monitoring alerts; no rule file can declare it (it is not in any file). */
    static final String RULE = "vigil";
    /** At most one alert per rule and limit this often: a limit hit once is usually hit all day. */
    static final Duration REPEAT = Duration.ofHours(1);
    /** How often the counts are read: the engine publishes them after each batch, so reads are cheap. */
    static final Duration INTERVAL = Duration.ofSeconds(1);

    /** A run-time limit a rule can hit. */
    enum Limit {
        PARTIAL_MATCHES("maxPartialMatches"),
        FAILURES("failures"),
        KEYS("maxKeys"),
        WINDOW_EVENTS("maxWindowEvents");

        private final String keyText;

        Limit(String keyText) {
            this.keyText = keyText;
        }
    }

    private record Seen(String rule, Limit limit) {
    }

    private final Supplier<EngineStats> stats;
    private final AlertSink sink;
    private final Clock clock;
    private final long maxPartialMatches;
    private final long maxKeys;
    private final long maxWindowEvents;
    private final Map<Seen, Long> counts = new HashMap<>();
    private final Map<Seen, Long> lastSent = new HashMap<>();
    private Thread thread;

    LimitWatcher(Supplier<EngineStats> stats, AlertSink sink, Clock clock, long maxPartialMatches, long maxKeys,
                 long maxWindowEvents) {
        this.stats = requireNonNull(stats, "stats is null");
        this.sink = requireNonNull(sink, "sink is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.maxPartialMatches = maxPartialMatches;
        this.maxKeys = maxKeys;
        this.maxWindowEvents = maxWindowEvents;
    }

    /** A watcher checking every {@link #INTERVAL} on a daemon thread of its own. */
    static LimitWatcher start(Supplier<EngineStats> stats, AlertSink sink, Clock clock, long maxPartialMatches,
                              long maxKeys, long maxWindowEvents) {
        LimitWatcher w = new LimitWatcher(stats, sink, clock, maxPartialMatches, maxKeys, maxWindowEvents);
        w.thread = Thread.ofPlatform().daemon().name("vigil-limit-watcher").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(INTERVAL.toMillis());
                    w.check();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.error("self-monitoring check failed (a bug); checking again in {} ms", INTERVAL.toMillis(), e);
                }
            }
        });
        return w;
    }

    /** Reads the counts once and sends an alert for each rule and limit newly hit; the alerts sent. */
    List<Alert> check() {
        List<Alert> sent = new java.util.ArrayList<>();
        for (EngineStats.RuleStats r : stats.get().rules()) {
            observe(r.id(), Limit.PARTIAL_MATCHES, r.partialMatchesRefused(), sent);
            observe(r.id(), Limit.FAILURES, r.failures(), sent);
            observe(r.id(), Limit.KEYS, r.keysOverLimit(), sent);
            observe(r.id(), Limit.WINDOW_EVENTS, r.eventsOverLimit(), sent);
        }
        return sent;
    }

    private void observe(String rule, Limit limit, long count, List<Alert> sent) {
        Seen seen = new Seen(rule, limit);
        long before = counts.getOrDefault(seen, 0L);
        counts.put(seen, count);
        if (count <= before) {
            return; // no new hit (or the rule was redeployed and its counts restarted)
        }
        long now = clock.millis();
        Long last = lastSent.get(seen);
        if (last != null && now - last < REPEAT.toMillis()) {
            return;
        }
        lastSent.put(seen, now);
        Alert alert = alert(rule, limit, count, now);
        sink.onAlert(alert);
        sent.add(alert);
    }

    private Alert alert(String rule, Limit limit, long count, long now) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("rule", rule);
        key.put("limit", limit.keyText);
        String message = switch (limit) {
            case PARTIAL_MATCHES -> "rule " + rule + " is at its cap of " + maxPartialMatches
                    + " partial matches (rules.maxPartialMatches): new attempts of its pattern are not started ("
                    + count + " refused so far, counted as partialMatchesRefused in /api/rules)";
            case FAILURES -> "rule " + rule + " failed in the engine (" + count + " failure" + (count == 1 ? "" : "s")
                    + " so far, counted as failures in /api/rules; the log has the exception): fix the rule"
                    + " or its events, no setting raises this limit";
            case KEYS -> "rule " + rule + " holds " + maxKeys + " keys or more (rules.maxKeys; its state grows with"
                    + " every new key, and Esper cannot refuse new ones, so the rule goes on): give it a narrower key,"
                    + " a shorter window or a filter, or raise rules.maxKeys if the memory is there";
            case WINDOW_EVENTS -> "rule " + rule + " holds " + maxWindowEvents + " events or more in its windows"
                    + " (rules.maxWindowEvents; a window that dropped events would change what the rule means, so"
                    + " the rule goes on): give it a shorter window or a filter, or raise rules.maxWindowEvents if the"
                    + " memory is there";
        };
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("count", count);
        return new Alert(id(rule, limit, now), RULE, "Vigil: a rule hit a limit", Alert.Status.FIRING,
                Severity.WARNING, key, message, now, now, Map.of(), values, List.of(), List.of(CHANNEL), 0);
    }

    /** The same rule, limit and time always give the same id (the store deduplicates by id). */
    static String id(String rule, Limit limit, long time) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] d = sha.digest((RULE + "\n" + rule + "\n" + limit.keyText + "\n" + time)
                    .getBytes(StandardCharsets.UTF_8));
            return RULE + "-" + HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public void close() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
