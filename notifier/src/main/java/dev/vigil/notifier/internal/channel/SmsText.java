package dev.vigil.notifier.internal.channel;

import java.util.ArrayList;
import java.util.List;

/**
 * SMS segmentation (3GPP TS 23.038 and 23.040): a text that fits the GSM 7-bit alphabet takes
 * 160 septets in one segment, 153 per segment when concatenated (the rest carries the
 * concatenation header), and the extension-table characters ({@code ^ { } \ [ ~ ] | €} and form
 * feed) take two septets, which are never split across segments. Any other character makes the
 * whole text UCS-2: 70 UTF-16 code units in one segment, 67 when concatenated, and a surrogate
 * pair (an emoji) is never split across segments.
 */
final class SmsText {
    enum Encoding { GSM7, UCS2 }

    /** How a text is sent: its encoding, its length in septets or UTF-16 units, its segments. */
    record Measure(Encoding encoding, int units, int segments) {
    }

    /** Septets of one GSM-7 segment alone; of each segment of a concatenated message. */
    static final int GSM7_SINGLE = 160;
    static final int GSM7_PART = 153;
    /** UTF-16 units of one UCS-2 segment alone; of each segment of a concatenated message. */
    static final int UCS2_SINGLE = 70;
    static final int UCS2_PART = 67;

    /** The GSM 03.38 basic character set, without the escape code itself. */
    private static final String GSM7_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    /** The extension table, reached through the escape code: two septets each. */
    private static final String GSM7_EXTENDED = "^{}\\[~]|€\f";

    private SmsText() {
    }

    static Measure measure(String text) {
        Encoding enc = encoding(text);
        List<Integer> costs = costs(text, enc);
        int units = costs.stream().mapToInt(Integer::intValue).sum();
        return new Measure(enc, units, segments(costs, enc));
    }

    /**
     * The text, cut to fit {@code maxSegments} in its own encoding, ending in an ellipsis when
     * cut ({@code ...} in GSM-7, {@code …} in UCS-2, so the cut never changes the encoding).
     */
    static String fit(String text, int maxSegments) {
        if (maxSegments < 1) {
            throw new IllegalArgumentException("maxSegments must be positive: " + maxSegments);
        }
        Encoding enc = encoding(text);
        List<Integer> costs = costs(text, enc);
        if (segments(costs, enc) <= maxSegments) {
            return text;
        }
        String marker = switch (enc) {
            case GSM7 -> "...";
            case UCS2 -> "…";
        };
        List<Integer> markerCosts = costs(marker, enc);
        List<Integer> trial = new ArrayList<>();
        int fits = 0;
        int[] cps = text.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            trial.clear();
            trial.addAll(costs.subList(0, i + 1));
            trial.addAll(markerCosts);
            if (segments(trial, enc) > maxSegments) {
                break;
            }
            fits = i + 1;
        }
        String head = new String(cps, 0, fits).stripTrailing();
        return head + marker;
    }

    static Encoding encoding(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (GSM7_BASIC.indexOf(c) < 0 && GSM7_EXTENDED.indexOf(c) < 0) {
                return Encoding.UCS2;
            }
        }
        return Encoding.GSM7;
    }

    /** The cost of each code point in units of the encoding. */
    private static List<Integer> costs(String text, Encoding enc) {
        List<Integer> out = new ArrayList<>(text.length());
        text.codePoints().forEach(cp -> out.add(switch (enc) {
            case GSM7 -> GSM7_EXTENDED.indexOf(cp) >= 0 ? 2 : 1;
            case UCS2 -> Character.charCount(cp);
        }));
        return out;
    }

    /** Segments needed, packing code points whole into segments. */
    private static int segments(List<Integer> costs, Encoding enc) {
        int single = switch (enc) {
            case GSM7 -> GSM7_SINGLE;
            case UCS2 -> UCS2_SINGLE;
        };
        int part = switch (enc) {
            case GSM7 -> GSM7_PART;
            case UCS2 -> UCS2_PART;
        };
        int total = 0;
        for (int c : costs) {
            total += c;
        }
        if (total <= single) {
            return 1;
        }
        int segments = 1;
        int used = 0;
        for (int c : costs) {
            if (used + c > part) {
                segments++;
                used = 0;
            }
            used += c;
        }
        return segments;
    }
}
