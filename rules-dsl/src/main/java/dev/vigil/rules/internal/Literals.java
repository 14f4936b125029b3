package dev.vigil.rules.internal;

import dev.vigil.rules.ErrorCode;
import dev.vigil.rules.ast.Position;
import dev.vigil.rules.ast.TimeSpan;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Decoding of literals: strings with escapes, durations, whole numbers. */
final class Literals {
    private Literals() {
    }

    /**
     * A decoded string and, for each of its chars, the column (1-based) of the source char it came
     * from; {@code columns[text.length()]} is the column of the closing quote.
     */
    record Decoded(String text, int[] columns) {
    }

    /**
     * Decodes {@code "..."} as written at {@code start}, reporting bad escapes. A bad escape is kept
     * as written, so decoding always gives a result.
     */
    static Decoded decodeString(String quoted, Position start, Diagnostics diagnostics) {
        String body = quoted.substring(1, quoted.length() - 1);
        StringBuilder text = new StringBuilder(body.length());
        int[] columns = new int[body.length() + 1];
        int base = start.column() + 1;
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            int column = base + i;
            if (c != '\\' || i + 1 >= body.length()) {
                columns[text.length()] = column;
                text.append(c);
                i++;
                continue;
            }
            char e = body.charAt(i + 1);
            int width = 2;
            char decoded;
            switch (e) {
                case '"' -> decoded = '"';
                case '\\' -> decoded = '\\';
                case 'n' -> decoded = '\n';
                case 't' -> decoded = '\t';
                case 'u' -> {
                    String hex = body.length() >= i + 6 ? body.substring(i + 2, i + 6) : "";
                    if (hex.matches("[0-9A-Fa-f]{4}")) {
                        decoded = (char) Integer.parseInt(hex, 16);
                        width = 6;
                    } else {
                        diagnostics.add(ErrorCode.SYNTAX, new Position(start.line(), column),
                                "invalid escape `\\u" + hex.replaceAll("[^0-9A-Fa-f].*", "")
                                        + "` in string: `\\u` takes four hex digits");
                        decoded = 'u';
                    }
                }
                default -> {
                    diagnostics.add(ErrorCode.SYNTAX, new Position(start.line(), column),
                            "invalid escape `\\" + e + "` in string; use \\\", \\\\, \\n, \\t or \\uXXXX");
                    decoded = e;
                }
            }
            columns[text.length()] = column;
            text.append(decoded);
            i += width;
        }
        columns[text.length()] = base + body.length();
        return new Decoded(text.toString(), java.util.Arrays.copyOf(columns, text.length() + 1));
    }

    static final Map<String, Long> UNITS = units();

    private static Map<String, Long> units() {
        Map<String, Long> units = new LinkedHashMap<>();
        units.put("ms", 1L);
        for (String s : List.of("s", "sec", "second", "seconds")) {
            units.put(s, 1_000L);
        }
        for (String s : List.of("min", "minute", "minutes")) {
            units.put(s, 60_000L);
        }
        for (String s : List.of("h", "hour", "hours")) {
            units.put(s, 3_600_000L);
        }
        for (String s : List.of("d", "day", "days")) {
            units.put(s, 86_400_000L);
        }
        return Map.copyOf(units);
    }

    private static final List<String> UNIT_SUGGESTIONS = List.of("ms", "s", "sec", "second", "seconds", "min",
            "minute", "minutes", "h", "hour", "hours", "d", "day", "days");

    /**
     * A duration in whole milliseconds; an invalid one (zero, negative, unknown unit, a fraction
     * of a millisecond, too long) is reported and given as 0 ms.
     */
    static TimeSpan duration(boolean negative, String number, String unit, Position pos, Position unitPos,
                             Diagnostics diagnostics) {
        Long unitMillis = UNITS.get(unit);
        String written = (negative ? "-" : "") + number + " " + unit;
        if (unitMillis == null) {
            String hint = Suggest.nearest(unit, UNIT_SUGGESTIONS)
                    .map(s -> "; did you mean `" + s + "`?")
                    .orElse("; use ms, s, min, h or d");
            diagnostics.add(ErrorCode.INVALID_DURATION, unitPos, "unknown time unit `" + unit + "`" + hint);
            return new TimeSpan(0, pos);
        }
        BigDecimal millis = new BigDecimal(number).multiply(BigDecimal.valueOf(unitMillis));
        if (negative || millis.signum() == 0) {
            diagnostics.add(ErrorCode.INVALID_DURATION, pos, "duration must be positive: " + written);
            return new TimeSpan(0, pos);
        }
        BigInteger whole;
        try {
            whole = millis.toBigIntegerExact();
        } catch (ArithmeticException e) {
            diagnostics.add(ErrorCode.INVALID_DURATION, pos,
                    "duration must be a whole number of milliseconds: " + written);
            return new TimeSpan(0, pos);
        }
        if (whole.bitLength() > 62) {
            diagnostics.add(ErrorCode.INVALID_DURATION, pos, "duration is too long: " + written);
            return new TimeSpan(0, pos);
        }
        return new TimeSpan(whole.longValue(), pos);
    }

    /** A whole number as written (with an optional minus), or null when it has a fraction or is huge. */
    static Long wholeNumber(boolean negative, String number) {
        try {
            BigInteger value = new BigDecimal(number).toBigIntegerExact();
            if (value.bitLength() > 62) {
                return null;
            }
            return negative ? -value.longValue() : value.longValue();
        } catch (ArithmeticException | NumberFormatException e) {
            return null;
        }
    }
}
