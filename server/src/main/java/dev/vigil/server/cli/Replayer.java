package dev.vigil.server.cli;

import dev.vigil.connectors.EventFiles;
import dev.vigil.connectors.TableFiles;
import dev.vigil.engine.TableRows;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.DeployException;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;
import dev.vigil.engine.Times;
import dev.vigil.rules.CompileResult;
import dev.vigil.rules.Diagnostic;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Runs recorded events through rules in event time: what {@code vigil replay} and {@code vigil test}
 * share, so the conformance cases and rule tests take the same path as users' replays.
 */
final class Replayer {
    /** Rule files that do not compile, or that Esper refuses: the messages to print. */
    static final class RulesException extends Exception {
        private static final long serialVersionUID = 1L;

        RulesException(String message) {
            super(message);
        }
    }

    /** Progress callbacks, called on the reading thread. */
    interface Progress {
        void onEvents(long events, long alerts);
    }

    record Result(long events, long rejected, long late, long alerts, long nanos) {
    }

    /**
     * Events in flight between the reading thread and the engine: enough to smooth out bursts;
     * more only keeps decoded events alive longer and makes young collections copy them.
     */
    private static final int REPLAY_QUEUE = 4096;

    private Replayer() {
    }

    /** The default of {@code --shards}: a shard per core, as {@code engine.shards}. */
    static int defaultShards() {
        return Math.min(dev.vigil.engine.EngineOptions.MAX_SHARDS, Runtime.getRuntime().availableProcessors());
    }

