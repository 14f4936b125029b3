package dev.vigil.engine;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One received event not yet decoded, in one of the forms sources receive: JSON text, a parsed
 * envelope, or a record of text fields. {@code where} names it in a rejection
 * ({@code events.jsonl:12}, {@code index 3}).
 */
public sealed interface EventInput {
    String where();

    /** One JSON text: a JSONL or NDJSON line, a Kafka record's value. */
    record JsonText(String text, String where) implements EventInput {
        public JsonText {
            requireNonNull(text, "text is null");
            requireNonNull(where, "where is null");
        }
    }

    /** One JSON text as received, in UTF-8: {@code length} bytes from {@code offset}. Not copied: do not change them. */
    record JsonBytes(byte[] bytes, int offset, int length, String where) implements EventInput {
        public JsonBytes {
            requireNonNull(bytes, "bytes is null");
            requireNonNull(where, "where is null");
            if (offset < 0 || length < 0 || offset + length > bytes.length) {
                throw new IndexOutOfBoundsException("offset " + offset + ", length " + length + " of " + bytes.length);
            }
        }
    }

    /** A parsed envelope (CloudEvents structured form, or one element of a JSON array). */
    record Envelope(JsonNode envelope, String where) implements EventInput {
        public Envelope {
            requireNonNull(envelope, "envelope is null");
            requireNonNull(where, "where is null");
        }
    }

    /** A record whose values are text (a CSV row) of a named type. */
    record TextFields(String type, Map<String, String> values, String where) implements EventInput {
        public TextFields {
            requireNonNull(type, "type is null");
            requireNonNull(values, "values is null");
            requireNonNull(where, "where is null");
        }
    }

    /** Decodes this input with {@code decoder}. */
    default Decoded decodeWith(EventDecoder decoder) {
        return switch (this) {
            case JsonText j -> decoder.decodeJson(j.text(), j.where());
            case JsonBytes b -> decoder.decodeJson(b.bytes(), b.offset(), b.length(), b.where());
            case Envelope e -> decoder.decode(e.envelope(), e.where());
            case TextFields t -> decoder.decodeText(t.type(), t.values(), t.where());
        };
    }
}
