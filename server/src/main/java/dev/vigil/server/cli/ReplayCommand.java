package dev.vigil.server.cli;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.rules.RuleSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.vigil.server.config.Durations;
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
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:replayed (rejected events are reported, not fatal)",
                "1:the rule files have errors",
                "2:wrong usage: a missing file, an unknown option",
        })
final class ReplayCommand implements Callable<Integer> {
    /** Rejections printed one by one before only counting them. */
    private static final int MAX_PRINTED_REJECTIONS = 50;

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

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        double factor = parseSpeed();
        Duration hold = parseLateness();
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
            }
        };
        Replayer.Result r;
        try {
            r = Replayer.replay(ruleSet, events, Optional.ofNullable(csvType), hold, factor, sink, rejection -> {
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
        return ExitCode.OK;
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
