package dev.vigil.connectors;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Json;

import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * HTTP ingest as a {@link Source}: events are pushed, so starting it opens {@link HttpIngest} to
 * requests and stopping it closes it again; the HTTP server itself runs on, answering 503 to
 * {@code POST /events} before the start and after the stop, so a client retries (or goes to
 * another instance) instead of losing events to a stopping engine.
 *
 * <p>Threads: {@link #handle} is called on the request threads, concurrently; {@link #start} and
 * {@link #stop} on any thread. HTTP reports accepted and rejected events per request through
 * {@link HttpIngest.Listener}, not the context's listener, and keeps no position: what it accepted
 * is replayed from the journal.
 */
public final class HttpSource implements Source {
    /** How long a client should wait before trying again while ingest is closed. */
    static final int RETRY_AFTER_SECONDS = 1;

    private final HttpIngest ingest;
    private volatile boolean accepting;
    private volatile boolean stopped;
    /** Held back while the engine rebuilds its state (a Kafka assignment): 503 meanwhile. */
    private volatile boolean paused;

    public HttpSource(HttpIngest ingest) {
        this.ingest = requireNonNull(ingest, "ingest is null");
    }

    @Override
    public String name() {
        return "http";
    }

    @Override
    public synchronized void start(SourceContext context) {
        requireNonNull(context, "context is null");
        if (accepting || stopped) {
            throw new IllegalStateException("source http was already started or stopped");
        }
        accepting = true;
    }

    @Override
    public synchronized void stop() {
        stopped = true;
        accepting = false;
    }

    /** Refuses requests with 503 until {@link #resume}, while the engine replays its state. Any thread. */
    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
    }

    @Override
    public Optional<SourcePosition> position() {
        return Optional.empty();
    }

    /** {@link HttpIngest#handle} while started; 503 with {@code Retry-After} otherwise. */
    public HttpIngest.Answer handle(byte[] body, String contentType, Map<String, String> headers) {
        if (accepting && paused) {
            ObjectNode b = Json.mapper().createObjectNode();
            b.put("error", "not accepting events for now: Vigil is rebuilding its state after a Kafka rebalance");
            return new HttpIngest.Answer(503, b, RETRY_AFTER_SECONDS);
        }
        if (!accepting) {
            ObjectNode b = Json.mapper().createObjectNode();
            b.put("error", stopped ? "not accepting events: Vigil is stopping" : "not accepting events yet: Vigil is starting");
            return new HttpIngest.Answer(503, b, RETRY_AFTER_SECONDS);
        }
        return ingest.handle(body, contentType, headers);
    }
}
