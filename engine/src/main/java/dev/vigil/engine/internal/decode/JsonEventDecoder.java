package dev.vigil.engine.internal.decode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.Json;
import dev.vigil.engine.Rejection;
import dev.vigil.engine.Times;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.FieldType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static java.util.Objects.requireNonNull;

/**
 * The engine's {@link EventDecoder}: JSON envelopes and CSV rows into rows of the declared shapes.
 * Immutable and thread-safe.
 */
public final class JsonEventDecoder implements EventDecoder {
    private static final Logger LOG = LoggerFactory.getLogger(JsonEventDecoder.class);
    private static final AtomicLong STREAMING_BUGS = new AtomicLong();
    private final Map<String, EventShape> shapes;
    private final EventShape[] shapeList;
    private final char[][] shapeNames;
    private final Clock clock;
    /** How far ahead of the clock an event may be, or -1 when not checked. */
    private final long maxFutureMillis;
    /** Whether an event without a time is rejected instead of stamped with the clock (recorded events). */
    private final boolean requireTime;

    public JsonEventDecoder(Collection<EventShape> shapes, Clock clock) {
        this(shapes, clock, Duration.ZERO, false, false);
    }

    public JsonEventDecoder(Collection<EventShape> shapes, Clock clock, Duration maxFuture, boolean checkFuture) {
        this(shapes, clock, maxFuture, checkFuture, false);
    }

    /**
     * A decoder that, when {@code checkFuture}, rejects events stamped more than {@code maxFuture}
     * ahead of {@code clock} (live input in event time), and when {@code requireTime} rejects an event
     * without a time instead of stamping it with {@code clock} (recorded input).
     */
    public JsonEventDecoder(Collection<EventShape> shapes, Clock clock, Duration maxFuture, boolean checkFuture,
                            boolean requireTime) {
        Map<String, EventShape> m = new LinkedHashMap<>();
        for (EventShape s : shapes) {
            m.put(s.name(), s);
        }
        this.shapes = Map.copyOf(m);
        this.shapeList = m.values().toArray(EventShape[]::new);
        this.shapeNames = new char[shapeList.length][];
        for (int k = 0; k < shapeList.length; k++) {
            shapeNames[k] = shapeList[k].name().toCharArray();
        }
        this.clock = requireNonNull(clock, "clock is null");
        this.maxFutureMillis = checkFuture ? maxFuture.toMillis() : -1;
        this.requireTime = requireTime;
    }

    /** A decoder for the event types a rule set declares. */
    public static JsonEventDecoder of(RuleSet rules, Clock clock) {
        return new JsonEventDecoder(rules.events().stream().map(EventShape::new).toList(), clock);
    }

    @Override
    public Set<String> types() {
        return shapes.keySet();
    }

    /** The shape of a declared type, or null. */
    public EventShape shape(String type) {
        return shapes.get(type);
    }

    @Override
    public Decoded decodeJson(String text, String where) {
        Decoded fast = stream(text);
        return fast != null ? fast : decodeTree(text, where);
    }

    /** The declared type named by the parser's current string value, without building a String. */
    private EventShape shapeNamed(com.fasterxml.jackson.core.JsonParser p) throws java.io.IOException {
        char[] buf = p.getTextCharacters();
        int off = p.getTextOffset();
        int len = p.getTextLength();
        for (int k = 0; k < shapeNames.length; k++) {
            char[] name = shapeNames[k];
            if (name.length == len && java.util.Arrays.equals(name, 0, len, buf, off, off + len)) {
                return shapeList[k];
            }
        }
        return null;
    }

