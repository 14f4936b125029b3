package dev.vigil.engine;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.internal.decode.JsonEventDecoder;
import dev.vigil.rules.RuleSet;

import java.time.Clock;
import java.util.Map;
import java.util.Set;

/**
 * Turns received events into {@link Event}s of the declared types, or into rejections that say
 * where, which field, and what was expected. An event's time is its timestamp field, else the
 * envelope's {@code time}, else its arrival time on the decoder's clock.
 *
 * Implemented by the engine alone.
 *
 * <p>Immutable and thread-safe: sources decode on their own threads. The engine replaces its
 * decoder with each deploy ({@link Engine#decoder()}); an event decoded by an older one is decoded
 * again by the engine when its type changed in between.
 */
public interface EventDecoder {
    /** A decoder for the event types a rule set declares. */
    static EventDecoder of(RuleSet rules, Clock clock) {
        return JsonEventDecoder.of(rules, clock);
    }

    /** The declared type names. */
    Set<String> types();

    /**
     * Decodes one JSON text: a line of a JSONL file, an NDJSON line, a Kafka record. {@code where}
     * names it in a rejection ({@code events.jsonl:12}, {@code index 3}).
     */
    Decoded decodeJson(String text, String where);

    /**
     * Decodes one JSON text received as bytes, which must be UTF-8 ({@link Utf8}): malformed bytes
     * are a rejection, never replaced.
     */
    default Decoded decodeJson(byte[] bytes, int offset, int length, String where) {
        String text;
        try {
            text = Utf8.decode(bytes, offset, length);
        } catch (Utf8.MalformedException e) {
            return new Decoded.Rejected(new Rejection(where, e.getMessage(), Rejection.Kind.INVALID));
        }
        return decodeJson(text, where);
    }

    /** Decodes one event envelope (CloudEvents structured form: {@code type} and {@code data} required). */
    Decoded decode(JsonNode envelope, String where);

    /**
     * Decodes one record whose values are text (a CSV row): each declared field is converted from
     * its text; an empty value is a missing field.
     */
    Decoded decodeText(String type, Map<String, String> values, String where);
}
