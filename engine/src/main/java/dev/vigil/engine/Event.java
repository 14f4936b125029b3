package dev.vigil.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * One decoded, valid event: its type, event time, optional id and data. Made by
 * {@link EventDecoder}; carries its values in the engine's own representation, ready for Esper.
 */
public final class Event {
    private final EventShape shape;
    private final long time;
    private final String id;
    /** The data as a tree; parsed from {@link #rawData} on first use when decoded from text. */
    private ObjectNode data;
    private final String rawData;
    /** The declared fields in declaration order, then this event (Esper's object-array row). */
    final Object[] row;
    private String digestId;

    Event(EventShape shape, long time, String id, ObjectNode data, Object[] row) {
        this(shape, time, id, requireNonNull(data, "data is null"), null, row);
    }

    /** An event decoded from text: its data object kept as text until someone asks for it. */
    Event(EventShape shape, long time, String id, String rawData, Object[] row) {
        this(shape, time, id, null, requireNonNull(rawData, "rawData is null"), row);
    }

    private Event(EventShape shape, long time, String id, ObjectNode data, String rawData, Object[] row) {
        this.shape = requireNonNull(shape, "shape is null");
        this.time = time;
        this.id = id;
        this.data = data;
        this.rawData = rawData;
        this.row = requireNonNull(row, "row is null");
        row[row.length - 1] = this;
    }

    public String type() {
        return shape.name();
    }

    /** Event time, epoch milliseconds. */
    public long time() {
        return time;
    }

    /** The envelope's {@code id}, when it has one. */
    public Optional<String> id() {
        return Optional.ofNullable(id);
    }

    /** The event's data as received, undeclared fields included. */
    public ObjectNode data() {
        if (data == null) {
            try {
                data = (ObjectNode) Json.MAPPER.readTree(rawData);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("data of a decoded event is no longer valid JSON", e);
            }
        }
        return data;
    }

    /** The {@code id} attribute, else a digest of type and data: what alert ids are built from. */
    public String effectiveId() {
        if (id != null) {
            return id;
        }
        if (digestId == null) {
            digestId = Digests.hex128((type() + "\u0000" + data()).getBytes(StandardCharsets.UTF_8));
        }
        return digestId;
    }

    EventShape shape() {
        return shape;
    }

    @Override
    public String toString() {
        return type() + "@" + Times.format(time) + (id == null ? "" : "#" + id) + (data != null ? data : rawData);
    }
}
