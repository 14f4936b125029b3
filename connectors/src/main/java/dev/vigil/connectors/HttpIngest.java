package dev.vigil.connectors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventInput;
import dev.vigil.engine.Ingested;
import dev.vigil.engine.Json;
import dev.vigil.engine.Rejection;
import dev.vigil.engine.Utf8;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * HTTP ingest, {@code POST /events}: one event, a JSON array, NDJSON, or CloudEvents (structured,
 * batch, or binary mode with {@code ce-*} headers). The admin API's route hands each request's body
 * here; every element is decoded on the request thread, and the valid ones go to the engine
 * together, or none do when the queue cannot take them all (429).
 *
 * <p>Thread-safe: request threads call {@link #handle} concurrently.
 */
public final class HttpIngest {
    /** What the route answers: a status and a JSON body, and Retry-After seconds for a 429. */
    public record Answer(int status, ObjectNode body, int retryAfterSeconds) {
        public Answer {
            requireNonNull(body, "body is null");
        }
    }

    /** What happened to the events of each request, for metrics. Called on the request thread. */
    public interface Listener {
        /** {@code count} events of one type handed to the engine. */
        default void accepted(String type, int count) {
        }

        /** One element that is not a valid event. */
        default void rejected(Rejection rejection) {
        }
    }

    /** How long a client should wait when the queue is full: long enough for the engine to drain a burst. */
    static final int RETRY_AFTER_SECONDS = 1;

    private final ObjectMapper json = Json.mapper();
    private final Engine engine;
    private final Listener listener;
    private final Journal journal;

    public HttpIngest(Engine engine, Listener listener) {
        this(engine, listener, null);
    }

    /**
     * @param journal where accepted events are written before the 202, or null for none
     */
    public HttpIngest(Engine engine, Listener listener, Journal journal) {
        this.engine = requireNonNull(engine, "engine is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.journal = journal;
    }

    /**
     * Answers one request.
     *
     * @param contentType the request's {@code Content-Type}, or null
     * @param headers the request's headers, names in lower case
     */
    public Answer handle(byte[] body, String contentType, Map<String, String> headers) {
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        Optional<String> charset = charset(type);
        if (charset.isPresent() && !charset.get().equals("utf-8") && !charset.get().equals("utf8")) {
            return error(415, "unsupported charset `" + charset.get() + "`: events are UTF-8 (send charset=utf-8 or none)");
        }
        List<EventInput> inputs = new ArrayList<>();
        if (headers.containsKey("ce-type")) {
            ObjectNode envelope = json.createObjectNode();
            for (Map.Entry<String, String> h : headers.entrySet()) {
                if (h.getKey().startsWith("ce-")) {
                    envelope.put(h.getKey().substring(3), h.getValue());
                }
            }
            try {
                Utf8.decode(body);
            } catch (Utf8.MalformedException e) {
                return error(400, "body is " + e.getMessage());
            }
            try (JsonParser p = Json.keepingHugeNumbers(json.createParser(body))) {
                JsonNode data = json.readTree(p);
                if (data != null && p.nextToken() != null) {
                    return error(400, "body holds more than one JSON value (CloudEvents binary mode: the body is "
                            + "one event's data)");
                }
                envelope.set("data", data);
            } catch (IOException e) {
                return error(400, "body is not valid JSON (CloudEvents binary mode: the body is the event's data): "
                        + reason(e));
            }
            inputs.add(new EventInput.Envelope(envelope, "index 0"));
        } else if (type.startsWith("application/x-ndjson") || type.startsWith("application/jsonl")
                || type.startsWith("application/json-seq")) {
            // One streaming pass per line, as a file's lines are read (the tree only for a line the
            // fast path does not take, which also gives its rejection's reason).
            // A leading UTF-8 byte-order mark is skipped, as for a JSON body. application/json-seq
            // (RFC 7464) records each start with RS (0x1e), line breaks in a record being white space;
            // a json-seq body without any RS is read as lines, as before json-seq was supported.
            int start = startsWithBom(body) ? 3 : 0;
            byte separator = type.startsWith("application/json-seq") && contains(body, RS) ? RS : (byte) '\n';
            for (int i = start; i <= body.length; i++) {
                if (i < body.length && body[i] != separator) {
                    continue;
                }
                int from = start;
                start = i + 1;
                if (blank(body, from, i)) {
                    continue;
                }
                inputs.add(new EventInput.JsonBytes(body, from, i - from, "index " + inputs.size()));
            }
        } else {
            try {
                Utf8.decode(body);
            } catch (Utf8.MalformedException e) {
                return error(400, "body is " + e.getMessage());
            }
            JsonNode root;
            try (JsonParser p = Json.keepingHugeNumbers(json.createParser(body))) {
                root = json.readTree(p);
                if (p.nextToken() != null && p.currentToken() != JsonToken.NOT_AVAILABLE) {
                    return error(400, "body holds more than one JSON value; send a JSON array or NDJSON "
                            + "(Content-Type: application/x-ndjson)");
                }
            } catch (IOException e) {
                return error(400, "body is not valid JSON: " + reason(e));
            }
            if (root == null || root.isMissingNode()) {
                return error(400, "empty body: send an event, a JSON array of events, or NDJSON");
            }
            if (root.isArray()) {
                for (JsonNode item : root) {
                    inputs.add(new EventInput.Envelope(item, "index " + inputs.size()));
                }
            } else {
                inputs.add(new EventInput.Envelope(root, "index 0"));
            }
        }
        String key = headers.get("idempotency-key");
        if (key != null && !Journal.validKey(key)) {
            return error(400, "header Idempotency-Key: expected 1 to 255 printable ASCII characters");
        }
        Ingested result;
        try {
            result = engine.ingest(inputs, journal == null ? null : journal.withKey(key));
            if (journal != null && result.queued() && !result.events().isEmpty()) {
                journal.sync();
            }
        } catch (IOException e) {
            // Not journaled means not accepted: the client must send the batch again.
            return error(503, "cannot write the events to the journal: " + e.getMessage());
        }
        ArrayNode rejected = json.createArrayNode();
        for (int i = 0; i < result.decoded().size(); i++) {
            if (result.decoded().get(i) instanceof Decoded.Rejected r) {
                listener.rejected(r.rejection());
                ObjectNode o = rejected.addObject();
                o.put("index", i);
                o.put("error", r.rejection().reason());
            }
        }
        if (!result.queued()) {
            ObjectNode b = json.createObjectNode();
            b.put("error", "the engine queue is full; retry after " + RETRY_AFTER_SECONDS + " s");
            return new Answer(429, b, RETRY_AFTER_SECONDS);
        }
        List<Event> events = result.events();
        Map<String, Integer> byType = new HashMap<>();
        for (Event e : events) {
            byType.merge(e.type(), 1, Integer::sum);
        }
        byType.forEach(listener::accepted);
        ObjectNode b = json.createObjectNode();
        b.put("accepted", events.size());
        b.set("rejected", rejected);
        return new Answer(202, b, 0);
    }

    /** The {@code charset} parameter of a media type, lower case, when there is one. */
    private static Optional<String> charset(String mediaType) {
        for (String param : mediaType.split(";")) {
            String p = param.strip();
            if (p.startsWith("charset=")) {
                return Optional.of(p.substring("charset=".length()).replace("\"", "").strip());
            }
        }
        return Optional.empty();
    }

    /** The record separator of application/json-seq (RFC 7464). */
    private static final byte RS = 0x1e;

    private static boolean startsWithBom(byte[] b) {
        return b.length >= 3 && b[0] == (byte) 0xef && b[1] == (byte) 0xbb && b[2] == (byte) 0xbf;
    }

    private static boolean contains(byte[] b, byte value) {
        for (byte x : b) {
            if (x == value) {
                return true;
            }
        }
        return false;
    }

    /** Nothing but ASCII white space between {@code from} and {@code to}. */
    private static boolean blank(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n') {
                return false;
            }
        }
        return true;
    }

    private Answer error(int status, String message) {
        ObjectNode b = json.createObjectNode();
        b.put("error", message);
        return new Answer(status, b, 0);
    }

    /** Why a body does not parse, in terms of the input (see {@link Json#reason}). */
    private static String reason(IOException e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            return Json.reason(j);
        }
        String s = String.valueOf(e.getMessage());
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
