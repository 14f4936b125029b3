package dev.vigil.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The first N lines of a JSONL file, held as its bytes in memory with the offsets of each line. */
public final class Lines {
    public final byte[] bytes;
    public final int[] start;
    public final int[] end;
    public final int count;

    private Lines(byte[] bytes, int[] start, int[] end, int count) {
        this.bytes = bytes;
        this.start = start;
        this.end = end;
        this.count = count;
    }

    public static Lines read(Path file, int limit) throws IOException {
        byte[] all = Files.readAllBytes(file);
        int[] s = new int[Math.min(limit, 1 << 16)];
        int[] e = new int[s.length];
        int n = 0;
        int pos = 0;
        while (pos < all.length && n < limit) {
            int nl = pos;
            while (nl < all.length && all[nl] != '\n') {
                nl++;
            }
            if (nl > pos) {
                if (n == s.length) {
                    s = Arrays.copyOf(s, n * 2);
                    e = Arrays.copyOf(e, n * 2);
                }
                s[n] = pos;
                e[n] = nl;
                n++;
            }
            pos = nl + 1;
        }
        int used = n == 0 ? 0 : e[n - 1] + 1;
        byte[] bytes = used == all.length ? all : Arrays.copyOf(all, Math.min(used, all.length));
        return new Lines(bytes, s, e, n);
    }

    /** Line i as a string (what a line reader hands to a decoder). */
    public String text(int i) {
        return new String(bytes, start[i], end[i] - start[i], StandardCharsets.UTF_8);
    }
}
