package dev.vigil.connectors;

import dev.vigil.engine.Decoded;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.Rejection;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;

/**
 * Reads recorded event files: JSONL (one envelope per line, blank lines skipped) and CSV (a header
 * row of field names; the type from the caller or the file name, {@code Transaction.csv}), either
 * optionally gzipped ({@code .gz}, detected by name). Every record is decoded; a bad one becomes a
 * rejection naming its line, and reading goes on.
 */
public final class EventFiles {

    /** Receives what a file holds, in file order. */
    public interface Handler {
        void onEvent(Event event) throws InterruptedException;

        /** An event and where it was read ({@code file:line}); by default {@link #onEvent(Event)}. */
        default void onEvent(Event event, String where) throws InterruptedException {
            onEvent(event);
        }

        void onRejected(Rejection rejection);
    }

    private EventFiles() {
    }

    /**
     * Reads one file to its end.
     *
     * @param decoder supplies the decoder per record (it changes when rules are redeployed)
     * @param csvType the event type of a CSV file; when empty, the file name before {@code .csv}
     * @return the number of records read (accepted and rejected)
     */
    public static long read(Path file, Optional<String> csvType, Supplier<EventDecoder> decoder, Handler handler)
            throws IOException, InterruptedException {
        return read(file, csvType, 0, offset -> { }, decoder, handler);
    }

