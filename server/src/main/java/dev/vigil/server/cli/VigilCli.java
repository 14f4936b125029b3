package dev.vigil.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * The {@code vigil} command line: the top-level command, which only dispatches to its subcommands.
 *
 * <p>To add a command, write a class annotated with {@code @Command(name = "...",
 * mixinStandardHelpOptions = true, description = "...")} that implements
 * {@code Callable<Integer>} (returning an {@link ExitCode}) and add it to the {@code subcommands}
 * list below. Commands print through {@code spec.commandLine().getOut()} and {@code getErr()} (inject
 * {@code @Spec CommandSpec spec}), never through {@code System.out}, so that tests can capture them,
 * and report usage mistakes (a missing file, a bad option value) by throwing
 * {@link ParameterException}, which exits with {@link ExitCode#USAGE}.
 */
@Command(
        name = "vigil",
        mixinStandardHelpOptions = true,
        versionProvider = VigilCli.Version.class,
        description = "Vigil: complex-event-processing alerting on Esper.",
        synopsisSubcommandLabel = "COMMAND",
        commandListHeading = "%nCommands:%n",
        subcommands = {
                CheckCommand.class,
                ReplayCommand.class,
                TestCommand.class,
                ExplainCommand.class,
                RunCommand.class,
                SecretCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class VigilCli implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /**
     * Runs one command as the {@code vigil} launcher does, writing to the given streams instead of
     * standard output and error; returns the exit status. For embedding and tests.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = newCommandLine();
        commandLine.setOut(out);
        commandLine.setErr(err);
        int status = commandLine.execute(args);
        out.flush();
        err.flush();
        return status;
    }

    /** The command line with every command registered and Vigil's error handling installed. */
    static CommandLine newCommandLine() {
        CommandLine commandLine = new CommandLine(new VigilCli());
        commandLine.setParameterExceptionHandler(VigilCli::handleUsageError);
        return commandLine;
    }

    /** {@code vigil} without a command: show what the commands are. */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("vigil: missing command");
        spec.commandLine().usage(err);
        return ExitCode.USAGE;
    }

    /**
     * Prints a usage mistake as {@code vigil check: MESSAGE} (one line per line of the message) and
     * where to read more, instead of picocli's default of the message and the full usage text.
     */
    private static int handleUsageError(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        String name = commandLine.getCommandSpec().qualifiedName();
        for (String line : String.valueOf(e.getMessage()).split("\n")) {
            err.println(name + ": " + line);
        }
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + name + " --help' for more information.");
        err.flush();
        return ExitCode.USAGE;
    }

    /** The version from the jar's manifest; {@code dev} when run from classes (in tests, say). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = VigilCli.class.getPackage().getImplementationVersion();
            return new String[] {"vigil " + (version == null ? "dev" : version)};
        }
    }
}
