package dev.vigil.connectors;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.Rejection;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
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
    private static final CsvMapper CSV = new CsvMapper();

    /** Receives what a file holds, in file order. */
    public interface Handler {
        void onEvent(Event event) throws InterruptedException;

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
             InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
             Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                     .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT))) {
            if (isCsv(file)) {
                if (from > 0) {
                    throw new IllegalArgumentException("cannot read " + file + " from offset " + from
                            + ": only JSONL files are read from an offset");
                }
                String type = csvType.orElse(base.substring(0, base.length() - 4));
                return readCsv(file.toString(), reader, type, decoder, handler);
            }
            return readJsonl(file.toString(), in, from, progress, decoder, handler);
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
        while (!eof) {
            n = in.read(buf);
            if (n < 0) {
                eof = true;
                n = 0;
            }
            for (int i = 0; i <= n; i++) {
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
                    deliver(decoder.get().decodeJson(line, 0, l, where + ":" + lineNo), handler);
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
            deliver(decoder.get().decodeJson(text, where + ":" + lineNo), handler);
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

    static long readCsv(String where, Reader reader, String type, Supplier<EventDecoder> decoder, Handler handler)
            throws IOException, InterruptedException {
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        long records = 0;
        try (MappingIterator<Map<String, String>> it = CSV.readerFor(Map.class)
                .with(schema)
                .with(CsvParser.Feature.SKIP_EMPTY_LINES)
                .with(CsvParser.Feature.TRIM_SPACES)
                .readValues(reader)) {
            while (true) {
                Map<String, String> row;
                long lineNo;
                try {
                    if (!it.hasNextValue()) {
                        break;
                    }
                    row = it.nextValue();
                    // The parser has read past the row's line break: the row is on the line before.
                    var end = it.getCurrentLocation();
                    lineNo = end.getColumnNr() <= 1 ? end.getLineNr() - 1 : end.getLineNr();
                } catch (RuntimeException e) {
                    String reason = e.getCause() instanceof java.nio.charset.CharacterCodingException
                            ? "not valid UTF-8; reading of this file stops here" : "not valid CSV: " + e.getMessage();
                    handler.onRejected(new Rejection(where + ":" + it.getCurrentLocation().getLineNr(), reason,
                            Rejection.Kind.INVALID));
                    break;
                }
                records++;
                deliver(decoder.get().decodeText(type, row, where + ":" + lineNo), handler);
            }
        }
        return records;
    }

    private static void deliver(Decoded d, Handler handler) throws InterruptedException {
        switch (d) {
            case Decoded.Accepted a -> handler.onEvent(a.event());
            case Decoded.Rejected r -> handler.onRejected(r.rejection());
        }
    }
}
