package dev.vigil.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server for one test, started from Debian's {@code postgresql} package (which
 * {@code .ci/run} installs when it is missing): a fresh cluster in a temporary folder, listening on
 * 127.0.0.1 at a free port, trust authentication for the user {@code vigil}, stopped and deleted by
 * {@link #close}. PostgreSQL refuses to run as root: as root, the cluster belongs to the
 * {@code postgres} user and its commands run through {@code runuser}.
 */
public final class TestPostgres implements AutoCloseable {
    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgres;

    private TestPostgres(Path bin, Path dir, int port, boolean asPostgres) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgres = asPostgres;
    }

    /** The newest installed PostgreSQL's {@code bin} folder, or empty when none is installed. */
    public static Optional<Path> installed() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .max(Comparator.comparing(p -> p.getParent().getFileName().toString()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Starts a server; throws when PostgreSQL is not installed or does not start. */
    public static TestPostgres start() throws Exception {
        Path bin = installed().orElseThrow(() -> new IllegalStateException(
                "PostgreSQL is not installed (apt-get install postgresql; .ci/run does it)"));
        boolean root = "root".equals(System.getProperty("user.name"));
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "vigil-pg-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TestPostgres pg = new TestPostgres(bin, dir, port, root);
        if (root) {
            run(List.of("chown", "postgres", dir.toString()), 30);
        }
        pg.pg(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "vigil",
                "--auth=trust", "--no-sync", "-E", "UTF8"), 120);
        pg.pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-l",
                dir.resolve("log.txt").toString(), "-w", "-t", "60", "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off", "start"), 90);
        return pg;
    }

    /** The JDBC URL of the {@code postgres} database, as user {@code vigil}. */
    public String url() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=vigil";
    }

    private void pg(List<String> command, int seconds) throws Exception {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        run(full, seconds);
    }

    private static void run(List<String> command, int seconds) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(seconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            pg(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate",
                    "-w", "stop"), 60);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IOException("stopping PostgreSQL: " + e.getMessage(), e);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
