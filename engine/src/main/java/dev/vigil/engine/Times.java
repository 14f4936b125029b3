package dev.vigil.engine;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Event times: epoch milliseconds inside, ISO-8601 with milliseconds in UTC outside. */
public final class Times {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** The earliest event time: 0001-01-01T00:00:00.000Z (ISO-8601's four-digit years). */
    public static final long MIN = -62_135_596_800_000L;
    /** The latest event time: 9999-12-31T23:59:59.999Z. Any time plus any rule duration stays a long. */
    public static final long MAX = 253_402_300_799_999L;
    private static final Instant MIN_INSTANT = Instant.ofEpochMilli(MIN);
    /** The last instant whose milliseconds are {@link #MAX} (sub-millisecond digits are dropped). */
    private static final Instant MAX_INSTANT = Instant.ofEpochMilli(MAX).plusNanos(999_999);

    /** A time that parses but lies outside {@link #MIN} to {@link #MAX}. */
    public static final class OutOfRange extends DateTimeParseException {
        private static final long serialVersionUID = 1L;

        OutOfRange(String text) {
            super("time " + text + " is out of range (years 0001 to 9999)", text, 0);
        }
    }

    private Times() {
    }

    /** True when {@code epochMillis} lies between {@link #MIN} and {@link #MAX}. */
    public static boolean representable(long epochMillis) {
        return epochMillis >= MIN && epochMillis <= MAX;
    }

    /** The text of an out-of-range epoch-milliseconds value, for messages. */
    public static String describeOutOfRange(long epochMillis) {
        return epochMillis + " ms is out of range (years 0001 to 9999)";
    }

    /** {@code 2026-11-21T10:04:12.345Z}: always with milliseconds, always UTC. */
    public static String format(long epochMillis) {
        return FORMAT.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Parses an ISO-8601 instant or date-time with offset ({@code 2026-11-21T10:04:12Z},
     * {@code 2026-11-21T11:04:12.5+01:00}).
     *
     * @throws DateTimeParseException when it is neither, {@link OutOfRange} (a subclass) when it lies
     *     outside {@link #MIN} to {@link #MAX}
     */
    public static long parse(String text) {
        long fast = parseUtcMillis(text);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        Instant instant;
        try {
            instant = Instant.parse(text);
        } catch (DateTimeParseException e) {
            instant = OffsetDateTime.parse(text).toInstant();
        }
        if (instant.isBefore(MIN_INSTANT) || instant.isAfter(MAX_INSTANT)) {
            throw new OutOfRange(text);
        }
        return instant.toEpochMilli();
    }


    /**
     * The common form {@code yyyy-MM-ddTHH:mm:ss[.SSS]Z} without the general parser (a hot path when
     * decoding events); {@link Long#MIN_VALUE} for anything else, which the general parser handles.
     */
    private static long parseUtcMillis(String s) {
        int n = s.length();
        if ((n != 20 && n != 24) || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        int millis = 0;
        if (n == 24) {
            if (s.charAt(19) != '.') {
                return Long.MIN_VALUE;
            }
            millis = digits(s, 20, 3);
        }
        if (year < 1 || month < 1 || month > 12 || day < 1 || day > 28 && day > java.time.YearMonth.of(year, month)
                .lengthOfMonth() || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
                || millis < 0) {
            return Long.MIN_VALUE;
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
