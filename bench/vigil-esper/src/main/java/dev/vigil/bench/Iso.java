package dev.vigil.bench;

/** Parses {@code yyyy-MM-ddTHH:mm:ss.SSSZ} (the generator's form) to epoch milliseconds, no allocation. */
public final class Iso {
    private Iso() {
    }

    public static long millis(CharSequence s) {
        if (s.length() != 24 || s.charAt(23) != 'Z') {
            return java.time.Instant.parse(s).toEpochMilli();
        }
        int y = d(s, 0, 4);
        int mo = d(s, 5, 2);
        int da = d(s, 8, 2);
        long days = daysFromCivil(y, mo, da);
        return ((days * 24 + d(s, 11, 2)) * 60 + d(s, 14, 2)) * 60_000L + d(s, 17, 2) * 1000L + d(s, 20, 3);
    }

    private static int d(CharSequence s, int from, int n) {
        int v = 0;
        for (int i = from; i < from + n; i++) {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    /** Days since 1970-01-01 (H. Hinnant's algorithm). */
    static long daysFromCivil(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
    }
}
