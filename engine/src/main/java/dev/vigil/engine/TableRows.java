package dev.vigil.engine;

import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.TableDecl;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Rows for a declared reference table (rules-language.md, "Reference tables"), each checked against
 * the declaration as it is added: a row with a missing key or a value of the wrong type is refused
 * with its place, and the others are kept. Values come as text (a CSV cell) or as JSON-like values
 * (String, Number, Boolean); timestamps as epoch milliseconds or ISO-8601 text. A field the row
 * does not give is null; a name the table does not declare is ignored. Not thread-safe.
 */
public final class TableRows {
    /** A refused row: where it was and why. */
    public record Problem(String where, String message) {
        public Problem {
            requireNonNull(where, "where is null");
            requireNonNull(message, "message is null");
        }

        @Override
        public String toString() {
            return where + ": " + message;
        }
    }

    private final TableDecl decl;
    private final List<Object[]> rows = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();

    public TableRows(TableDecl decl) {
        this.decl = requireNonNull(decl, "decl is null");
    }

    public TableDecl decl() {
        return decl;
    }

    /**
     * Adds one row; false (and a problem recorded) when it is refused.
     *
     * @param where the row's place, for the problem ({@code merchants.csv:12})
     */
    public boolean add(Map<String, ?> values, String where) {
        requireNonNull(values, "values is null");
        Object[] row = new Object[decl.fields().size()];
        for (int i = 0; i < row.length; i++) {
            FieldDecl f = decl.fields().get(i);
            Object raw = values.get(f.name());
            boolean key = decl.keys().contains(f.name());
            if (raw == null || (raw instanceof String s && s.isEmpty() && !key && f.type() != dev.vigil.rules.ast.FieldType.STRING)) {
                if (key) {
                    problems.add(new Problem(where, "key field `" + f.name() + "` is missing"));
                    return false;
                }
                continue;
            }
            try {
                row[i] = convert(f, raw);
            } catch (IllegalArgumentException e) {
                problems.add(new Problem(where, "field `" + f.name() + "`: " + e.getMessage()));
                return false;
            }
        }
        rows.add(row);
        return true;
    }

    private static Object convert(FieldDecl f, Object raw) {
        return switch (f.type()) {
            case STRING -> {
                if (raw instanceof String s) {
                    yield s;
                }
                throw new IllegalArgumentException("expected a string, got " + raw);
            }
            case BOOLEAN -> {
                if (raw instanceof Boolean b) {
                    yield b;
                }
                if (raw instanceof String s && (s.equals("true") || s.equals("false"))) {
                    yield Boolean.parseBoolean(s);
                }
                throw new IllegalArgumentException("expected true or false, got " + quoted(raw));
            }
            case INT -> {
                long v = whole(raw);
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException("expected an int, got " + quoted(raw) + " (out of range)");
                }
                yield (int) v;
            }
            case LONG -> whole(raw);
            case DOUBLE -> {
                double d;
                if (raw instanceof Number n) {
                    d = n.doubleValue();
                } else if (raw instanceof String s) {
                    try {
                        d = Double.parseDouble(s.strip());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("expected a number, got " + quoted(raw));
                    }
                } else {
                    throw new IllegalArgumentException("expected a number, got " + quoted(raw));
                }
                if (!Double.isFinite(d)) {
                    throw new IllegalArgumentException("expected a finite number, got " + quoted(raw));
                }
                yield d;
            }
            case TIMESTAMP -> {
                if (raw instanceof String s && !s.isBlank() && !s.strip().chars().allMatch(Character::isDigit)) {
                    try {
                        yield java.time.Instant.parse(s.strip()).toEpochMilli();
                    } catch (java.time.format.DateTimeParseException e) {
                        throw new IllegalArgumentException("expected epoch milliseconds or an ISO-8601 time, got "
                                + quoted(raw));
                    }
                }
                yield whole(raw);
            }
        };
    }

    private static long whole(Object raw) {
        try {
            if (raw instanceof Integer || raw instanceof Long || raw instanceof Short || raw instanceof Byte) {
                return ((Number) raw).longValue();
            }
            if (raw instanceof Number n) {
                return new BigDecimal(n.toString()).longValueExact();
            }
            if (raw instanceof String s) {
                return new BigDecimal(s.strip()).longValueExact();
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        throw new IllegalArgumentException("expected a whole number, got " + quoted(raw));
    }

    private static String quoted(Object raw) {
        return raw instanceof String s ? "\"" + s + "\"" : String.valueOf(raw);
    }

    /** Records a row that could not be read at all (bad JSON or CSV): refused with its place. */
    public void refuse(String where, String message) {
        problems.add(new Problem(where, message));
    }

    /** The rows kept, each in the declaration's field order. */
    public List<Object[]> rows() {
        return List.copyOf(rows);
    }

    /** The rows refused, in the order added. */
    public List<Problem> problems() {
        return List.copyOf(problems);
    }
}
