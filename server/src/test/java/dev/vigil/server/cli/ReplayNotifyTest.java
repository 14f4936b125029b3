package dev.vigil.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "must show": the conformance velocity case replayed with {@code --notify} to a
 * local webhook that answers 500 to its first 3 calls. Every alert id of the replay output
 * arrives, each request carrying a valid Standard Webhooks signature.
 */
class ReplayNotifyTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void velocityReplayedWithNotify_everyAlertArrivesSigned_despiteThreeFailures(@TempDir Path dir) throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(Optional.of(SECRET),
                c -> WebhookReceiver.Answer.of(c.n() < 3 ? 500 : 204))) {
            Path config = Files.writeString(dir.resolve("vigil.yaml"), """
                    channels:
                      hook: { type: webhook, url: "%s", secret: "%s", workers: 4 }
                    routes:
                      - { notify: [hook] }
                    store:
                      path: vigil.db
                    """.formatted(receiver.url("/hook"), SECRET));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int code = VigilCli.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(
                    "replay", "--rules", "../conformance/velocity/case.rules",
                    "--events", "../conformance/velocity/events.jsonl",
                    "--config", config.toString(), "--notify");

            assertThat(code).as(err.toString()).isZero();
            List<String> replayed = new ArrayList<>();
            for (String line : out.toString().split("\n")) {
                replayed.add(JSON.readTree(line).get("id").asText());
            }
            assertThat(replayed).hasSize(494).doesNotHaveDuplicates();
            List<WebhookReceiver.Request> calls = receiver.requests();
            assertThat(calls).hasSize(494 + 3);
            assertThat(calls).allSatisfy(c -> {
                assertThat(c.path()).isEqualTo("/hook");
                assertThat(c.signatureValid()).as("signature of %s", c.header("webhook-id")).isTrue();
                assertThat(c.header("webhook-signature")).as("one signature").doesNotContain(" ");
            });
            Set<String> delivered = new HashSet<>();
            for (WebhookReceiver.Request c : calls) {
                String id = c.header("webhook-id");
                assertThat(JSON.readTree(c.body()).get("id").asText()).isEqualTo(id);
                if (c.answered() == 204) {
                    assertThat(delivered.add(id)).as("delivered once: %s", id).isTrue();
                }
            }
            assertThat(delivered).containsExactlyInAnyOrderElementsOf(replayed);
            assertThat(err.toString()).contains("notify hook: 494 delivered, 3 retried, 0 dead-lettered");
            assertThat(dir.resolve("vigil.db")).exists();
        }
    }

    @Test
    void notifyWithoutConfig_isAUsageError() {
        StringWriter err = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err))
                .execute("replay", "--rules", "../conformance/velocity/case.rules",
                        "--events", "../conformance/velocity/events.jsonl", "--notify");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--notify needs --config FILE");
    }

    @Test
    void ruleNotifyNamingAnUnconfiguredChannel_failsBeforeReplaying(@TempDir Path dir) throws Exception {
        Path rules = Files.writeString(dir.resolve("r.rules"), """
                event Reading { sensor string  value double  at timestamp }
                rule hot { when Reading(value > 50) notify pagr }
                """);
        Path events = Files.writeString(dir.resolve("e.jsonl"), "");
        Path config = Files.writeString(dir.resolve("vigil.yaml"), """
                channels:
                  pager: { type: log }
                store: { path: vigil.db }
                """);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = VigilCli.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(
                "replay", "--rules", rules.toString(), "--events", events.toString(), "--config", config.toString(),
                "--notify");
        assertThat(code).isEqualTo(1);
        int column = "rule hot { when Reading(value > 50) notify ".length() + 1;
        assertThat(err.toString()).contains("r.rules:2:" + column
                + ": rule hot: unknown channel \"pagr\"; did you mean \"pager\"?");
        assertThat(out.toString()).isEmpty();
    }
}
