package dev.vigil.notifier.internal.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Alert;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.Secret;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real deliveries of the webhook channel, verified by the Standard Webhooks reference library, the
 * npm package {@code standardwebhooks} run by Node.js: what a receiver written against that
 * library sees. The package is installed from the npm registry into a temporary folder once per
 * run.
 *
 * <p>Without {@code node} and {@code npm} the test is skipped, unless {@code CI=true}: there it
 * fails, since {@code .ci/run} installs them.
 */
class StandardWebhooksReferenceTest {
    /**
     * The reference library's version, pinned so that a new release cannot change the check
     * unseen: 1.1.1 is the newest (it decodes the key after {@code whsec_} with standard base64 and
     * allows 5 minutes between {@code webhook-timestamp} and its clock).
     */
    static final String PACKAGE = "standardwebhooks@1.1.1";

    /** Bounds an npm install (a cold cache fetches three small packages) and a node run. */
    private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(1);

    private static final int ALERTS = 50;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path npm;

    /**
     * Installs the reference library into {@link #npm}. Called by the test itself rather than in a
     * {@code @BeforeAll}, so that a skip is reported as a skipped test with its reason.
     */
    private static void installTheReferenceLibrary() throws Exception {
        Optional<String> node = version("node");
        Optional<String> npmVersion = version("npm");
        if (node.isEmpty() || npmVersion.isEmpty()) {
            String missing = "node and npm are needed to verify webhooks with the Standard Webhooks reference library"
                    + " (node: " + node.orElse("not found") + ", npm: " + npmVersion.orElse("not found") + ")";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(missing + "; .ci/run installs them (apt-get install nodejs npm)");
            }
            Assumptions.abort(missing + ": skipped outside CI");
        }
        Run install = run(npm, NPM_TIMEOUT, Map.of(), "npm", "install", "--no-save", "--no-audit", "--no-fund",
                "--no-update-notifier", "--prefix", npm.toString(), PACKAGE);
        assertThat(install.status()).as("npm install %s:%n%s", PACKAGE, install.output()).isZero();
        String installed = JSON.readTree(npm.resolve("node_modules/standardwebhooks/package.json").toFile())
                .path("version").asText();
        assertThat("standardwebhooks@" + installed).isEqualTo(PACKAGE);
        System.out.println("Standard Webhooks reference check: " + PACKAGE + " on node " + node.get() + ", npm "
                + npmVersion.get());
    }

    @Test
    void everyDeliveredWebhook_verifiesWithTheReferenceLibrary_andATamperedOneDoesNot(@TempDir Path dir)
            throws Exception {
        installTheReferenceLibrary();
        String secret = freshSecret();
        List<WebhookReceiver.Request> received;
        try (WebhookReceiver receiver = new WebhookReceiver(Optional.of(secret), c -> WebhookReceiver.Answer.of(204));
                Notifier n = Notifier.newBuilder(Configs.of(dir.resolve("vigil.db"), new ChannelConfig.Webhook("hook",
                        receiver.url("/hooks/fraud"), Optional.of(Secret.of(secret)), ChannelConfig.DEFAULT_TIMEOUT,
                        Map.of(), ChannelConfig.DEFAULT_MAX_AGE, 4))).pollInterval(Duration.ofMillis(20)).start()) {
            IntStream.range(0, ALERTS).forEach(i -> n.onAlert(alert(i)));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(30))).isTrue();
            received = receiver.accepted();
        }
        assertThat(received).hasSize(ALERTS).allSatisfy(r -> assertThat(r.signatureValid()).isTrue());

        List<ObjectNode> requests = new ArrayList<>(received.stream().map(r -> request(r, r.body())).toList());
        WebhookReceiver.Request first = received.get(0);
        // The same headers over a body with one character changed, and over the body of another request.
        String tampered = first.body().replaceFirst("812\\.5", "912.5");
        assertThat(tampered).isNotEqualTo(first.body());
        requests.add(request(first, tampered));
        requests.add(request(first, received.get(1).body()));

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < ALERTS; i++) {
            expected.add(i + " verified " + received.get(i).header("webhook-id"));
        }
        expected.add(ALERTS + " rejected: No matching signature found");
        expected.add((ALERTS + 1) + " rejected: No matching signature found");
        expected.add(ALERTS + " verified, 2 rejected");
        assertThat(verify(dir, secret, requests)).containsExactlyElementsOf(expected);

        assertThat(verify(dir, freshSecret(), requests)).last().isEqualTo("0 verified, " + (ALERTS + 2) + " rejected");
    }

    /** Alerts whose messages take every UTF-8 length, so the signed bytes are not all ASCII. */
    private static Alert alert(int i) {
        Alert a = Alerts.alert("alert-" + i, "hook");
        return new Alert(a.id(), a.rule(), a.title(), a.status(), a.severity(), Map.of("cardId", "c-" + i),
                "Card c-" + i + ": test charge 1.0, then 812.5 € at Zürich 🚨 \"quoted\" \\ " + "x".repeat(i),
                a.time(), a.raisedAt(), a.labels(), a.values(), a.events(), a.channels(), 0);
    }

    /** What the script reads for one request: its Standard Webhooks headers and a body. */
    private static ObjectNode request(WebhookReceiver.Request r, String body) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", r.header("webhook-id"));
        o.put("timestamp", r.header("webhook-timestamp"));
        o.put("signature", r.header("webhook-signature"));
        o.put("body", Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)));
        return o;
    }

    /** The output lines of {@code verify.js} over these requests. */
    private static List<String> verify(Path dir, String secret, List<ObjectNode> requests) throws Exception {
        Path file = Files.createTempFile(dir, "requests", ".jsonl");
        StringBuilder lines = new StringBuilder();
        for (ObjectNode r : requests) {
            lines.append(JSON.writeValueAsString(r)).append('\n');
        }
        Files.writeString(file, lines);
        Run run = run(dir, NODE_TIMEOUT, Map.of("WEBHOOK_SECRET", secret,
                "NODE_PATH", npm.resolve("node_modules").toString()), "node", script().toString(), file.toString());
        assertThat(run.status()).as("node verify.js:%n%s", run.output()).isZero();
        return run.output().lines().toList();
    }

    private static Path script() throws URISyntaxException {
        return Path.of(StandardWebhooksReferenceTest.class.getResource("/standard-webhooks/verify.js").toURI());
    }

    /** A secret as {@code vigil secret} makes one: whsec_ and the base64 of 32 random bytes. */
    private static String freshSecret() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return ChannelConfig.Webhook.SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** What {@code command --version} prints, or empty when the command cannot be run. */
    private static Optional<String> version(String command) throws Exception {
        try {
            Run run = run(npm, NODE_TIMEOUT, Map.of(), command, "--version");
            return run.status() == 0 ? Optional.of(run.output().strip()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private record Run(int status, String output) {
    }

    /** Runs a command in {@code dir}, standard output and error together in a file; fails past {@code timeout}. */
    private static Run run(Path dir, Duration timeout, Map<String, String> env, String... command) throws Exception {
        Path output = Files.createTempFile(dir, "output", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout + ":\n"
                    + Files.readString(output));
        }
        return new Run(p.exitValue(), Files.readString(output));
    }
}
