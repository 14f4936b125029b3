package dev.vigil.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/**
 * One decoded, valid event: its type, event time, optional id and data. Made only by an
 * {@link EventDecoder}, so every event the engine sees matches its declaration.
 *
 * Implemented by the engine alone; an event made any other way is refused.
 *
 * <p>Immutable and safe to share between threads: a source decodes it, the engine thread runs it,
 * the notifier's threads read it from an alert's {@code events}.
 */
public interface Event {
    /** The declared event type's name. */
    String type();

    /** Event time, epoch milliseconds. */
    long time();

    /** The envelope's {@code id}, when it has one. */
    Optional<String> id();

    /** The event's data as received, undeclared fields included. A fresh copy: changing it changes nothing. */
    ObjectNode data();

    /** The {@code id} attribute, else a digest of type and data: what alert ids are built from. */
    String effectiveId();

    /**
     * The event as one line of JSON in the native envelope form, {@code {"type", "id", "time",
     * "data"}} with the time in epoch milliseconds and the data as received: decoding it with the
     * same declarations gives the same event (type, time, id, data). What the journal stores.
     */
    String toJson();
}
