package dev.vigil.connectors;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.io.IOException;
import java.io.Reader;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rows of a CSV text whose first row names the fields, each with the line it starts on: one
 * reading for recorded event files ({@link EventFiles}) and table files ({@link TableFiles}), so
 * both place a row, a quoted line break and a broken file the same way. Values are trimmed, empty
 * lines skipped, a byte-order mark before the header dropped.
 */
final class CsvRows {
    private static final CsvMapper CSV = new CsvMapper();

    private CsvRows() {
    }

    /** What the rows are handed to. */
    interface Visitor {
        /** A row: header names to values; a row with fewer values than the header lacks the rest. */
        void row(Map<String, String> row, String at) throws InterruptedException;

        /**
         * A row refused, or with {@code stops} the text no longer CSV from {@code at} on (nothing
         * after it can be read reliably): reading ends after this call.
         */
        void refused(String at, String message, boolean stops) throws InterruptedException;
    }

    /**
     * Reads every row of {@code reader}; {@code where} names it in each row's place
     * ({@code where:line}).
     *
     * @throws IOException when the text cannot be read at all (a file cut off mid-way, say), with
     *     the last line read
     */
    static void read(String where, Reader reader, Visitor visitor) throws IOException, InterruptedException {
        String[] header = null;
        long rowLine = 1; // the line the next row starts on
        try (MappingIterator<String[]> it = CSV.readerFor(String[].class)
                .with(CsvSchema.emptySchema())
                .with(CsvParser.Feature.WRAP_AS_ARRAY)
                .with(CsvParser.Feature.SKIP_EMPTY_LINES)
                .with(CsvParser.Feature.TRIM_SPACES)
                .readValues(reader)) {
            while (true) {
                String[] values;
                long lineNo;
                try {
                    if (!it.hasNextValue()) {
                        return;
                    }
                    values = it.nextValue();
                    // The parser has read past the row's line break: the row ends on the line before.
                    var end = it.getCurrentLocation();
                    lineNo = end.getColumnNr() <= 1 ? end.getLineNr() - 1 : end.getLineNr();
                } catch (EventFiles.TruncatedGzipException e) {
                    throw new IOException(where + ": " + e.getMessage() + " (after line " + (rowLine - 1) + ")", e);
                } catch (IOException | RuntimeException e) {
                    visitor.refused(where + ":" + rowLine, problem(e), true);
                    return;
                }
                long startLine = rowLine;
                rowLine = lineNo + 1;
                if (header == null) {
                    header = values;
                    if (header.length > 0 && header[0].startsWith("\ufeff")) {
                        header[0] = header[0].substring(1);
                    }
                    continue;
                }
                String at = where + ":" + startLine;
                if (values.length > header.length) {
                    visitor.refused(at, "not valid CSV: " + values.length + " values, the header has " + header.length,
                            false);
                    continue;
                }
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 0; i < values.length; i++) {
                    row.put(header[i], values[i]);
                }
                visitor.row(row, at);
            }
        }
    }

    /** Why the text stopped being CSV, in one line. */
    private static String problem(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.charset.CharacterCodingException) {
                return "not valid UTF-8";
            }
        }
        String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (m != null && m.startsWith("Missing closing quote")) {
            return "not valid CSV: a quote is never closed";
        }
        return "not valid CSV: " + (m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m));
    }
}
