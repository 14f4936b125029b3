package dev.vigil.server.cli;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.NotifierStats;
import dev.vigil.notifier.StoreException;
import dev.vigil.rules.RuleSet;
import dev.vigil.server.config.ConfigException;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.ConfigProblem;
import dev.vigil.server.config.Durations;
import dev.vigil.server.config.RuleChannels;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.server.run.Backtest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code vigil replay}: recorded events through rules in event time; alerts as JSONL on stdout. */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = {
                "Replay recorded events through rules in event time.",
                "Alerts go to standard output, one JSON object per line; rejected events, progress (on a "
                        + "terminal) and a summary go to standard error. At the end of the input the clock "
                        + "advances by the longest duration any rule uses, so pending expiries still fire.",
                "With --notify, every alert is also delivered through the configuration's routes and "
                        + "channels (log channels write to standard error here, so standard output stays the "
                        + "alerts), and the command exits once each is delivered or dead-lettered, with a "
                        + "summary per channel.",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:replayed (rejected events are reported, not fatal)",
                "1:the rule files or the configuration have errors, or the store cannot be opened",
                "2:wrong usage: a missing file, an unknown option",
        })
final class ReplayCommand implements Callable<Integer> {
    /** Rejections printed one by one before only counting them. */
    private static final int MAX_PRINTED_REJECTIONS = 50;
    /** How often a replay waiting for deliveries says how many are left. */
    private static final Duration WAIT_REPORT = Duration.ofSeconds(10);

    @Spec
    private CommandSpec spec;

    @Option(names = "--rules", required = true, arity = "1..*", paramLabel = "DIR_OR_FILE",
            description = "Rule files, or folders of *.rules files.")
    private List<Path> rules;

    @Option(names = "--events", required = true, arity = "1..*", paramLabel = "FILE",
            description = "Recorded events: .jsonl or .csv, optionally .gz, read in the order given.")
    private List<Path> events;

