package dev.vigil.engine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one JSON configuration of the program: events, alerts, webhook bodies, admin API answers and
 * Kafka records are all read and written through {@link #mapper()}.
 */
public final class Json {
    /**
     * Decimal numbers through Jackson's fast double parser (same, correctly rounded values as
     * {@code Double.parseDouble}, about a third of the time per number). No source text in parse
     * error locations: rejections quote the reason alone, and each parser then skips building a
     * reference to its input.
     */
    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                    .build())
            .build();

    /** A location as Jackson writes it without its source: {@code [Source: REDACTED (...); line: 1, column: 2]}. */
    private static final Pattern LOCATION = Pattern.compile("\\[Source: [^;]*; line: (\\d+), column: (\\d+)]");
    /** Jackson's advice to enable one of its settings, which a client of Vigil cannot change. */
    private static final Pattern ENABLE = Pattern.compile(": enable `[A-Za-z_.]+` to allow");
    private static final Pattern COMMENT = Pattern.compile(": maybe a \\(non-standard\\) comment\\? \\(not recognized as one"
            + " since Feature '[A-Z_]+' not enabled for parser\\)");
    private static final Pattern CONSTRAINT = Pattern.compile(", from `StreamReadConstraints\\.[A-Za-z]+\\(\\)`");
    private static final Pattern OPENED = Pattern.compile("\\(for (Object|Array) starting at (line \\d+, column \\d+)\\)");

    private Json() {
    }

    /**
     * The reason a JSON text does not parse, in terms of the input: the first line of Jackson's
     * message with its locations as {@code line L, column C}, and without the names of Jackson's
     * settings and classes (which only the server could change).
     */
    public static String reason(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) {
            return "unreadable JSON";
        }
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            m = m.substring(0, nl);
        }
        m = LOCATION.matcher(m).replaceAll("line $1, column $2");
        m = OPENED.matcher(m).replaceAll(r -> "(the " + r.group(1).toLowerCase(Locale.ROOT)
                + " opened at " + r.group(2) + ")");
        m = COMMENT.matcher(m).replaceAll(": JSON has no comments");
        m = CONSTRAINT.matcher(m).replaceAll("");
        if (m.startsWith("Non-standard token ")) {
            m = ENABLE.matcher(m).replaceAll(": JSON has no NaN or Infinity");
        }
        m = m.replace(": JSON spec does not allow numbers to have plus signs", ": a JSON number has no plus sign");
        return ENABLE.matcher(m).replaceAll("");
    }

    /** The shared mapper; thread-safe. Never reconfigure it: every module reads with it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * {@code p}, reading a decimal number beyond the double range ({@code 1e400}) as a BigDecimal
     * instead of infinity, so that a tree read from it keeps the value sent and a rejection can quote
     * it. Other numbers read as before (doubles).
     */
    public static JsonParser keepingHugeNumbers(JsonParser p) {
        return new JsonParserDelegate(p) {
            @Override
            public NumberTypeFP getNumberTypeFP() throws IOException {
                if (currentToken() == com.fasterxml.jackson.core.JsonToken.VALUE_NUMBER_FLOAT
                        && Double.isInfinite(delegate.getDoubleValue())) {
                    return NumberTypeFP.BIG_DECIMAL;
                }
                return super.getNumberTypeFP();
            }
        };
    }

    /** A decimal in JSON's short form: {@code 1e400}, {@code 1.5e400}, {@code 12.5}. */
    public static String written(BigDecimal d) {
        return d.toString().replace("E+", "e").replace('E', 'e');
    }
}