    /** The streaming pass: an accepted event, or null to let the tree path decide. */
    private Decoded stream(String text) {
        try (com.fasterxml.jackson.core.JsonParser p = Json.mapper().getFactory().createParser(text)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            EventShape shape = null;
            Object[] row = null;
            String id = null;
            Long envelopeTime = null;
            String rawData = null;
            com.fasterxml.jackson.core.JsonToken t;
            while ((t = p.nextToken()) == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String field = p.currentName();
                t = p.nextToken();
                switch (field) {
                    case "type" -> {
                        if (t != com.fasterxml.jackson.core.JsonToken.VALUE_STRING || shape != null) {
                            return null;
                        }
                        shape = shapeNamed(p);
                        if (shape == null) {
                            return null;
                        }
                    }
                    case "specversion" -> {
                        if (t != com.fasterxml.jackson.core.JsonToken.VALUE_STRING || !"1.0".equals(p.getText())) {
                            return null;
                        }
                    }
                    case "id" -> {
                        if (t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && loneSurrogate(p.getText()) < 0) {
                            id = p.getText();
                        } else if (t != com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                            return null;
                        }
                    }
                    case "time" -> {
                        if (t == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                            envelopeTime = null;
                        } else {
                            envelopeTime = streamedTimestamp(p, t);
                            if (envelopeTime == null) {
                                return null;
                            }
                        }
                    }
                    case "data" -> {
                        if (shape == null || t != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                            return null;
                        }
                        int start = (int) p.currentTokenLocation().getCharOffset();
                        row = new Object[shape.size() + 1];
                        int hint = 0;
                        while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                            int i = shape.indexOf(p.currentName(), hint);
                            com.fasterxml.jackson.core.JsonToken v = p.nextToken();
                            if (i < 0) {
                                p.skipChildren();
                                continue;
                            }
                            hint = i + 1;
                            if (v == com.fasterxml.jackson.core.JsonToken.VALUE_NULL) {
                                row[i] = null;
                                continue;
                            }
                            Object value = streamedValue(p, v, shape.fieldType(i));
                            if (value == null) {
                                return null;
                            }
                            row[i] = value;
                        }
                        int end = (int) p.currentLocation().getCharOffset();
                        if (start < 0 || end <= start || end > text.length()) {
                            return null;
                        }
                        rawData = text.substring(start, end);
                    }
                    default -> p.skipChildren();
                }
            }
            if (t != com.fasterxml.jackson.core.JsonToken.END_OBJECT || shape == null || rawData == null
                    || p.nextToken() != null) {
                return null;
            }
            if (requireTime && !hasTime(shape, row, envelopeTime)) {
                return null; // the tree path rejects it with the reason
            }
            long time = eventTime(shape, row, envelopeTime);
            if (tooFarAhead(time)) {
                return null; // the tree path rejects it with the reason
            }
            return new Decoded.Accepted(new DecodedEvent(shape, time, id, rawData, row));
        } catch (java.io.IOException e) {
            return null; // not an envelope this pass reads: the tree path says why, or accepts it
        } catch (RuntimeException e) {
            // A bug in this pass, not in the input: the tree path still decodes the event.
            if (STREAMING_BUGS.getAndIncrement() == 0) {
                LOG.error("the streaming decoder failed on an event (a bug; the tree decoder took it over, "
                        + "and later failures are only counted)", e);
            }
            return null;
        }
    }

    /** How often the streaming pass failed with a bug and left an event to the tree path (all decoders). */
    public static long streamingBugs() {
        return STREAMING_BUGS.get();
    }

    private static Object streamedValue(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.core.JsonToken v,
                                        FieldType type) throws java.io.IOException {
        return switch (type) {
            case STRING -> v == com.fasterxml.jackson.core.JsonToken.VALUE_STRING && loneSurrogate(p.getText()) < 0
                    ? p.getText() : null;
            case INT -> v == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                    && p.getNumberType() == com.fasterxml.jackson.core.JsonParser.NumberType.INT
                    ? (Object) p.getIntValue() : null;
            case LONG -> v == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                    && p.getNumberType() != com.fasterxml.jackson.core.JsonParser.NumberType.BIG_INTEGER
                    ? (Object) p.getLongValue() : null;
            case DOUBLE -> v == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                    || v == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT ? finite(p.getDoubleValue()) : null;
            case BOOLEAN -> v == com.fasterxml.jackson.core.JsonToken.VALUE_TRUE ? Boolean.TRUE
                    : v == com.fasterxml.jackson.core.JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
            case TIMESTAMP -> streamedTimestamp(p, v);
        };
    }

    private static Long streamedTimestamp(com.fasterxml.jackson.core.JsonParser p, com.fasterxml.jackson.core.JsonToken v)
            throws java.io.IOException {
        if (v == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_INT
                && p.getNumberType() != com.fasterxml.jackson.core.JsonParser.NumberType.BIG_INTEGER) {
            long millis = p.getLongValue();
            return Times.representable(millis) ? millis : null;
        }
        if (v == com.fasterxml.jackson.core.JsonToken.VALUE_STRING) {
            try {
                return Times.parse(p.getText());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    private Decoded decodeTree(String text, String where) {
        JsonNode node;
        try (com.fasterxml.jackson.core.JsonParser p = Json.keepingHugeNumbers(Json.mapper().createParser(text))) {
            node = Json.mapper().readTree(p);
            if (node != null && p.nextToken() != null) {
                return rejected(where, "trailing data after the JSON value at column "
                        + p.currentTokenLocation().getColumnNr() + "; one event per line");
            }
        } catch (JsonProcessingException e) {
            return rejected(where, "not valid JSON: " + Json.reason(e));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading a String cannot fail", e);
        }
        if (node == null || node.isMissingNode()) {
            return rejected(where, "empty input, expected a JSON object");
        }
        return decode(node, where);
    }

    @Override
    public Decoded decode(JsonNode envelope, String where) {
        if (!envelope.isObject()) {
            return rejected(where, "expected a JSON object, got " + kind(envelope));
        }
        JsonNode typeNode = envelope.get("type");
        if (typeNode == null || typeNode.isNull()) {
            return rejected(where, "missing `type`");
        }
        if (!typeNode.isTextual()) {
            return rejected(where, "`type`: expected a string, got " + kind(typeNode));
        }
        String type = typeNode.textValue();
        EventShape shape = shapes.get(type);
        if (shape == null) {
            return rejected(where, "unknown event type `" + type + "`" + known());
        }
        JsonNode spec = envelope.get("specversion");
        if (spec != null && !(spec.isTextual() && spec.textValue().equals("1.0"))) {
            return rejected(where, "`specversion`: expected \"1.0\", got " + shown(spec));
        }
        JsonNode dataNode = envelope.get("data");
        if (dataNode == null || !dataNode.isObject()) {
            return rejected(where, dataNode == null ? "missing `data`" : "`data`: expected an object, got " + kind(dataNode));
        }
        String id = null;
        JsonNode idNode = envelope.get("id");
        if (idNode != null && !idNode.isNull()) {
            if (!idNode.isTextual()) {
                return rejected(where, "`id`: expected a string, got " + kind(idNode));
            }
            id = idNode.textValue();
            int bad = loneSurrogate(id);
            if (bad >= 0) {
                return rejected(where, "`id`: " + surrogateProblem(id, bad));
            }
        }
        Long envelopeTime = null;
        JsonNode timeNode = envelope.get("time");
        if (timeNode != null && !timeNode.isNull()) {
            envelopeTime = timestamp(timeNode);
            if (envelopeTime == null) {
                return rejected(where, "`time`: " + timeProblem(timeNode)
                        .orElse("expected an ISO-8601 time or epoch milliseconds, got " + shown(timeNode)));
            }
        }
        ObjectNode data = (ObjectNode) dataNode;
        Object[] row = new Object[shape.size() + 1];
        for (int i = 0; i < shape.size(); i++) {
            JsonNode v = data.get(shape.fieldName(i));
            if (v == null || v.isNull()) {
                continue;
            }
            FieldType t = shape.fieldType(i);
            Object value = convert(v, t);
            if (value == null) {
                String problem = switch (t) {
                    case TIMESTAMP -> timeProblem(v).orElse(null);
                    case DOUBLE -> v.isNumber() ? "number beyond the range of a double (about 1.8e308)" : null;
                    case STRING, INT, LONG, BOOLEAN -> null;
                };
                return new Decoded.Rejected(new Rejection(where, "field `" + shape.fieldName(i) + "` of " + type
                        + ": " + (problem != null ? problem : "expected " + expected(t) + ", got " + shown(v)),
                        Rejection.Kind.INVALID, type));
            }
            if (value instanceof String text) {
                int bad = loneSurrogate(text);
                if (bad >= 0) {
                    return new Decoded.Rejected(new Rejection(where, "field `" + shape.fieldName(i) + "` of " + type
                            + ": " + surrogateProblem(text, bad), Rejection.Kind.INVALID, type));
                }
            }
            row[i] = value;
        }
        return accept(shape, row, envelopeTime, id, data, where);
    }

    @Override
    public Decoded decodeText(String type, Map<String, String> values, String where) {
        EventShape shape = shapes.get(type);
        if (shape == null) {
            return rejected(where, "unknown event type `" + type + "`" + known());
        }
        ObjectNode data = JsonNodeFactory.instance.objectNode();
        Object[] row = new Object[shape.size() + 1];
        for (Map.Entry<String, String> e : values.entrySet()) {
            String field = e.getKey();
            String text = e.getValue();
            int i = shape.indexOf(field);
            if (i < 0) {
                if (text != null) {
                    data.put(field, text);
                }
                continue;
            }
            if (text == null || text.isEmpty()) {
                data.putNull(field);
                continue;
            }
            FieldType t = shape.fieldType(i);
            Object value = parse(text.strip(), t);
            if (value == null) {
                String problem = t == FieldType.TIMESTAMP ? textTimeProblem(text.strip()) : null;
                return rejected(where, "field `" + field + "` of " + type + ": " + (problem != null ? problem
                        : "expected " + expected(t) + ", got \"" + text + "\""));
            }
            row[i] = value;
            putData(data, field, t, value, text);
        }
        return accept(shape, row, null, null, data, where);
    }

    private Decoded accept(EventShape shape, Object[] row, Long envelopeTime, String id, ObjectNode data, String where) {
        if (requireTime && !hasTime(shape, row, envelopeTime)) {
            int ts = shape.timestampIndex();
            return new Decoded.Rejected(new Rejection(where, (ts >= 0 ? "field `" + shape.fieldName(ts) + "` of "
                    + shape.name() + ": missing" : shape.name() + " declares no timestamp field and `time` is missing")
                    + "; a replayed event needs its time", Rejection.Kind.INVALID, shape.name()));
        }
        long time = eventTime(shape, row, envelopeTime);
        if (tooFarAhead(time)) {
            return new Decoded.Rejected(new Rejection(where, "event time " + Times.format(time) + " is more than "
                    + maxFutureMillis / 1000 + " s ahead of the wall clock " + Times.format(clock.millis())
                    + " (time.maxFuture)", Rejection.Kind.INVALID, shape.name()));
        }
        return new Decoded.Accepted(new DecodedEvent(shape, time, id, data, row));
    }

    private boolean tooFarAhead(long time) {
        return maxFutureMillis >= 0 && time > clock.millis() + maxFutureMillis;
    }

    private static boolean hasTime(EventShape shape, Object[] row, Long envelopeTime) {
        int ts = shape.timestampIndex();
        return envelopeTime != null || (ts >= 0 && row[ts] != null);
    }

    /** The declared timestamp field, else the envelope's time, else the arrival time. */
    private long eventTime(EventShape shape, Object[] row, Long envelopeTime) {
        int ts = shape.timestampIndex();
        if (ts >= 0 && row[ts] != null) {
            return (Long) row[ts];
        }
        return envelopeTime != null ? envelopeTime : clock.millis();
    }

    private static Object convert(JsonNode v, FieldType t) {
        return switch (t) {
            case STRING -> v.isTextual() ? v.textValue() : null;
            case INT -> v.isIntegralNumber() && v.canConvertToInt() ? (Object) v.intValue() : null;
            case LONG -> v.isIntegralNumber() && v.canConvertToLong() ? (Object) v.longValue() : null;
            case DOUBLE -> v.isNumber() ? finite(v.doubleValue()) : null;
            case BOOLEAN -> v.isBoolean() ? (Object) v.booleanValue() : null;
            case TIMESTAMP -> timestamp(v);
        };
    }

    /** A decoded double, or null when it is infinite (a literal beyond the double range, {@code 1e400}). */
    private static Double finite(double d) {
        return Double.isFinite(d) ? d : null;
    }

    /**
     * Why a timestamp value that does not decode is refused, when the reason is its range. A number
     * beyond the double range ({@code 1e400}) is quoted as sent when the tree kept it exactly (see
     * {@link Json#keepingHugeNumbers}), never as the infinity a double makes of it.
     */
    private static Optional<String> timeProblem(JsonNode v) {
        if (v.isFloatingPointNumber() && !Double.isFinite(v.doubleValue())) {
            return Optional.of((v.isBigDecimal() ? Json.written(v.decimalValue()) + " ms"
                    : "a number beyond the range of a double") + " is out of range (years 0001 to 9999)");
        }
        if (v.isIntegralNumber()) {
            return Optional.of(v.canConvertToLong() ? Times.describeOutOfRange(v.longValue())
                    : v.asText() + " ms is out of range (years 0001 to 9999)");
        }
        if (v.isTextual()) {
            return Optional.ofNullable(textTimeProblem(v.textValue()));
        }
        return Optional.empty();
    }

    /** Index of the first UTF-16 surrogate without its pair in {@code s} (a JSON escape of half a pair), or -1. */
    static int loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }

    private static String surrogateProblem(String s, int at) {
        return String.format(Locale.ROOT, "not valid Unicode: the escape \\u%04x at character %d is a lone surrogate"
                + " (half of a pair), not a character", (int) s.charAt(at), at);
    }

    private static String textTimeProblem(String text) {
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
            return text + " ms is out of range (years 0001 to 9999)";
        }
        try {
            Times.parse(text);
            return null;
        } catch (Times.OutOfRange e) {
            return e.getMessage();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Long timestamp(JsonNode v) {
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            long millis = v.longValue();
            return Times.representable(millis) ? millis : null;
        }
        if (v.isTextual()) {
            try {
                return Times.parse(v.textValue());
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    private static Object parse(String text, FieldType t) {
        try {
            return switch (t) {
                case STRING -> text;
                case INT -> Integer.parseInt(text);
                case LONG -> Long.parseLong(text);
                case DOUBLE -> finite(Double.parseDouble(text));
                case BOOLEAN -> switch (text.toLowerCase(Locale.ROOT)) {
                    case "true" -> Boolean.TRUE;
                    case "false" -> Boolean.FALSE;
                    default -> null;
                };
                case TIMESTAMP -> text.chars().allMatch(Character::isDigit) ? representable(Long.parseLong(text))
                        : (Object) Times.parse(text);
            };
        } catch (NumberFormatException | DateTimeParseException e) {
            return null;
        }
    }

    private static Long representable(long millis) {
        return Times.representable(millis) ? millis : null;
    }

    private static void putData(ObjectNode data, String field, FieldType t, Object value, String text) {
        switch (t) {
            case STRING -> data.put(field, (String) value);
            case INT -> data.put(field, (Integer) value);
            case LONG -> data.put(field, (Long) value);
            case DOUBLE -> data.put(field, (Double) value);
            case BOOLEAN -> data.put(field, (Boolean) value);
            case TIMESTAMP -> data.put(field, text.strip());
        }
    }

    private static String expected(FieldType t) {
        return switch (t) {
            case STRING -> "a string";
            case INT -> "an int (whole number)";
            case LONG -> "a long (whole number)";
            case DOUBLE -> "a number";
            case BOOLEAN -> "true or false";
            case TIMESTAMP -> "a timestamp (ISO-8601 or epoch milliseconds)";
        };
    }

    private static String kind(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        } else if (v.isNumber()) {
            return "a number";
        } else if (v.isBoolean()) {
            return "a boolean";
        } else if (v.isArray()) {
            return "an array";
        } else if (v.isObject()) {
            return "an object";
        }
        return "null";
    }

    private static String shown(JsonNode v) {
        if (v.isNull()) {
            return "null";
        }
        String s = v.toString();
        if (s.length() > 60) {
            s = s.substring(0, 57) + "...";
        }
        return kind(v) + " " + s;
    }

    private String known() {
        if (shapes.isEmpty()) {
            return " (no event types are declared)";
        }
        return " (declared: " + String.join(", ", shapes.keySet().stream().sorted().toList()) + ")";
    }

    private static Decoded rejected(String where, String reason) {
        return new Decoded.Rejected(new Rejection(where, reason, Rejection.Kind.INVALID));
    }

    static EventShape shapeOf(EventDecl decl) {
        return new EventShape(decl);
    }
}
