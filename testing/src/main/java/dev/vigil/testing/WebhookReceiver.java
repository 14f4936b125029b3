package dev.vigil.testing;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

import static java.util.Objects.requireNonNull;

/**
 * A webhook receiver on a free loopback port, as a real one would be: it records every request,
 * answers each as the test chooses (a status, headers, or never), and, when given the secret,
 * verifies its Standard Webhooks signature the way the reference libraries do (written here from
 * the scheme, not with the code under test).
 *
 * <p>Requests are handled on a thread per request, so a hanging answer holds up no other request;
 * every method may be called from any thread. {@link #close} releases the hanging requests.
 */
public final class WebhookReceiver implements AutoCloseable {
    /** What the receiver answers to one request: a status with headers, or never ({@link #hanging}). */
    public record Answer(int status, Map<String, String> headers, boolean hang) {
        public Answer {
            headers = Map.copyOf(requireNonNull(headers, "headers is null"));
        }

        /** The status with an empty body ({@code {}} for every status but 204). */
        public static Answer of(int status) {
            return new Answer(status, Map.of(), false);
        }

        /** The status with one response header, e.g. {@code Retry-After} or {@code Location}. */
        public static Answer of(int status, String header, String value) {
            return new Answer(status, Map.of(header, value), false);
        }

        /** Never answers (until the receiver closes): a receiver that times out. */
        public static Answer hanging() {
            return new Answer(0, Map.of(), true);
        }
    }

    /** The n-th request (0-based, in order of arrival) and its path: what an answer is chosen by. */
    public record Call(int n, String path) {
    }

    /**
     * One request as received, with what was answered.
     *
     * @param signatureValid whether its Standard Webhooks signature verified with the receiver's
     *     secret (false when the receiver has none)
     * @param answered the status answered, 0 for a request left hanging
     */
    public record Request(String path, Map<String, List<String>> headers, String body, boolean signatureValid,
                          int answered) {
        public Request {
            requireNonNull(path, "path is null");
            requireNonNull(headers, "headers is null");
            requireNonNull(body, "body is null");
            Map<String, List<String>> copy = new LinkedHashMap<>();
            headers.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            headers = Map.copyOf(copy);
        }

        /** The first value of a header, its name in any case; null when the request has none. */
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }

        /** Whether it was answered with a 2xx. */
        public boolean accepted() {
            return answered >= 200 && answered < 300;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final List<Request> requests = new ArrayList<>();
    private final Optional<String> secret;
    private volatile Function<Call, Answer> answers;

    /**
     * Starts a receiver on a free loopback port.
     *
     * @param secret the Standard Webhooks secret to verify signatures with ({@code whsec_<base64>}
     *     or plain text), or empty to verify none
     * @param answers the answer to each request
     */
    public WebhookReceiver(Optional<String> secret, Function<Call, Answer> answers) throws IOException {
        this.secret = requireNonNull(secret, "secret is null");
        this.answers = requireNonNull(answers, "answers is null");
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A receiver that answers every request with {@code status} and verifies no signature. */
    public static WebhookReceiver answering(int status) throws IOException {
        return new WebhookReceiver(Optional.empty(), c -> Answer.of(status));
    }

    /** A receiver that verifies signatures with {@code secret} and answers every request with {@code status}. */
    public static WebhookReceiver signed(String secret, int status) throws IOException {
        requireNonNull(secret, "secret is null");
        return new WebhookReceiver(Optional.of(secret), c -> Answer.of(status));
    }

    /** Changes the answers from the next request on. */
    public void answer(Function<Call, Answer> answers) {
        this.answers = requireNonNull(answers, "answers is null");
    }

    /** The URL of {@code path} (which starts with a slash) on this receiver. */
    public URI url(String path) {
        requireNonNull(path, "path is null");
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    /** Every request so far, in order of arrival. */
    public synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests so far that were answered with a 2xx. */
    public List<Request> accepted() {
        return requests().stream().filter(Request::accepted).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        byte[] bytes = ex.getRequestBody().readAllBytes();
        String body = new String(bytes, StandardCharsets.UTF_8);
        boolean valid = secret.map(s -> verify(s, ex.getRequestHeaders().getFirst("webhook-id"),
                ex.getRequestHeaders().getFirst("webhook-timestamp"),
                ex.getRequestHeaders().getFirst("webhook-signature"), bytes)).orElse(false);
        String path = ex.getRequestURI().getPath();
        Answer a;
        synchronized (this) {
            a = answers.apply(new Call(requests.size(), path));
            requests.add(new Request(path, ex.getRequestHeaders(), body, valid, a.hang() ? 0 : a.status()));
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
     * Standard Webhooks verification: HMAC-SHA256 over {@code "{id}.{timestamp}.{body}"}, keyed with
     * the base64-decoded part after {@code whsec_} (or the UTF-8 bytes of a secret without that
     * prefix); the header holds space-separated {@code v1,<base64>} entries, one of which must match.
     * False for a missing header and for anything malformed.
     */
    public static boolean verify(String secret, String id, String timestamp, String header, byte[] body) {
        requireNonNull(secret, "secret is null");
        requireNonNull(body, "body is null");
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

    /** Stops the receiver; requests left hanging are closed without an answer. */
    @Override
    public void close() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
