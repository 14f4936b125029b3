package dev.vigil.rules.ast;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/** An expression in a filter, `having`, `key` or message placeholder. */
public sealed interface Expr extends Node {

    /** A number as written; {@code integral} when it has no fraction or exponent. */
    record NumberLit(String text, double value, boolean integral, Position pos) implements Expr {
        public NumberLit {
            requireNonNull(text, "text is null");
        }
    }

    record StringLit(String value, Position pos) implements Expr {
        public StringLit {
            requireNonNull(value, "value is null");
        }
    }

    record BoolLit(boolean value, Position pos) implements Expr {
    }

    record NullLit(Position pos) implements Expr {
    }

    /**
     * A field: {@code amount}, {@code a.amount} (a tag), {@code a[1].amount} (an element of a
     * {@code times} list).
     */
    record FieldRef(Optional<String> tag, OptionalInt index, String field, Position pos) implements Expr {
        public FieldRef {
            requireNonNull(tag, "tag is null");
            requireNonNull(index, "index is null");
            requireNonNull(field, "field is null");
        }

        public static FieldRef of(String field, Position pos) {
            return new FieldRef(Optional.empty(), OptionalInt.empty(), field, pos);
        }

        public static FieldRef tagged(String tag, String field, Position pos) {
            return new FieldRef(Optional.of(tag), OptionalInt.empty(), field, pos);
        }
    }

    enum BinaryOp {
        OR("or"), AND("and"),
        EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="),
        ADD("+"), SUB("-"), MUL("*"), DIV("/"), MOD("%");

        private final String symbol;

        BinaryOp(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        public boolean isComparison() {
            return this == EQ || this == NE || this == LT || this == LE || this == GT || this == GE;
        }

        public boolean isArithmetic() {
            return this == ADD || this == SUB || this == MUL || this == DIV || this == MOD;
        }

        public boolean isLogical() {
            return this == AND || this == OR;
        }
    }

    record Binary(BinaryOp op, Expr left, Expr right, Position pos) implements Expr {
        public Binary {
            requireNonNull(op, "op is null");
            requireNonNull(left, "left is null");
            requireNonNull(right, "right is null");
        }
    }

    /** Logical {@code not}. */
    record Not(Expr operand, Position pos) implements Expr {
        public Not {
            requireNonNull(operand, "operand is null");
        }
    }

    /** Unary minus. */
    record Negate(Expr operand, Position pos) implements Expr {
        public Negate {
            requireNonNull(operand, "operand is null");
        }
    }

    /** {@code x in (a, b)} or {@code x not in (a, b)}. */
    record InList(Expr value, List<Expr> items, boolean negated, Position pos) implements Expr {
        public InList {
            requireNonNull(value, "value is null");
            items = List.copyOf(items);
        }
    }

    /** {@code x between low and high}, both ends included. */
    record Between(Expr value, Expr low, Expr high, Position pos) implements Expr {
        public Between {
            requireNonNull(value, "value is null");
            requireNonNull(low, "low is null");
            requireNonNull(high, "high is null");
        }
    }

    /** {@code x matches "REGEX"}: the whole string matches the Java regular expression. */
    record Matches(Expr value, String regex, Position pos) implements Expr {
        public Matches {
            requireNonNull(value, "value is null");
            requireNonNull(regex, "regex is null");
        }
    }

    /** {@code x is null} or {@code x is not null}. */
    record IsNull(Expr value, boolean negated, Position pos) implements Expr {
        public IsNull {
            requireNonNull(value, "value is null");
        }
    }

    /**
     * A reference-table lookup, {@code T[k].field} or {@code T[a, b].field}: the field of the row
     * whose key equals the key expressions, null when there is no such row.
     */
    record Lookup(String table, List<Expr> keys, String field, Position pos) implements Expr {
        public Lookup {
            requireNonNull(table, "table is null");
            keys = List.copyOf(keys);
            requireNonNull(field, "field is null");
        }
    }

    /** {@code value in T} ({@code not in} when negated): whether the table has a row with that key. */
    record InTable(Expr value, String table, boolean negated, Position pos) implements Expr {
        public InTable {
            requireNonNull(value, "value is null");
            requireNonNull(table, "table is null");
        }
    }

    /** A scalar function: {@code abs}, {@code lower}, {@code upper}, {@code length}, {@code round}. */
    record Call(String function, List<Expr> args, Position pos) implements Expr {
        public Call {
            requireNonNull(function, "function is null");
            args = List.copyOf(args);
        }
    }

    enum AggregateFunction {
        COUNT, SUM, AVG, MIN, MAX, DISTINCT, FIRST, LAST;

        public String keyword() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** An aggregate over the window: {@code count()}, {@code sum(amount)}, ... */
    record Aggregate(AggregateFunction function, Optional<Expr> arg, Position pos) implements Expr {
        public Aggregate {
            requireNonNull(function, "function is null");
            requireNonNull(arg, "arg is null");
        }
    }
}
