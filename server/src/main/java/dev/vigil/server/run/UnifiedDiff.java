package dev.vigil.server.run;

import java.util.ArrayList;
import java.util.List;

/**
 * A unified diff of two texts, by lines, as {@code diff -u} and {@code git diff} write it: the
 * {@code ---}/{@code +++} header, then hunks {@code @@ -a,b +c,d @@} with three lines of context.
 * The edit script keeps the lines both texts start and end with, and takes a longest common
 * subsequence of the lines between (quadratic, which rule files, at most a few thousand lines,
 * afford); middles over {@link #MAX_CELLS} line pairs (2,000 lines
 * against 2,000: a 16 MB table) are shown as every old line removed and every new one added.
 */
final class UnifiedDiff {
    private static final int CONTEXT = 3;
    static final long MAX_CELLS = 4_000_000L;

    private UnifiedDiff() {
    }

    private record Line(char op, String text, int oldNo, int newNo) {
    }

    /** The diff from {@code oldText} (labelled {@code oldName}) to {@code newText}; empty when they are equal. */
    static String of(String oldName, String oldText, String newName, String newText) {
        List<Line> lines = script(split(oldText), split(newText));
        if (lines.stream().allMatch(l -> l.op == ' ')) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        out.append("--- ").append(oldName).append('\n').append("+++ ").append(newName).append('\n');
        // A line is shown when a change is at most CONTEXT lines away; each run of shown lines is
        // one hunk (so changes closer than 2 * CONTEXT share one, as diff -u does).
        boolean[] shown = new boolean[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).op != ' ') {
                for (int k = Math.max(0, i - CONTEXT); k <= Math.min(lines.size() - 1, i + CONTEXT); k++) {
                    shown[k] = true;
                }
            }
        }
        int i = 0;
        while (i < lines.size()) {
            if (!shown[i]) {
                i++;
                continue;
            }
            int start = i;
            while (i < lines.size() && shown[i]) {
                i++;
            }
            hunk(out, lines.subList(start, i));
        }
        return out.toString();
    }

    private static void hunk(StringBuilder out, List<Line> h) {
        int oldStart = 0;
        int newStart = 0;
        int oldCount = 0;
        int newCount = 0;
        for (Line l : h) {
            if (l.op != '+') {
                if (oldCount++ == 0) {
                    oldStart = l.oldNo;
                }
            }
            if (l.op != '-') {
                if (newCount++ == 0) {
                    newStart = l.newNo;
                }
            }
        }
        if (oldCount == 0) {
            oldStart = h.get(0).oldNo - 1; // diff -u: an empty range starts at the line before
        }
        if (newCount == 0) {
            newStart = h.get(0).newNo - 1;
        }
        out.append("@@ -").append(range(oldStart, oldCount)).append(" +").append(range(newStart, newCount))
                .append(" @@\n");
        for (Line l : h) {
            out.append(l.op).append(l.text).append('\n');
        }
    }

    private static String range(int start, int count) {
        return count == 1 ? String.valueOf(start) : start + "," + count;
    }

    private static List<String> split(String text) {
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // the newline that ends the last line
        }
        return lines;
    }

    /** Kept, removed and added lines, removals before additions where both are possible. */
    private static List<Line> script(List<String> a, List<String> b) {
        // The lines both texts start and end with are kept as they are; only the middle is searched
        // (a large file with a small change costs little).
        int head = 0;
        while (head < a.size() && head < b.size() && a.get(head).equals(b.get(head))) {
            head++;
        }
        int tail = 0;
        while (tail < a.size() - head && tail < b.size() - head
                && a.get(a.size() - 1 - tail).equals(b.get(b.size() - 1 - tail))) {
            tail++;
        }
        List<Line> out = new ArrayList<>();
        for (int i = 0; i < head; i++) {
            out.add(new Line(' ', a.get(i), i + 1, i + 1));
        }
        for (Line l : middle(a.subList(head, a.size() - tail), b.subList(head, b.size() - tail))) {
            out.add(new Line(l.op, l.text, l.oldNo + head, l.newNo + head));
        }
        for (int k = tail; k > 0; k--) {
            out.add(new Line(' ', a.get(a.size() - k), a.size() - k + 1, b.size() - k + 1));
        }
        return out;
    }

    private static List<Line> middle(List<String> a, List<String> b) {
        int n = a.size();
        int m = b.size();
        List<Line> out = new ArrayList<>();
        if ((long) n * m > MAX_CELLS) {
            for (int i = 0; i < n; i++) {
                out.add(new Line('-', a.get(i), i + 1, 1));
            }
            for (int j = 0; j < m; j++) {
                out.add(new Line('+', b.get(j), n + 1, j + 1));
            }
            return out;
        }
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(i).equals(b.get(j))) {
                out.add(new Line(' ', a.get(i), i + 1, j + 1));
                i++;
                j++;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                out.add(new Line('-', a.get(i), i + 1, j + 1));
                i++;
            } else {
                out.add(new Line('+', b.get(j), i + 1, j + 1));
                j++;
            }
        }
        return out;
    }
}