    /** Checks a {@code --shards} value. */
    static int checkShards(picocli.CommandLine.Model.CommandSpec spec, int shards) {
        if (shards < 1 || shards > dev.vigil.engine.EngineOptions.MAX_SHARDS) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--shards: expected 1 to "
                    + dev.vigil.engine.EngineOptions.MAX_SHARDS + ", got " + shards);
        }
        return shards;
    }

    /** Finds, reads and compiles rule files (files or folders of {@code *.rules}). */
    static RuleSet loadRules(List<Path> paths) throws RulesException {
        RuleFiles.Loaded loaded;
        try {
            loaded = RuleFiles.read(RuleFiles.find(paths));
        } catch (RuleFiles.BadPathException e) {
            throw new RulesException(e.getMessage());
        }
        if (!loaded.encodingErrors().isEmpty()) {
            throw new RulesException(String.join("\n",
                    loaded.encodingErrors().stream().map(RuleFiles.EncodingError::format).toList()));
        }
        CompileResult result = RulesCompiler.compile(loaded.sources());
        if (!result.ok()) {
            throw new RulesException(String.join("\n", result.diagnostics().stream().map(Diagnostic::format).toList())
                    + "\n" + result.diagnostics().size() + " error" + (result.diagnostics().size() == 1 ? "" : "s")
                    + " in rule files");
        }
        return result.ruleSet().orElseThrow();
    }

    /**
     * Replays files through a fresh engine; alerts go to {@code sink} (on the engine thread),
     * rejections (invalid and late) to {@code rejections}.
     *
     * @param speed 0 for as fast as possible, else a multiple of real time (event-time gaps are
     *     waited out on the wall clock, divided by it)
     * @param shards engine shards (the alerts are the same with any number)
     */
    static Result replay(RuleSet rules, List<Path> events, Optional<String> csvType, Duration lateness, double speed,
                         int shards, AlertSink sink, Consumer<Rejection> rejections, Progress progress)
            throws RulesException, IOException, InterruptedException {
        return replay(rules, events, csvType, lateness, speed, shards, Map.of(), p -> { }, sink, rejections, progress);
    }

    /**
     * {@link #replay}, with reference tables loaded from files before the first event
     * ({@code --table NAME=FILE}, a rule test's {@code tables}).
     *
     * @param tables table name to its file (CSV with a header row, or JSONL)
     * @param tableProblems each row of those files that was refused, with its file and line
     * @throws RulesException when the rules declare no table of a given name
     */
    static Result replay(RuleSet rules, List<Path> events, Optional<String> csvType, Duration lateness, double speed,
                         int shards, Map<String, Path> tables, Consumer<TableRows.Problem> tableProblems,
                         AlertSink sink, Consumer<Rejection> rejections, Progress progress)
            throws RulesException, IOException, InterruptedException {
        Map<String, TableRows> loaded = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Path> t : tables.entrySet()) {
            var decl = rules.table(t.getKey()).orElseThrow(() -> new RulesException("table " + t.getKey()
                    + ": the rules declare no such table" + (rules.tables().isEmpty() ? "" : "; they declare "
                    + String.join(", ", rules.tables().stream().map(d -> d.name()).toList()))));
            TableRows rows = TableFiles.read(t.getValue(), decl);
            rows.problems().forEach(tableProblems);
            loaded.put(t.getKey(), rows);
        }
        long[] counts = new long[4]; // events, rejected, late, alerts
        AlertSink counting = new AlertSink() {
            @Override
            public void onAlert(dev.vigil.engine.Alert alert) {
                synchronized (counts) {
                    counts[3]++;
                }
                sink.onAlert(alert);
            }

            @Override
            public void onSuppressed(dev.vigil.engine.Alert alert, String reason) {
                sink.onSuppressed(alert, reason);
            }
        };
        EngineOptions options = EngineOptions.newBuilder()
                .lateness(lateness)
                .clock(Clock.systemUTC())
                .queueCapacity(REPLAY_QUEUE)
                .rejections(r -> {
                    synchronized (counts) {
                        counts[2]++;
                    }
                    rejections.accept(r);
                })
                .requireEventTime(true)
                .shards(shards)
                .allowRawEpl(true).build();
        long start = System.nanoTime();
        try (Engine engine = Engine.start(options, counting)) {
            try {
                engine.deploy(rules);
            } catch (DeployException e) {
                throw new RulesException(e.getMessage());
            }
            for (TableRows rows : loaded.values()) {
                engine.replaceTable(rows);
            }
            Pacer pacer = new Pacer(speed);
            long holdMillis = lateness.toMillis();
            EventFiles.Handler handler = new EventFiles.Handler() {
                /** The newest event time submitted: the engine's watermark is this minus the lateness. */
                private long newest = Long.MIN_VALUE;

                @Override
                public void onEvent(Event event, String where) throws InterruptedException {
                    // The engine's rule for late events (its Sequencer), applied here first, where
                    // the file and line are known: the engine's own rejection names only the type.
                    // Events are read in file order, so the watermark here is the engine's.
                    long watermark = newest == Long.MIN_VALUE ? Long.MIN_VALUE : newest - holdMillis;
                    if (event.time() < watermark) {
                        counts[0]++; // read like any event, and counted late (as the engine counts it)
                        synchronized (counts) {
                            counts[2]++;
                        }
                        rejections.accept(new Rejection(where, "late event: time " + Times.format(event.time())
                                + " is behind the watermark " + Times.format(watermark) + " (lateness " + holdMillis
                                + " ms)", Rejection.Kind.LATE, event.type()));
                        return;
                    }
                    newest = Math.max(newest, event.time());
                    onEvent(event);
                }

                @Override
                public void onEvent(Event event) throws InterruptedException {
                    pacer.await(event.time());
                    engine.submit(event);
                    long n = ++counts[0];
                    if (progress != null && (n & 0xFFFF) == 0) {
                        long alerts;
                        synchronized (counts) {
                            alerts = counts[3];
                        }
                        progress.onEvents(n, alerts);
                    }
                }

                @Override
                public void onRejected(Rejection rejection) {
                    counts[1]++;
                    rejections.accept(rejection);
                }
            };
            try {
                for (Path file : events) {
                    EventFiles.read(file, csvType, engine::decoder, handler);
                }
            } finally {
                // Also when a file cannot be read to its end (a cut .gz): the alerts of the events
                // read before are raised, and printed, before the error is.
                engine.finish();
            }
        }
        synchronized (counts) {
            return new Result(counts[0], counts[1], counts[2], counts[3], System.nanoTime() - start);
        }
    }

    /** Waits out event-time gaps at a multiple of real time. */
    private static final class Pacer {
        private final double speed;
        private long firstEventTime = Long.MIN_VALUE;
        private long startNanos;

        Pacer(double speed) {
            this.speed = speed;
        }

        void await(long eventTime) throws InterruptedException {
            if (speed <= 0) {
                return;
            }
            if (firstEventTime == Long.MIN_VALUE) {
                firstEventTime = eventTime;
                startNanos = System.nanoTime();
                return;
            }
            long dueNanos = startNanos + (long) ((eventTime - firstEventTime) * 1_000_000L / speed);
            long wait = dueNanos - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
            }
        }
    }

    static Path checkExists(Path p) throws IOException {
        if (!java.nio.file.Files.isRegularFile(p)) {
            throw new java.nio.file.NoSuchFileException(p.toString(), null, "no such event file");
        }
        return p;
    }
}
