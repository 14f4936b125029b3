package dev.vigil.server.run;

import dev.vigil.server.cli.VigilCli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code vigil run} child process (the test's class path); its output goes to a log file in {@code dir}. */
final class ChildVigil {
    private static final Pattern API = Pattern.compile("admin API at (http://[^/\\s]+)/api");
    private static int started;
    final Process process;
    final String base;

    private ChildVigil(Process process, String base) {
        this.process = process;
        this.base = base;
    }

    static ChildVigil start(Path dir, Path config) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("run-" + (started++) + ".log");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-cp",
                System.getProperty("java.class.path"), VigilCli.class.getName(), "run", "--config",
                config.toString())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<String> base = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 var w = Files.newBufferedWriter(log)) {
                String line;
                while ((line = in.readLine()) != null) {
                    w.write(line);
                    w.newLine();
                    w.flush();
                    Matcher m = API.matcher(line);
                    if (m.find()) {
                        base.complete(m.group(1));
                    }
                }
            } catch (IOException e) {
                base.completeExceptionally(e);
            }
            base.completeExceptionally(new IllegalStateException("vigil run exited; see " + log));
        }, "child-output");
        reader.setDaemon(true);
        reader.start();
        return new ChildVigil(p, base.get(60, TimeUnit.SECONDS));
    }

    void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux
        process.waitFor(30, TimeUnit.SECONDS);
    }

    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
