package dev.vigil.server.corpus;

import dev.vigil.server.cli.VigilCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A finding of the bad-input corpus outside its categories: jackson-dataformat-yaml 2.18.2 reading a
 * byte stream fails on a character of four bytes split across its 1024-byte buffers
 * (FasterXML/jackson-dataformats-text#508), so {@code vigil test} decodes a rule test file itself and
 * parses the text; these tests put an emoji on both sides of that boundary.
 */
class RuleTestFileEncodingTest {
    @TempDir
    Path dir;

    /** {@code vigil test} of a passing test whose name holds an emoji after a comment of {@code pad} characters. */
    private String[] vigilTest(int pad) throws Exception {
        Files.writeString(dir.resolve("probe.rules"), ProbeServer.PROBE_RULES);
        Files.writeString(dir.resolve("events.jsonl"),
                "{\"type\":\"Tx\",\"data\":{\"source\":\"probe\",\"n\":1,\"at\":\"2026-01-01T00:00:01Z\"}}\n");
        Files.writeString(dir.resolve("expected.jsonl"),
                "{\"rule\":\"probe\",\"status\":\"firing\",\"key\":{\"n\":1},\"time\":\"2026-01-01T00:00:01.000Z\"}\n");
        Path test = dir.resolve("probe.test.yaml");
        Files.writeString(test, "# " + "x".repeat(pad) + "\nname: \"the probe alerts 👍🏽\"\nrules: [probe.rules]\n"
                + "events: events.jsonl\nexpect: expected.jsonl\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = VigilCli.run(new PrintWriter(out), new PrintWriter(err), "test", test.toString());
        return new String[] {Integer.toString(status), out.toString(), err.toString()};
    }

    @Test
    void ruleTestFile_withAnEmoji_isRead() throws Exception {
        String[] r = vigilTest(10);
        assertThat(r[2]).isEmpty();
        assertThat(r[1]).endsWith("1 passed, 0 failed\n");
        assertThat(r[0]).isEqualTo("0");
    }

    @Test
    void ruleTestFile_withAnEmojiAcrossTheReadBuffer_isRead() throws Exception {
        // The emoji starts at byte pad + 27: these pads put its bytes on both sides of byte 1024.
        for (int pad = 990; pad <= 1000; pad++) {
            String[] r = vigilTest(pad);
            assertThat(r[2]).as("standard error, pad %d", pad).isEmpty();
            assertThat(r[1]).as("standard output, pad %d", pad).endsWith("1 passed, 0 failed\n");
            assertThat(r[0]).as("exit status, pad %d", pad).isEqualTo("0");
        }
    }
}
