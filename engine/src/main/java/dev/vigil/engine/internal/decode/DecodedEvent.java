package dev.vigil.engine.internal.decode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Event;
import dev.vigil.engine.Json;
import dev.vigil.engine.Times;
import dev.vigil.engine.internal.alerting.Digests;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The engine's {@link Event}: the values in Esper's object-array row (declared fields in declaration
 * order, then the event itself, so a rule's output can name the events it matched) and the data
 * as received.
 *
 * <p>Threads: built on a source's thread by {@link JsonEventDecoder}, processed on the engine
 * thread, read by the notifier's threads. Every field is final except the two values computed on
 * first use ({@link #data} from the raw text, {@link #effectiveId}); those are volatile and their
 * computation is idempotent, so a race computes the same value twice and publishes it safely. The
 * row is written only before the constructor returns (its last slot by the constructor itself) and
 * reached only through the final field, so it is safely published with the event.
 */
public final class DecodedEvent implements Event {
    private final EventShape shape;
    private final long time;
    private final String id;
    /** The data as received, when decoded from text; null when decoded from a tree. */
    private final String rawData;
    /** The data as a tree: given, or parsed from {@link #rawData} on first use. Never handed out. */
    private volatile ObjectNode data;
    private volatile String digestId;
    private final Object[] row;

    DecodedEvent(EventShape shape, long time, String id, ObjectNode data, Object[] row) {
        this(shape, time, id, requireNonNull(data, "data is null"), null, row);
    }

    /** An event decoded from text: its data object kept as text until someone asks for it. */
    DecodedEvent(EventShape shape, long time, String id, String rawData, Object[] row) {
        this(shape, time, id, null, requireNonNull(rawData, "rawData is null"), row);
    }

    private DecodedEvent(EventShape shape, long time, String id, ObjectNode data, String rawData, Object[] row) {
        this.shape = requireNonNull(shape, "shape is null");
        this.time = time;
        this.id = id;
        this.data = data;
        this.rawData = rawData;
        this.row = requireNonNull(row, "row is null");
        row[row.length - 1] = this;
    }

    /**
     * The engine's own view of an event handed to its public API.
     *
     * @throws IllegalArgumentException when the event was not made by the engine's decoder
     */
    public static DecodedEvent of(Event event) {
        if (event instanceof DecodedEvent d) {
            return d;
        }
        throw new IllegalArgumentException("events come from the engine's EventDecoder, not from "
                + event.getClass().getName());
    }

    @Override
    public String type() {
        return shape.name();
    }

    @Override
    public long time() {
        return time;
    }

    @Override
    public Optional<String> id() {
        return Optional.ofNullable(id);
    }

    @Override
    public ObjectNode data() {
        return tree().deepCopy();
    }

    /** The shared tree of the data, for the engine's own reading (message values, digests): never changed. */
    public ObjectNode tree() {
        ObjectNode d = data;
        if (d == null) {
            try {
                d = (ObjectNode) Json.mapper().readTree(rawData);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("data of a decoded event is no longer valid JSON", e);
            }
            data = d;
        }
        return d;
    }

    @Override
    public String effectiveId() {
        if (id != null) {
            return id;
        }
        String d = digestId;
        if (d == null) {
            d = Digests.hex128((type() + "\u0000" + tree()).getBytes(StandardCharsets.UTF_8));
            digestId = d;
        }
        return d;
    }

    @Override
    public String toJson() {
        String d = rawData != null ? rawData : tree().toString();
        StringBuilder b = new StringBuilder(48 + d.length());
        b.append("{\"type\":\"");
        JsonStringEncoder.getInstance().quoteAsString(type(), b);
        b.append('"');
        if (id != null) {
            b.append(",\"id\":\"");
            JsonStringEncoder.getInstance().quoteAsString(id, b);
            b.append('"');
        }
        b.append(",\"time\":").append(time).append(",\"data\":").append(d).append('}');
        return b.toString();
    }

    /** The declared shape this event was decoded against. */
    public EventShape shape() {
        return shape;
    }

    /** Esper's row for this event. The engine thread passes it to Esper; nobody changes it. */
    public Object[] row() {
        return row;
    }

    @Override
    public String toString() {
        return type() + "@" + Times.format(time) + (id == null ? "" : "#" + id) + (data != null ? data : rawData);
    }
}
