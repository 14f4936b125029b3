package dev.vigil.server.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them in configuration and test files: {@code 2s}, {@code 500 ms}, {@code 1.5 min}. */
public final class Durations {
    private static final Pattern FORM = Pattern.compile("\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]+)\\s*");

    private Durations() {
    }

    /**
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static Duration parse(String text) {
        double millis = millis(text);
        if (millis != Math.rint(millis)) {
            throw new IllegalArgumentException("duration \"" + text + "\" is not a whole number of milliseconds");
        }
        return Duration.ofMillis((long) millis);
    }

    /**
     * The length of {@code text} in milliseconds, fractions included, for readers that state their
     * own range ({@link ConfigReader#duration}: positive, whole milliseconds).
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    static double millis(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration: \"" + text + "\" (expected a number and a unit: ms, s, min, h, d)");
        }
        double amount = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms", "msec", "millis", "milliseconds" -> 1L;
            case "s", "sec", "second", "seconds" -> 1_000L;
            case "m", "min", "minute", "minutes" -> 60_000L;
            case "h", "hour", "hours" -> 3_600_000L;
            case "d", "day", "days" -> 86_400_000L;
            default -> throw new IllegalArgumentException("unknown unit \"" + m.group(2) + "\" in duration \"" + text
                    + "\" (expected ms, s, min, h or d)");
        };
        return amount * unit;
    }
}
