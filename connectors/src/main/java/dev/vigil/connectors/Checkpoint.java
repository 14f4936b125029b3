package dev.vigil.connectors;

import dev.vigil.engine.Engine;

import java.util.concurrent.ExecutionException;

import static java.util.Objects.requireNonNull;

/**
 * How a source learns that what it handed to the engine is done: processed by the engine, and the
 * alerts it raised stored. A source commits its input positions (Kafka offsets) only after a
 * checkpoint, so a crash re-reads input and never skips it.
 *
 * <p>The composition root implements it as "a round trip through the engine queue, then flush the
 * notifier"; the connectors do not know the notifier. Called on the source's own thread; may block.
 */
@FunctionalInterface
public interface Checkpoint {
    /**
     * Waits until every event handed to the engine before the call has been processed and the
     * alerts it raised are stored.
     *
     * @return the engine's event time at that point: an event handed over with a later time may
     *     still be held back for reordering ({@code lateness}) and is not done yet. {@link
     *     Long#MAX_VALUE} when the engine holds nothing back (processing time).
     * @throws ExecutionException when storing failed; nothing is committed then
     */
    long await() throws InterruptedException, ExecutionException;

    /** The engine alone: done once processed (tests, or alerts that need no store). */
    static Checkpoint engine(Engine engine) {
        requireNonNull(engine, "engine is null");
        return engine::now;
    }
}
