package dev.vigil.connectors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Json;
import dev.vigil.engine.TableRows;
import dev.vigil.rules.ast.TableDecl;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the rows of a reference table (interfaces.md, "Tables"): CSV with a header row of field
 * names, or JSONL (one JSON object per line, blank lines skipped), chosen by the file name
 * ({@code .csv}, else JSONL). Each row is checked against the table's declaration; a bad row is
 * refused with its file and line and the others load ({@link TableRows#problems()}). Text that
 * cannot be read any further (a quote never closed, invalid UTF-8) is one problem at its line,
 * and the rows before it load.
 */
public final class TableFiles {

    private TableFiles() {
    }

    /** Reads a table file; its problems name {@code file:line}. */
    public static TableRows read(Path file, TableDecl decl) throws IOException {
        String text;
        try {
            text = dev.vigil.engine.Utf8.decode(Files.readAllBytes(file));
        } catch (dev.vigil.engine.Utf8.MalformedException e) {
            TableRows rows = new TableRows(decl);
            rows.refuse(file.toString(), "not valid UTF-8: " + e.getMessage());
            return rows;
        }
        return parse(file.toString(), text, decl, isCsv(file.getFileName().toString()));
    }

    /** Whether a name is read as CSV ({@code .csv}); anything else is JSONL. */
    public static boolean isCsv(String name) {
        return name.toLowerCase(Locale.ROOT).endsWith(".csv");
    }

    /** Parses table rows from text; {@code where} names the source in problems. */
    public static TableRows parse(String where, String text, TableDecl decl, boolean csv) {
        if (text.startsWith("\ufeff")) {
            text = text.substring(1);
        }
        TableRows rows = new TableRows(decl);
        if (csv) {
            readCsv(where, new StringReader(text), rows);
        } else {
            readJsonl(where, text, rows);
        }
        return rows;
    }

    private static void readJsonl(String where, String text, TableRows rows) {
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            String at = where + ":" + (i + 1);
            JsonNode node;
            try {
                node = Json.mapper().readTree(line);
            } catch (IOException e) {
                problem(rows, at, "not valid JSON");
                continue;
            }
            if (node == null || !node.isObject()) {
                problem(rows, at, "expected a JSON object, got " + (node == null ? "nothing" : node.getNodeType()
                        .toString().toLowerCase(Locale.ROOT)));
                continue;
            }
            rows.add(values(node), at);
        }
    }

    /** A JSON object's fields as the values a {@link TableRows} row takes (text, numbers, booleans, null). */
    public static Map<String, Object> values(JsonNode object) {
        Map<String, Object> values = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> values.put(e.getKey(), value(e.getValue())));
        return values;
    }

    /**
     * Writes rows as JSONL (null fields left out), atomically: a temporary file moved into place, so
     * a reader or a crash sees the old file or the new one.
     */
    public static void write(Path file, TableDecl decl, List<Object[]> rows) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        StringBuilder out = new StringBuilder();
        for (Object[] row : rows) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int i = 0; i < row.length; i++) {
                if (row[i] != null) {
                    values.put(decl.fields().get(i).name(), row[i]);
                }
            }
            out.append(Json.mapper().writeValueAsString(values)).append('\n');
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, out, java.nio.charset.StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Object value(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isIntegralNumber()) {
            return v.canConvertToLong() ? (Object) v.longValue() : (Object) v.decimalValue();
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        return v.toString(); // an object or array: refused by the field's type check
    }

    private static void readCsv(String where, Reader reader, TableRows rows) {
        try {
            CsvRows.read(where, reader, new CsvRows.Visitor() {
                @Override
                public void row(Map<String, String> row, String at) {
                    rows.add(row, at);
                }

                @Override
                public void refused(String at, String message, boolean stops) {
                    problem(rows, at, stops ? message + "; reading stops here" : message);
                }
            });
        } catch (IOException e) {
            problem(rows, where, "cannot read: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the visitor above never waits
        }
    }

    /** Records a problem for a row that never became values (the row is refused). */
    private static void problem(TableRows rows, String at, String message) {
        rows.refuse(at, message);
    }
}
