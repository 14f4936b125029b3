package dev.vigil.server.run;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The heap guard reports live state that fills the heap, before the JVM runs out of memory. */
class HeapGuardTest {
    @Test
    void heapFillingWithLiveData_isReportedBeforeOutOfMemory() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx96m", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"),
                HeapGuardChild.class.getName()).redirectErrorStream(true).start();
        List<String> lines;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            lines = out.lines().toList();
        }
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String all = String.join("\n", lines);
        assertThat(all).doesNotContain("OutOfMemoryError").contains("PRESSURE after")
                .contains("% full after a collection");
        assertThat(child.exitValue()).as(all).isZero();
    }
}
