package dev.vigil.connectors;

import java.util.Optional;

/**
 * A source of events for one engine: HTTP ingest, a recorded file, a followed file, a Kafka
 * consumer. Modelled on Kafka Connect's {@code SourceTask}: the composition root ({@code vigil
 * run}) builds every configured source, starts them in one loop and stops them in one loop.
 *
 * <p>Lifecycle and threads:
 * <ul>
 *   <li>{@link #start} is called once, by the composition root's thread. It returns at once: a
 *   pulling source (file, Kafka) has started its own thread by then, and a pushed source (HTTP)
 *   accepts requests on the request threads from then on. Events reach the engine only between
 *   {@code start} and {@link #stop}, through {@link SourceContext#engine()}; the context's
 *   listener and checkpoint are called on the source's own threads.
 *   <li>{@link #stop} may be called from any thread, any number of times, also before or without
 *   {@code start}. It hands nothing more to the engine, lets the source finish what it owes (a
 *   last checkpoint and commit for Kafka), and returns within a bounded time even when the
 *   source's thread is stuck, saying so in the log.
 *   <li>{@link #name} and {@link #position} may be called from any thread at any time.
 * </ul>
 */
public interface Source {
    /** What the logs and errors call it: {@code file /var/log/app/events.jsonl}, {@code kafka vigil [t]}. */
    String name();

    /**
     * Starts handing events to the engine; returns at once.
     *
     * @throws IllegalStateException when the source was already started or stopped
     */
    void start(SourceContext context);

    /** Stops handing events to the engine; idempotent and bounded. */
    void stop();

    /**
     * Where the source has got to: a point it can be started from again to replay what came after
     * (the byte offset of a file's next unread line, the committed offsets of Kafka partitions).
     * Empty when it cannot say: a pushed source keeps no position of its own (what HTTP accepted is
     * replayed from the journal), nor does a CSV file.
     */
    Optional<SourcePosition> position();
}
