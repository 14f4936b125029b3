package dev.vigil.notifier.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A webhook receiver on a free local port, as a real one would be: it records every request and,
 * when given the secret, verifies its Standard Webhooks signature the way the reference libraries
 * do (written here from the scheme, not with the code under test).
 */
public final class Receiver implements AutoCloseable {
    /** What the receiver answers. */
    public record Answer(int status, Map<String, String> headers, boolean hang) {
        public static Answer of(int status) {
            return new Answer(status, Map.of(), false);
        }

        public static Answer of(int status, String header, String value) {
            return new Answer(status, Map.of(header, value), false);
        }

        /** Never answers (until the receiver closes). */
        public static Answer hanging() {
            return new Answer(0, Map.of(), true);
        }
    }

    /** The n-th request (0-based) and its path: what an answer is chosen by. */
    public record Call(int n, String path) {
    }

    /** One request as received, with what was answered. */
    public record Request(String path, Map<String, List<String>> headers, String body, boolean signatureValid, int answered) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Request> requests = new ArrayList<>();
    private final Optional<String> secret;
    private volatile Function<Call, Answer> answers;

    /**
     * @param answers the answer to each request
     */
    public Receiver(Optional<String> secret, Function<Call, Answer> answers) throws IOException {
        this.secret = secret;
        this.answers = answers;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static Receiver answering(int status) throws IOException {
        return new Receiver(Optional.empty(), n -> Answer.of(status));
    }

    public void answer(Function<Call, Answer> answers) {
        this.answers = answers;
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Requests answered with a 2xx. */
    public List<Request> accepted() {
        return requests().stream().filter(r -> r.answered() >= 200 && r.answered() < 300).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readAllBytes();
        String body = new String(bytes, StandardCharsets.UTF_8);
        boolean valid = secret.map(s -> verify(s, ex.getRequestHeaders().getFirst("webhook-id"),
                ex.getRequestHeaders().getFirst("webhook-timestamp"),
                ex.getRequestHeaders().getFirst("webhook-signature"), bytes)).orElse(false);
        int n;
        Answer a;
        synchronized (this) {
            n = requests.size();
            a = answers.apply(new Call(n, ex.getRequestURI().getPath()));
            requests.add(new Request(ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body, valid,
                    a.hang() ? 0 : a.status()));
        }
        if (a.hang()) {
            try {
                closing.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        a.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.sendResponseHeaders(a.status(), a.status() == 204 ? -1 : 0);
        try (OutputStream out = ex.getResponseBody()) {
            if (a.status() != 204) {
                out.write("{}".getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * Standard Webhooks verification: HMAC-SHA256 over "{id}.{timestamp}.{body}", keyed with the
     * base64-decoded part after "whsec_"; the header holds space-separated "v1,<base64>" entries.
     */
    public static boolean verify(String secret, String id, String timestamp, String header, byte[] body) {
        if (id == null || timestamp == null || header == null) {
            return false;
        }
        try {
            byte[] key = secret.startsWith("whsec_") ? Base64.getDecoder().decode(secret.substring(6))
                    : secret.getBytes(StandardCharsets.UTF_8);
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            byte[] expected = mac.doFinal(body);
            for (String sig : header.split(" ")) {
                if (sig.startsWith("v1,") && MessageDigest.isEqual(expected, Base64.getDecoder().decode(sig.substring(3)))) {
                    return true;
                }
            }
            return false;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
