package dev.vigil.server.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The "must show": the conformance velocity case replayed with {@code --notify} to a
 * local webhook that answers 500 to its first 3 calls. Every alert id of the replay output
 * arrives, each request carrying a valid Standard Webhooks signature.
 */
class ReplayNotifyTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request to the receiver: the webhook-id, whether its signature verified, the status answered. */
    private record Call(String id, boolean signed, int status, String body) {
    }

    @Test
    void velocityReplayedWithNotify_everyAlertArrivesSigned_despiteThreeFailures(@TempDir Path dir) throws Exception {
        List<Call> calls = new ArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/hook", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            String id = ex.getRequestHeaders().getFirst("webhook-id");
            boolean signed = verify(id, ex.getRequestHeaders().getFirst("webhook-timestamp"),
                    ex.getRequestHeaders().getFirst("webhook-signature"), body);
            int status;
            synchronized (calls) {
                status = calls.size() < 3 ? 500 : 204;
                calls.add(new Call(id, signed, status, new String(body, StandardCharsets.UTF_8)));
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        try {
            Path config = Files.writeString(dir.resolve("vigil.yaml"), """
                    channels:
                      hook: { type: webhook, url: "http://127.0.0.1:%d/hook", secret: "%s", workers: 4 }
                    routes:
                      - { notify: [hook] }
                    store:
                      path: vigil.db
                    """.formatted(server.getAddress().getPort(), SECRET));
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
            assertThat(calls).hasSize(494 + 3);
            assertThat(calls).allSatisfy(c -> assertThat(c.signed()).as("signature of %s", c.id()).isTrue());
            Set<String> delivered = new HashSet<>();
            for (Call c : calls) {
                assertThat(JSON.readTree(c.body()).get("id").asText()).isEqualTo(c.id());
                if (c.status() == 204) {
                    assertThat(delivered.add(c.id())).as("delivered once: %s", c.id()).isTrue();
                }
            }
            assertThat(delivered).containsExactlyInAnyOrderElementsOf(replayed);
            assertThat(err.toString()).contains("notify hook: 494 delivered, 3 retried, 0 dead-lettered");
            assertThat(dir.resolve("vigil.db")).exists();
        } finally {
            server.stop(0);
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

    private static boolean verify(String id, String timestamp, String header, byte[] body) {
        if (id == null || timestamp == null || header == null || !header.startsWith("v1,")) {
            return false;
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(mac.doFinal(body), Base64.getDecoder().decode(header.substring(3)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
