package dev.vigil.rules.internal;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" suggestions: the nearest valid name by edit distance. */
final class Suggest {
    private Suggest() {
    }

    /**
     * The candidate nearest to {@code word}, if it is close enough: at most two edits, and at most
     * a third of the word's length (at least one), and less than the
     * word's length (so a one-letter name suggests nothing). Case differences cost nothing in the distance
     * and only break ties, so {@code transaction} suggests {@code Transaction}.
     */
    static Optional<String> nearest(String word, Collection<String> candidates) {
        String lower = word.toLowerCase(Locale.ROOT);
        int allowed = Math.min(2, Math.max(1, word.length() / 3));
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int bestCaseDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            if (candidate.equals(word)) {
                continue;
            }
            int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (d > allowed || d >= word.length()) {
                continue;
            }
            int caseDistance = distance(word, candidate);
            if (d < bestDistance || (d == bestDistance && caseDistance < bestCaseDistance)) {
                best = candidate;
                bestDistance = d;
                bestCaseDistance = caseDistance;
            }
        }
        return Optional.ofNullable(best);
    }

    /** {@code "; did you mean `x`?"} or the empty string. */
    static String didYouMean(String word, Collection<String> candidates) {
        return nearest(word, candidates).map(s -> "; did you mean `" + s + "`?").orElse("");
    }

    /**
     * Optimal string alignment distance (Damerau-Levenshtein without repeated edits of one
     * substring): insertions, deletions, substitutions and swaps of two neighbours cost one each.
     */
    static int distance(String a, String b) {
        int n = a.length();
        int m = b.length();
        int[][] d = new int[n + 1][m + 1];
        for (int i = 0; i <= n; i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= m; j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[n][m];
    }

    /** {@code a, b or c} with each item in backticks. */
    static String orList(List<String> items) {
        return join(items.stream().map(s -> "`" + s + "`").toList(), "or");
    }

    /** {@code a, b or c} (or {@code and}) as is. */
    static String join(List<String> items, String lastWord) {
        if (items.isEmpty()) {
            return "";
        }
        if (items.size() == 1) {
            return items.get(0);
        }
        return String.join(", ", items.subList(0, items.size() - 1)) + " " + lastWord + " " + items.get(items.size() - 1);
    }
}
