package dev.vigil.server.cli;

import dev.vigil.server.config.ConfigException;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.ConfigProblem;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.server.run.VigilServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** {@code vigil run}: the service. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
                "Start Vigil: the engine, the event sources, the notifier and the admin API, from a YAML "
                        + "configuration file. Stops cleanly on SIGTERM or Ctrl-C (drains the queue, flushes "
                        + "the store).",
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
                "0:stopped cleanly",
                "1:the configuration or the rule files have errors, or Vigil could not start",
                "2:wrong usage: a missing configuration file, an unknown option",
        })
final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--config", defaultValue = "vigil.yaml", paramLabel = "FILE",
            description = "The configuration file (default: vigil.yaml). Relative paths in it are relative "
                    + "to its folder.")
    private Path config;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(config)) {
            throw new ParameterException(spec.commandLine(), "no such configuration file: " + config);
        }
        VigilConfig c;
        try {
            c = ConfigLoader.fromEnvironment().load(config);
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err.println(config + ": " + p);
            }
            err.println(e.problems().size() + " configuration error" + (e.problems().size() == 1 ? "" : "s"));
            err.flush();
            return ExitCode.FAILURE;
        }
        // The hook is in place before the server starts: a SIGTERM at any moment after this
        // stops cleanly (a server half started is closed too), never with the JVM's default 143.
        AtomicReference<VigilServer> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            VigilServer s = running.getAndSet(null);
            if (s == null) {
                return; // stopped while starting: start() closes what it opened when it fails
            }
            s.close();
            stopped.countDown();
            // Only a signal (SIGTERM, Ctrl-C) stops `vigil run`, and the JVM would then exit with 128 +
            // the signal's number although the stop was clean: the documented status is 0. Nothing
            // is left to run once the server has drained its queue and flushed its store.
            err.println("vigil run: stopped cleanly");
            err.flush();
            Runtime.getRuntime().halt(ExitCode.OK);
        }, "vigil-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        VigilServer server;
        try {
            server = VigilServer.start(c, Clock.systemUTC());
        } catch (VigilServer.StartException e) {
            err.println("vigil run: " + e.getMessage());
            err.flush();
            return ExitCode.FAILURE;
        }
        running.set(server);
        err.println("vigil run: running; SIGTERM or Ctrl-C stops it cleanly");
        err.flush();
        stopped.await();
        return ExitCode.OK;
    }
}
