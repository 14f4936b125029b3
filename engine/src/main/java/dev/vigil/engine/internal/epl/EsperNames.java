package dev.vigil.engine.internal.epl;

import java.util.Locale;

/**
 * How names of the rules language appear in generated EPL. Fields are always backticked, so any
 * identifier works as a field (`at`, `count`, `window`). Event type names cannot be backticked in
 * {@code create schema}, and EPL keywords cannot be type names at all: a type whose name the EPL
 * compiler refuses gets an internal name ({@code Order} becomes {@code Order_t}); every other type
 * keeps its own name, so raw EPL can use it.
 */
public final class EsperNames {
    /** The property of every event type that holds the Vigil {@link Event} itself. */
    public static final String EVENT_PROPERTY = "vigil_event";

    private EsperNames() {
    }

    /** The internal name for a type whose own name EPL reserves. */
    public static String renamedType(String name) {
        return name + "_t";
    }

    /** A field (property) name quoted for EPL. */
    public static String field(String name) {
        return "`" + name + "`";
    }

    /**
     * A string literal for EPL. Control characters are written as {@code \\uXXXX}: that is the only
     * escape of a letter Esper reads ({@code \\n} or {@code \\t} would be a plain n or t).
     */
    static String string(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** A time period for EPL: the largest unit that divides it, for readable golden EPL. */
    static String period(long millis) {
        if (millis % 3_600_000L == 0) {
            return unit(millis / 3_600_000L, "hour");
        }
        if (millis % 60_000L == 0) {
            return unit(millis / 60_000L, "minute");
        }
        if (millis % 1000L == 0) {
            return unit(millis / 1000L, "second");
        }
        return unit(millis, "millisecond");
    }

    private static String unit(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