    /**
     * Reads one file to its end from a byte offset: JSONL lines that start before {@code from} are
     * skipped (still counted, so rejections keep their line numbers), and after each line the
     * offset of the next one goes to {@code progress} (offsets of a {@code .gz} file are in its
     * uncompressed bytes). A CSV file has no line offsets: {@code from} must be 0 and nothing is
     * reported.
     *
     * @throws IllegalArgumentException for a CSV file and an offset
     */
    static long read(Path file, Optional<String> csvType, long from, LongConsumer progress,
                     Supplier<EventDecoder> decoder, Handler handler) throws IOException, InterruptedException {
        String name = file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        boolean gzip = lower.endsWith(".gz");
        String base = gzip ? name.substring(0, name.length() - 3) : name;
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = gzip ? new GzipEnd(new GZIPInputStream(raw, 1 << 16)) : raw) {
            if (isCsv(file)) {
                if (from > 0) {
                    throw new IllegalArgumentException("cannot read " + file + " from offset " + from
                            + ": only JSONL files are read from an offset");
                }
                String type = csvType.orElse(base.substring(0, base.length() - 4));
                return readCsv(file.toString(), new StrictUtf8Reader(in), type, decoder, handler);
            }
            return readJsonl(file.toString(), in, from, progress, decoder, handler);
        }
    }

    /** The compressed data of a {@code .gz} file ends before its end (a cut or unfinished copy). */
    static final class TruncatedGzipException extends IOException {
        private static final long serialVersionUID = 1L;

        TruncatedGzipException(Throwable cause) {
            super("the gzip data ends early", cause);
        }
    }

    /** A gzip stream whose early end (an EOFException without a message, or ZLIB's) is one exception type. */
    private static final class GzipEnd extends java.io.FilterInputStream {
        GzipEnd(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw new TruncatedGzipException(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (java.io.EOFException | java.util.zip.ZipException e) {
                throw new TruncatedGzipException(e);
            }
        }
    }

    /**
     * Strict UTF-8 text that hands out every character before a malformed byte first, and fails
     * with {@link java.nio.charset.MalformedInputException} only on the read after them (an
     * InputStreamReader fails at once, losing the good lines decoded in the same block).
     */
    private static final class StrictUtf8Reader extends Reader {
        private final InputStream in;
        private final java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        private final java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(1 << 16).flip();
        private boolean eof;
        private boolean done;
        private java.nio.charset.CoderResult error;

        StrictUtf8Reader(InputStream in) {
            this.in = in;
        }

        @Override
        public int read(char[] cbuf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (done) {
                return -1;
            }
            java.nio.CharBuffer out = java.nio.CharBuffer.wrap(cbuf, off, len);
            while (true) {
                if (error != null) {
                    if (out.position() > off) {
                        return out.position() - off;
                    }
                    error.throwException();
                }
                java.nio.charset.CoderResult r = decoder.decode(bytes, out, eof);
                if (r.isError()) {
                    error = r;
                    continue;
                }
                if (r.isOverflow()) {
                    return out.position() - off;
                }
                if (eof) {
                    r = decoder.flush(out);
                    if (r.isError()) {
                        error = r;
                        continue;
                    }
                    done = true;
                    return out.position() > off ? out.position() - off : -1;
                }
                if (out.position() > off) {
                    return out.position() - off;
                }
                bytes.compact();
                int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
                if (n < 0) {
                    eof = true;
                } else {
                    bytes.position(bytes.position() + n);
                }
                bytes.flip();
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * JSONL: one event per line ({@code \n} or {@code \r\n}), each line decoded as strict UTF-8 on
     * its own, so a malformed line is rejected with its number and the next one is read.
     */
    static long readJsonl(String where, InputStream in, Supplier<EventDecoder> decoder, Handler handler)
            throws IOException, InterruptedException {
        return readJsonl(where, in, 0, offset -> { }, decoder, handler);
    }

    /** As above, from a byte offset, reporting the offset of the next line after each one (see {@link #read}). */
    static long readJsonl(String where, InputStream in, long from, LongConsumer progress,
                          Supplier<EventDecoder> decoder, Handler handler) throws IOException, InterruptedException {
        byte[] buf = new byte[1 << 16];
        byte[] line = new byte[1 << 12];
        int len = 0;
        long lineNo = 0;
        long records = 0;
        // Offset of buf[0] in the input, and of the line being read.
        long bufStart = 0;
        long lineStart = 0;
        int n;
        boolean eof = false;
        boolean first = true;
        while (!eof) {
            try {
                n = in.read(buf);
            } catch (TruncatedGzipException e) {
                throw new IOException(where + ": " + e.getMessage() + " (after line " + lineNo + ")", e);
            }
            if (n < 0) {
                eof = true;
                n = 0;
            }
            int start = 0;
            if (first && n > 0) {
                first = false;
                // A leading UTF-8 byte-order mark (some editors write one) is not part of the first line.
                if (n >= 3 && buf[0] == (byte) 0xef && buf[1] == (byte) 0xbb && buf[2] == (byte) 0xbf) {
                    start = 3;
                }
            }
            for (int i = start; i <= n; i++) {
                boolean end = i < n ? buf[i] == '\n' : eof && len > 0;
                if (!end) {
                    if (i < n) {
                        if (len == line.length) {
                            line = java.util.Arrays.copyOf(line, line.length * 2);
                        }
                        line[len++] = buf[i];
                    }
                    continue;
                }
                lineNo++;
                int l = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
                len = 0;
                long next = bufStart + Math.min(i + 1, n);
                boolean skipped = lineStart < from;
                lineStart = next;
                if (!skipped && !blank(line, l)) {
                    records++;
                    String at = where + ":" + lineNo;
                    deliver(decoder.get().decodeJson(line, 0, l, at), at, handler);
                }
                progress.accept(next);
            }
            bufStart += n;
        }
        return records;
    }

    /** JSONL from text already decoded (tests and benchmarks that hold their lines in memory). */
    static long readJsonl(String where, Reader reader, Supplier<EventDecoder> decoder, Handler handler)
            throws IOException, InterruptedException {
        BufferedReader lines = new BufferedReader(reader, 1 << 16);
        long lineNo = 0;
        long records = 0;
        String text;
        while ((text = lines.readLine()) != null) {
            lineNo++;
            if (text.isBlank()) {
                continue;
            }
            records++;
            String at = where + ":" + lineNo;
            deliver(decoder.get().decodeJson(text, at), at, handler);
        }
        return records;
    }

    /** Whether a file is read as CSV: {@code .csv}, or {@code .csv.gz}. */
    static boolean isCsv(Path file) {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return (lower.endsWith(".gz") ? lower.substring(0, lower.length() - 3) : lower).endsWith(".csv");
    }

    private static boolean blank(byte[] b, int len) {
        for (int i = 0; i < len; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    /**
     * CSV: a header row of field names, then one event per row. A row with more values than the
     * header has is rejected and reading goes on (a row with fewer lacks the last fields); malformed
     * CSV (a quote never closed) or UTF-8 is rejected with the line its row starts on, and reading of
     * the file stops there, as nothing after it can be read reliably. A byte-order mark before the
     * header is dropped.
     */
    static long readCsv(String where, Reader reader, String type, Supplier<EventDecoder> decoder, Handler handler)
            throws IOException, InterruptedException {
        long[] records = {0};
        CsvRows.read(where, reader, new CsvRows.Visitor() {
            @Override
            public void row(Map<String, String> row, String at) throws InterruptedException {
                records[0]++;
                deliver(decoder.get().decodeText(type, row, at), at, handler);
            }

            @Override
            public void refused(String at, String message, boolean stops) throws InterruptedException {
                records[0]++;
                handler.onRejected(stops
                        ? new Rejection(at, message + "; reading of this file stops here", Rejection.Kind.INVALID)
                        : new Rejection(at, message, Rejection.Kind.INVALID, type));
            }
        });
        return records[0];
    }

    private static void deliver(Decoded d, String where, Handler handler) throws InterruptedException {
        switch (d) {
            case Decoded.Accepted a -> handler.onEvent(a.event(), where);
            case Decoded.Rejected r -> handler.onRejected(r.rejection());
        }
    }
}
