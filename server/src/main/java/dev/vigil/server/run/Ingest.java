package dev.vigil.server.run;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code POST /events}: one event, a JSON array, NDJSON, or CloudEvents (structured, batch, or
 * binary mode with {@code ce-*} headers). Every element is decoded on the request thread; the valid
 * ones go to the engine queue together, or none do when the queue cannot take them all (429).
 */
final class Ingest {
    /** What the handler answers: a status and a JSON body, and Retry-After seconds for a 429. */
    record Answer(int status, ObjectNode body, int retryAfterSeconds) {
    }

    /** How long a client should wait when the queue is full: long enough for the engine to drain a burst. */
    static final int RETRY_AFTER_SECONDS = 1;

    private final ObjectMapper json;
    private final Engine engine;
    private final Metrics metrics;
    private final Object offering = new Object();

    Ingest(ObjectMapper json, Engine engine, Metrics metrics) {
        this.json = json;
        this.engine = engine;
        this.metrics = metrics;
    }

    Answer handle(byte[] body, String contentType, Map<String, String> headers) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        EventDecoder decoder = engine.decoder();
        List<Event> events = new ArrayList<>();
        List<ObjectNode> rejected = new ArrayList<>();
        if (headers.containsKey("ce-type")) {
            ObjectNode envelope = json.createObjectNode();
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if (h.getKey().startsWith("ce-")) {
                    envelope.put(h.getKey().substring(3), h.getValue());
                }
            }
            try {
                envelope.set("data", json.readTree(body));
            } catch (IOException e) {
                return error(400, "body is not valid JSON (CloudEvents binary mode: the body is the event's data): "
                        + firstLine(e.getMessage()));
            }
            collect(decoder.decode(envelope, "index 0"), 0, events, rejected);
        } else if (type.startsWith("application/x-ndjson") || type.startsWith("application/jsonl")
                || type.startsWith("application/json-seq")) {
            // One streaming pass per line, as a file's lines are read (the tree only for a line the
            // fast path does not take, which also gives its rejection's reason).
            int index = 0;
            int start = 0;
            for (int i = 0; i <= body.length; i++) {
                if (i < body.length && body[i] != '\n') {
                    continue;
                }
                String line = new String(body, start, i - start, StandardCharsets.UTF_8);
                start = i + 1;
                if (line.isBlank()) {
                    continue;
                }
                collect(decoder.decodeJson(line, "index " + index), index, events, rejected);
                index++;
            }
        } else {
            JsonNode root;
            try (JsonParser p = json.createParser(body)) {
                root = json.readTree(p);
                if (p.nextToken() != null && p.currentToken() != JsonToken.NOT_AVAILABLE) {
                    return error(400, "body holds more than one JSON value; send a JSON array or NDJSON "
                            + "(Content-Type: application/x-ndjson)");
                }
            } catch (IOException e) {
                return error(400, "body is not valid JSON: " + firstLine(e.getMessage()));
            }
            if (root == null || root.isMissingNode()) {
                return error(400, "empty body: send an event, a JSON array of events, or NDJSON");
            }
            List<JsonNode> items = new ArrayList<>();
            if (root.isArray()) {
                root.forEach(items::add);
            } else {
                items.add(root);
            }
            for (int i = 0; i < items.size(); i++) {
                collect(decoder.decode(items.get(i), "index " + i), i, events, rejected);
            }
        }
        int accepted = 0;
        Map<String, Integer> byType = new java.util.HashMap<>();
        synchronized (offering) {
            if (engine.remainingCapacity() < events.size()) {
                ObjectNode b = json.createObjectNode();
                b.put("error", "the engine queue is full; retry after " + RETRY_AFTER_SECONDS + " s");
                return new Answer(429, b, RETRY_AFTER_SECONDS);
            }
            for (Event e : events) {
                if (engine.offer(e)) {
                    accepted++;
                    byType.merge(e.type(), 1, Integer::sum);
                } else {
                    // Another source filled the queue between the check and this offer.
                    rejected.add(reject(-1, "queue full: event of type " + e.type() + " not accepted, send it again"));
                }
            }
        }
        byType.forEach((t, n) -> metrics.accepted(t, "http", n));
        rejected.sort((a, b) -> Integer.compare(a.get("index").asInt(), b.get("index").asInt()));
        ObjectNode b = json.createObjectNode();
        b.put("accepted", accepted);
        ArrayNode r = b.putArray("rejected");
        rejected.forEach(r::add);
        return new Answer(202, b, 0);
    }

    private void collect(Decoded d, int index, List<Event> events, List<ObjectNode> rejected) {
        if (d instanceof Decoded.Accepted a) {
            events.add(a.event());
        } else if (d instanceof Decoded.Rejected r) {
            metrics.rejected(r.rejection(), "http");
            rejected.add(reject(index, r.rejection().reason()));
        }
    }

    private ObjectNode reject(int index, String error) {
        ObjectNode o = json.createObjectNode();
        o.put("index", index);
        o.put("error", error);
        return o;
    }

    private Answer error(int status, String message) {
        ObjectNode b = json.createObjectNode();
        b.put("error", message);
        return new Answer(status, b, 0);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
