package dev.vigil.engine;

import java.io.IOException;
import java.util.List;

/**
 * Where a source makes accepted events durable before the engine queues them (the journal of HTTP
 * ingest). {@link Engine#ingest(List, EventLog)} calls {@link #append} with its ingest lock held,
 * after the queue has room for the batch and before the batch is queued, so the log holds the
 * events in the order the engine takes them.
 *
 * <p>Called on the source's thread (an HTTP request thread), one call at a time per engine.
 */
@FunctionalInterface
public interface EventLog {
    /**
     * Appends one batch of valid events, in order. Returns once they are written (an implementation
     * may make them durable later, as its policy says).
     *
     * @return false when the log already holds this batch (a client sending it again after a lost
     *     answer): the engine then queues nothing, and reports the batch as queued (it was, the
     *     first time)
     * @throws IOException when they cannot be written: the engine queues none of them then
     */
    boolean append(List<Event> events) throws IOException;
}
