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

    private Times() {
    }

    /** {@code 2026-11-21T10:04:12.345Z}: always with milliseconds, always UTC. */
    public static String format(long epochMillis) {
        return FORMAT.format(Instant.ofEpochMilli(epochMillis));
    }

    /**
     * Parses an ISO-8601 instant or date-time with offset ({@code 2026-11-21T10:04:12Z},
     * {@code 2026-11-21T11:04:12.5+01:00}).
     *
     * @throws DateTimeParseException when it is neither
     */
    public static long parse(String text) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException e) {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        }
    }
}
