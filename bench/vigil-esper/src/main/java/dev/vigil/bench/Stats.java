package dev.vigil.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Medians and the JSON result lines bench/run collects. */
public final class Stats {
    private Stats() {
    }

    public static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    public static String num(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    public static String list(List<Double> xs) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < xs.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(num(xs.get(i)));
        }
        return sb.append(']').toString();
    }

    public static String map(Map<String, Long> m) {
        StringBuilder sb = new StringBuilder("{");
        int i = 0;
        for (Map.Entry<String, Long> e : m.entrySet()) {
            sb.append(i++ == 0 ? "" : ", ").append('"').append(e.getKey()).append("\": ").append(e.getValue());
        }
        return sb.append('}').toString();
    }

    public static String q(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
