package dev.vigil.server.run;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The unified diff of rule-file versions: applying it to the old text gives the new one. */
class UnifiedDiffTest {
    private static final Pattern HUNK = Pattern.compile("@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@");

    @Test
    void twoChangesFarApart_areTwoHunks_withThreeLinesOfContext() {
        String a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
        String b = "1\nTWO\n3\n4\n5\n6\n7\n8\n9\n10\n11\nTWELVE\n";
        assertThat(UnifiedDiff.of("f@1", a, "f@2", b)).isEqualTo("""
                --- f@1
                +++ f@2
                @@ -1,5 +1,5 @@
                 1
                -2
                +TWO
                 3
                 4
                 5
                @@ -9,4 +9,4 @@
                 9
                 10
                 11
                -12
                +TWELVE
                """);
    }

    @Test
    void aLargeFileWithOneChange_isOneSmallHunk() {
        StringBuilder a = new StringBuilder();
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= 5_000; i++) {
            a.append("line ").append(i).append('\n');
            b.append(i == 2_500 ? "changed" : "line " + i).append('\n');
        }
        assertThat(UnifiedDiff.of("f@1", a.toString(), "f@2", b.toString())).isEqualTo("""
                --- f@1
                +++ f@2
                @@ -2497,7 +2497,7 @@
                 line 2497
                 line 2498
                 line 2499
                -line 2500
                +changed
                 line 2501
                 line 2502
                 line 2503
                """);
    }

    @Test
    void randomEdits_applyBackToTheNewText() {
        Random random = new Random(17);
        for (int round = 0; round < 500; round++) {
            List<String> a = new ArrayList<>();
            for (int i = random.nextInt(30); i > 0; i--) {
                a.add("line " + random.nextInt(8));
            }
            List<String> b = new ArrayList<>(a);
            for (int e = random.nextInt(6); e > 0; e--) {
                int at = b.isEmpty() ? 0 : random.nextInt(b.size() + 1);
                switch (random.nextInt(3)) {
                    case 0 -> b.add(at, "new " + random.nextInt(100));
                    case 1 -> { if (at < b.size()) b.remove(at); }
                    default -> { if (at < b.size()) b.set(at, "changed " + random.nextInt(100)); }
                }
            }
            String oldText = a.isEmpty() ? "" : String.join("\n", a) + "\n";
            String newText = b.isEmpty() ? "" : String.join("\n", b) + "\n";
            String diff = UnifiedDiff.of("old", oldText, "new", newText);
            assertThat(diff.isEmpty()).as(diff).isEqualTo(oldText.equals(newText));
            if (!diff.isEmpty()) {
                assertThat(apply(a, diff)).as("round " + round + "\n" + diff).isEqualTo(b);
            }
        }
    }

    /** Applies a unified diff, checking each hunk's header against its lines and the old text. */
    private static List<String> apply(List<String> old, String diff) {
        List<String> out = new ArrayList<>();
        String[] lines = diff.split("\n", -1);
        int next = 0; // the next old line (0-based) not yet copied
        int i = 2;
        while (i < lines.length && !lines[i].isEmpty()) {
            Matcher m = HUNK.matcher(lines[i]);
            assertThat(m.matches()).as(lines[i]).isTrue();
            int oldStart = Integer.parseInt(m.group(1));
            int oldCount = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
            int newCount = m.group(4) == null ? 1 : Integer.parseInt(m.group(4));
            int from = oldCount == 0 ? oldStart : oldStart - 1;
            while (next < from) {
                out.add(old.get(next++));
            }
            int seenOld = 0;
            int seenNew = 0;
            i++;
            while (i < lines.length && !lines[i].isEmpty() && !lines[i].startsWith("@@")) {
                char op = lines[i].charAt(0);
                String text = lines[i].substring(1);
                if (op != '+') {
                    assertThat(old.get(next)).isEqualTo(text);
                    next++;
                    seenOld++;
                }
                if (op != '-') {
                    out.add(text);
                    seenNew++;
                }
                i++;
            }
            assertThat(seenOld).isEqualTo(oldCount);
            assertThat(seenNew).isEqualTo(newCount);
        }
        while (next < old.size()) {
            out.add(old.get(next++));
        }
        return out;
    }
}
