package dev.vigil.server.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code vigil run} in a child JVM, stopped with SIGTERM as a service manager stops it. */
class RunCommandSignalTest {
    @Test
    void run_sigterm_stopsCleanly_andExitsZero(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/t.rules"), """
                event Ping {
                    source string
                }
                rule ping { when Ping(source == "x") key source }
                """);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                server: { port: 0 }
                store: { path: vigil.db }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), VigilCli.class.getName(), "run", "--config",
                dir.resolve("vigil.yaml").toString())
                .redirectErrorStream(true)
                .start();
        List<String> output = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null) {
                output.add(line);
                if (line.contains("vigil run: running")) {
                    break;
                }
            }
            assertThat(output).as("the server's start log").anyMatch(l -> l.contains("vigil run: running"));
            // SIGTERM through kill(1): Process.destroy() would also close the child's output.
            assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(child.pid())).start().waitFor()).isZero();
            while ((line = out.readLine()) != null) {
                output.add(line);
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as(String.join("\n", output)).isZero();
            assertThat(output).contains("vigil run: stopped cleanly");
        } finally {
            child.destroyForcibly();
        }
    }
}