    @Option(names = "--speed", defaultValue = "max", paramLabel = "max|N",
            description = "max (default): as fast as possible; N: N times real time.")
    private String speed;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "The event type of CSV files (default: the file name, Transaction.csv).")
    private String csvType;

    @Option(names = "--lateness", defaultValue = "0s", paramLabel = "DURATION",
            description = "Hold events this long to reorder them (default 0s: input must be in time order).")
    private String lateness;

    @Option(names = "--table", paramLabel = "NAME=FILE",
            description = "Load a reference table the rules declare from a file (CSV with a header row, or JSONL)"
                    + " before the first event; repeat for each table.")
    private List<String> tableArgs = new java.util.ArrayList<>();

    @Option(names = "--shards", paramLabel = "N",
            description = "Engine shards (default: one per core); the alerts are the same with any number.")
    private Integer shards;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A configuration file (as for vigil run): its channels, routes and store are used "
                    + "with --notify.")
    private Path configFile;

    @Option(names = "--notify",
            description = "Also deliver every alert through the configuration's routes and channels; exit once "
                    + "each is delivered or dead-lettered. Needs --config.")
    private boolean notify;

    @Option(names = "--compare", arity = "1..*", paramLabel = "OLD",
            description = "Also replay the events through these rule files (the old version) and compare: the"
                    + " alerts of --rules go to standard output as always, and per rule the alert ids added"
                    + " (only --rules raised them), removed (only OLD did) and unchanged go to standard error."
                    + " Runs one shard per version at full speed (docs/backtests.md).")
    private List<Path> compare = new java.util.ArrayList<>();

    @Option(names = "--compare-json", paramLabel = "FILE",
            description = "With --compare, also write the whole comparison as JSON to FILE (the backtest answer"
                    + " of the admin API, every alert and id listed).")
    private Path compareJson;

    /** {@code --table NAME=FILE} as table name to file; a malformed one or a missing file is wrong usage. */
    private java.util.Map<String, Path> tables() {
        java.util.Map<String, Path> out = new java.util.LinkedHashMap<>();
        for (String t : tableArgs) {
            int eq = t.indexOf('=');
            if (eq <= 0 || eq == t.length() - 1) {
                throw new ParameterException(spec.commandLine(), "--table: expected NAME=FILE, got " + t);
            }
            Path file = Path.of(t.substring(eq + 1));
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "--table " + t.substring(0, eq) + ": no such file: "
                        + file);
            }
            if (out.put(t.substring(0, eq), file) != null) {
                throw new ParameterException(spec.commandLine(), "--table " + t.substring(0, eq) + " is given twice");
            }
        }
        return out;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (notify && configFile == null) {
            throw new ParameterException(spec.commandLine(), "--notify needs --config FILE");
        }
        if (configFile != null && !Files.isRegularFile(configFile)) {
            throw new ParameterException(spec.commandLine(), "no such configuration file: " + configFile);
        }
        double factor = parseSpeed();
        Duration hold = parseLateness();
        if (compareJson != null && compare.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--compare-json needs --compare OLD");
        }
        if (!compare.isEmpty() && (notify || factor > 0)) {
            throw new ParameterException(spec.commandLine(), "--compare replays at full speed without delivering:"
                    + " it cannot go with " + (notify ? "--notify" : "--speed " + speed));
        }
        for (Path p : events) {
            if (!Files.isRegularFile(p)) {
                throw new ParameterException(spec.commandLine(), "no such event file: " + p);
            }
        }
        RuleSet ruleSet;
        try {
            ruleSet = Replayer.loadRules(rules);
        } catch (Replayer.RulesException e) {
            err.println(e.getMessage());
            err.flush();
            return ExitCode.FAILURE;
        }
        if (!compare.isEmpty()) {
            RuleSet old;
            try {
                old = Replayer.loadRules(compare);
            } catch (Replayer.RulesException e) {
                err.println(e.getMessage());
                err.flush();
                return ExitCode.FAILURE;
            }
            return compare(ruleSet, old, hold, err);
        }
        Optional<VigilConfig> config = Optional.empty();
        if (configFile != null) {
            try {
                config = Optional.of(ConfigLoader.fromEnvironment().load(configFile));
                RuleChannels.check(config.get().notifier(), ruleSet);
            } catch (ConfigException e) {
                for (ConfigProblem p : e.problems()) {
                    err.println(configFile + ": " + p);
                }
                err.flush();
                return ExitCode.FAILURE;
            }
        }
        Notifier notifier = null;
        if (notify) {
            try {
                notifier = Notifier.newBuilder(config.orElseThrow().notifier()).stdout(System.err).start();
            } catch (StoreException e) {
                err.println("vigil replay: " + e.getMessage());
                err.flush();
                return ExitCode.FAILURE;
            }
        }
        try {
            return replay(ruleSet, Optional.ofNullable(notifier), factor, hold, err);
        } finally {
            if (notifier != null) {
                notifier.close();
            }
        }
    }

    private int replay(RuleSet ruleSet, Optional<Notifier> notifier, double factor, Duration hold, PrintWriter err)
            throws Exception {
        boolean terminal = System.console() != null;
        // Buffered: one alert per line without a flush each; flushed at the end and when paced.
        PrintWriter out = new PrintWriter(new java.io.BufferedWriter(spec.commandLine().getOut(), 1 << 16), false);
        long[] printed = {0};
        AlertSink sink = new AlertSink() {
            @Override
            public void onAlert(Alert alert) {
                synchronized (out) {
                    out.println(alert.toJson());
                    if (factor > 0) {
                        out.flush();
                    }
                }
                notifier.ifPresent(n -> n.onAlert(alert));
            }

            @Override
            public void onSuppressed(Alert alert, String reason) {
                notifier.ifPresent(n -> n.onSuppressed(alert, reason));
            }
        };
        Replayer.Result r;
        try {
            r = Replayer.replay(ruleSet, events, Optional.ofNullable(csvType), hold, factor,
                    shards == null ? Replayer.defaultShards() : Replayer.checkShards(spec, shards), tables(),
                    problem -> {
                        synchronized (err) {
                            err.println("rejected row " + problem);
                        }
                    }, sink, rejection -> {
                synchronized (err) {
                    if (printed[0]++ < MAX_PRINTED_REJECTIONS) {
                        err.println("rejected " + rejection);
                    }
                }
            }, terminal ? new Replayer.Progress() {
                private final long start = System.nanoTime();

                @Override
                public void onEvents(long n, long alerts) {
                    double seconds = (System.nanoTime() - start) / 1e9;
                    synchronized (err) {
                        err.print(String.format(Locale.ROOT, "\r%d events, %.0f events/s, %d alerts", n,
                                seconds > 0 ? n / seconds : 0.0, alerts));
                        err.flush();
                    }
                }
            } : null);
        } catch (Replayer.RulesException e) {
            err.println(e.getMessage());
            err.flush();
            return ExitCode.FAILURE;
        } catch (IOException e) {
            out.flush(); // the alerts of the events read before the error
            err.println("vigil replay: cannot read events: " + e.getMessage());
            err.flush();
            return ExitCode.FAILURE;
        }
        out.flush();
        double seconds = r.nanos() / 1e9;
        if (printed[0] > MAX_PRINTED_REJECTIONS) {
            err.println("... and " + (printed[0] - MAX_PRINTED_REJECTIONS) + " more rejections");
        }
        err.println((terminal ? "\r" : "") + String.format(Locale.ROOT,
                "%d events (%d rejected, %d late), %d alerts in %.2f s: %.0f events/s",
                r.events() + r.rejected(), r.rejected(), r.late(), r.alerts(), seconds,
                seconds > 0 ? (r.events() + r.rejected()) / seconds : 0.0));
        err.flush();
        if (notifier.isPresent()) {
            awaitDeliveries(notifier.get(), err);
        }
        return ExitCode.OK;
    }

    /** {@code --compare} has no limits: the event files are read to their end. */
    private static final Backtest.Limits UNLIMITED = new Backtest.Limits(Long.MAX_VALUE, Duration.ofDays(36_500),
            Long.MAX_VALUE);

    /**
     * {@code --compare}: the events through {@code candidate} and {@code old}, each in an engine of
     * its own ({@link Backtest}); the candidate's alerts on standard output, the comparison on
     * standard error (and in {@code --compare-json}).
     */
    private int compare(RuleSet candidate, RuleSet old, Duration hold, PrintWriter err) throws Exception {
        java.util.Map<String, Path> tableFiles = tables();
        for (String name : tableFiles.keySet()) {
            if (candidate.table(name).isEmpty() && old.table(name).isEmpty()) {
                err.println("table " + name + ": neither --rules nor --compare declares such a table");
                err.flush();
                return ExitCode.FAILURE;
            }
        }
        PrintWriter out = new PrintWriter(new java.io.BufferedWriter(spec.commandLine().getOut(), 1 << 16), false);
        long[] printed = {0};
        dev.vigil.engine.EventDecoder decoder = dev.vigil.engine.EventDecoder.of(candidate, java.time.Clock.systemUTC());
        Backtest backtest = Backtest.newBuilder(candidate, old)
                .engineOptions(() -> dev.vigil.engine.EngineOptions.newBuilder()
                        .clock(java.time.Clock.systemUTC())
                        .lateness(hold)
                        .allowRawEpl(true))
                .tables(decl -> {
                    Path file = tableFiles.get(decl.name());
                    if (file == null) {
                        return Optional.empty();
                    }
                    try {
                        dev.vigil.engine.TableRows rows = dev.vigil.connectors.TableFiles.read(file, decl);
                        synchronized (err) {
                            rows.problems().forEach(p -> err.println("rejected row " + p));
                        }
                        return Optional.of(rows);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException("table " + decl.name() + ": cannot read " + file, e);
                    }
                })
                .limits(UNLIMITED)
                .keepAlerts(compareJson == null ? 0 : Integer.MAX_VALUE)
                .candidateAlerts(alert -> {
                    synchronized (out) {
                        out.println(alert.toJson());
                    }
                })
                .build();
        Backtest.Result r;
        try {
            r = backtest.run(sink -> {
                for (Path file : events) {
                    dev.vigil.connectors.EventFiles.read(file, Optional.ofNullable(csvType), () -> decoder,
                            new dev.vigil.connectors.EventFiles.Handler() {
                                @Override
                                public void onEvent(dev.vigil.engine.Event event) throws InterruptedException {
                                    onEvent(event, file.toString());
                                }

                                @Override
                                public void onEvent(dev.vigil.engine.Event event, String where)
                                        throws InterruptedException {
                                    // As written in the journal: each version decodes it with its own declarations.
                                    sink.accept(new dev.vigil.engine.EventInput.JsonText(event.toJson(), where));
                                }

                                @Override
                                public void onRejected(dev.vigil.engine.Rejection rejection) {
                                    synchronized (err) {
                                        if (printed[0]++ < MAX_PRINTED_REJECTIONS) {
                                            err.println("rejected " + rejection);
                                        }
                                    }
                                }
                            });
                }
            });
        } catch (dev.vigil.engine.DeployException e) {
            out.flush();
            err.println(e.getMessage());
            err.flush();
            return ExitCode.FAILURE;
        } catch (IOException | java.io.UncheckedIOException e) {
            out.flush();
            err.println("vigil replay: cannot read events: " + e.getMessage());
            err.flush();
            return ExitCode.FAILURE;
        }
        out.flush();
        for (Backtest.RuleComparison c : r.rules()) {
            err.println(String.format(Locale.ROOT, "compare %s (%s): %d added, %d removed, %d unchanged", c.rule(),
                    c.text().text(), c.added().size(), c.removed().size(), c.unchanged().size()));
            c.added().forEach(id -> err.println("  added " + id));
            c.removed().forEach(id -> err.println("  removed " + id));
        }
        err.println(String.format(Locale.ROOT, "compare: %d events (%d rejected by --rules, %d by --compare): %d added,"
                        + " %d removed, %d unchanged in %d ms", r.events(), r.rejectedCandidate(), r.rejectedBaseline(),
                r.added(), r.removed(), r.unchanged(), r.millis()));
        err.flush();
        if (compareJson != null) {
            try {
                Files.writeString(compareJson, r.toJson(Integer.MAX_VALUE, Integer.MAX_VALUE).toPrettyString() + "\n");
            } catch (IOException e) {
                err.println("vigil replay: cannot write " + compareJson + ": " + e.getMessage());
                err.flush();
                return ExitCode.FAILURE;
            }
        }
        return ExitCode.OK;
    }

    /** Waits until every alert is delivered or dead-lettered, then prints what each channel did. */
    private static void awaitDeliveries(Notifier notifier, PrintWriter err) throws InterruptedException {
        while (!notifier.awaitOutboxEmpty(WAIT_REPORT)) {
            err.println("waiting for " + notifier.history().pending() + " deliveries (retrying with backoff; "
                    + "each channel's maxAge bounds the wait)");
            err.flush();
        }
        NotifierStats stats = notifier.stats();
        for (ChannelStats c : stats.channels()) {
            err.println(String.format(Locale.ROOT, "notify %s: %d delivered, %d retried, %d dead-lettered",
                    c.channel(), c.delivered(), c.retried(), c.deadLettered()));
        }
        if (stats.duplicates() > 0) {
            err.println(stats.duplicates() + " alerts were already in the store " + notifier.history().path()
                    + " and were not sent again");
        }
        err.flush();
    }

    private double parseSpeed() {
        if (speed.equalsIgnoreCase("max")) {
            return 0;
        }
        try {
            double v = Double.parseDouble(speed);
            if (v > 0 && Double.isFinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ParameterException(spec.commandLine(), "--speed: expected max or a positive number, got " + speed);
    }

    private Duration parseLateness() {
        try {
            return Durations.parse(lateness);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--lateness: " + e.getMessage());
        }
    }
}
