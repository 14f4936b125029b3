package dev.vigil.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.rules.ast.Severity;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * An alert as the spec defines it (interfaces.md, "Alerts"). Immutable.
 *
 * @param key each key expression, as written, to its value (insertion-ordered)
 * @param time event time, epoch milliseconds
 * @param raisedAt wall-clock time when the engine raised it, epoch milliseconds
 * @param values aggregates or tagged fields the rule used (insertion-ordered)
 * @param events the events that matched (for aggregate rules, at most the last 10 in the window)
 * @param channels the rule's {@code notify} channels; empty means the configuration's routes decide
 * @param throttleMillis the rule's {@code throttle}, 0 when none
 * @param shadow raised by a rule in {@code mode shadow}: stored and shown, never sent to a channel
 */
public record Alert(
        String id,
        String rule,
        String title,
        Status status,
        Severity severity,
        Map<String, Object> key,
        String message,
        long time,
        long raisedAt,
        Map<String, String> labels,
        Map<String, Object> values,
        List<Event> events,
        List<String> channels,
        long throttleMillis,
        boolean shadow) {

    public enum Status {
        FIRING, RESOLVED;

        public String text() {
            return this == FIRING ? "firing" : "resolved";
        }
    }

    public Alert {
        requireNonNull(id, "id is null");
        requireNonNull(rule, "rule is null");
        requireNonNull(title, "title is null");
        requireNonNull(status, "status is null");
        requireNonNull(severity, "severity is null");
        key = Collections.unmodifiableMap(new LinkedHashMap<>(key));
        requireNonNull(message, "message is null");
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        events = List.copyOf(events);
        channels = List.copyOf(channels);
    }

    /** A live alert (not {@link #shadow()}). */
    public Alert(String id, String rule, String title, Status status, Severity severity, Map<String, Object> key,
            String message, long time, long raisedAt, Map<String, String> labels, Map<String, Object> values,
            List<Event> events, List<String> channels, long throttleMillis) {
        this(id, rule, title, status, severity, key, message, time, raisedAt, labels, values, events, channels,
                throttleMillis, false);
    }

    /** The alert as the spec's JSON object; {@code "shadow": true} only on a shadow rule's alert. */
    public ObjectNode toJsonNode() {
        ObjectNode o = Json.mapper().createObjectNode();
        o.put("id", id);
        o.put("rule", rule);
        o.put("title", title);
        o.put("status", status.text());
        o.put("severity", severity.keyword());
        o.set("key", Json.mapper().valueToTree(key));
        o.put("message", message);
        o.put("time", Times.format(time));
        o.put("raisedAt", Times.format(raisedAt));
        o.set("labels", Json.mapper().valueToTree(labels));
        o.set("values", Json.mapper().valueToTree(values));
        if (shadow) {
            o.put("shadow", true);
        }
        ArrayNode evs = o.putArray("events");
        for (Event e : events) {
            ObjectNode ev = evs.addObject();
            ev.put("type", e.type());
            e.id().ifPresent(id -> ev.put("id", id));
            ev.put("time", Times.format(e.time()));
            ev.set("data", e.data());
        }
        return o;
    }

    /** The alert as one line of JSON. */
    public String toJson() {
        try {
            return Json.mapper().writeValueAsString(toJsonNode());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("alert " + id + " cannot be written as JSON", e);
        }
    }
}
