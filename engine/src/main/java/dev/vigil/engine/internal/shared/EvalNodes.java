package dev.vigil.engine.internal.shared;

import dev.vigil.engine.internal.epl.EplFunctions;

import java.util.regex.Pattern;

/**
 * The nodes a {@link HavingEval} is compiled into. Each node knows its static type (decided by
 * {@link HavingEval#compile}); numbers are computed as primitives, so evaluating a numeric
 * subtree allocates nothing.
 *
 * <p>Null in EPL's arithmetic is strict (a null operand gives null), so a numeric node answers
 * {@link Num#isNull} first and its value only when that is false. A boolean node answers one of
 * {@link #TRUE}, {@link #FALSE} and {@link #NULL}.
 */
final class EvalNodes {
    static final int FALSE = 0;
    static final int TRUE = 1;
    static final int NULL = -1;

    private EvalNodes() {
    }

    /** The static types Esper gives the expressions HavingEval accepts. */
    enum Kind {
        INT(Integer.class), LONG(Long.class), DOUBLE(Double.class), STRING(String.class), BOOLEAN(Boolean.class);

        final Class<?> javaType;

        Kind(Class<?> javaType) {
            this.javaType = javaType;
        }

        boolean numeric() {
            return this == INT || this == LONG || this == DOUBLE;
        }

        boolean integral() {
            return this == INT || this == LONG;
        }
    }

    /** Any node: its value boxed the way Esper returns it, or null. */
    abstract static class Node {
        abstract Kind kind();

        abstract boolean isNull(Object[] row);

        abstract Object value(Object[] row);
    }

    // ---------------------------------------------------------------- numbers

    /**
     * A numeric node. {@link #l} is valid for INT and LONG nodes (an INT node's value is always in
     * int range, wrapped as Java's int arithmetic wraps), {@link #d} for every kind; both only when
     * {@link #isNull} is false.
     */
    abstract static class Num extends Node {
        final Kind kind;

        Num(Kind kind) {
            this.kind = kind;
        }

        @Override
        final Kind kind() {
            return kind;
        }

        abstract long l(Object[] row);

        abstract double d(Object[] row);

        /** Whether this is a literal (Esper's constant node); constants are never null. */
        boolean constant() {
            return false;
        }

        @Override
        final Object value(Object[] row) {
            if (isNull(row)) {
                return null;
            }
            return switch (kind) {
                case INT -> (int) l(row);
                case LONG -> l(row);
                case DOUBLE -> d(row);
                case STRING, BOOLEAN -> throw new AssertionError(kind);
            };
        }
    }

    static final class NumColumn extends Num {
        final int index;

        NumColumn(int index, Kind kind) {
            super(kind);
            this.index = index;
        }

        @Override
        boolean isNull(Object[] row) {
            return row[index] == null;
        }

        @Override
        long l(Object[] row) {
            return ((Number) row[index]).longValue();
        }

        @Override
        double d(Object[] row) {
            return ((Number) row[index]).doubleValue();
        }
    }

    static final class NumConst extends Num {
        final long l;
        final double d;
        final Number literal;

        NumConst(Kind kind, Number literal) {
            super(kind);
            this.literal = literal;
            this.l = literal.longValue();
            this.d = literal.doubleValue();
        }

        @Override
        boolean constant() {
            return true;
        }

        @Override
        boolean isNull(Object[] row) {
            return false;
        }

        @Override
        long l(Object[] row) {
            return l;
        }

        @Override
        double d(Object[] row) {
            return d;
        }
    }

    enum ArithOp { ADD, SUB, MUL, DIV, MOD }

    /**
     * {@code left OP right} in the result kind: Esper's MathArithTypeEnum computes INT in int,
     * LONG in long and DOUBLE in double, after converting each operand with
     * {@code intValue/longValue/doubleValue}; {@code /} is always a double division (the
     * configuration keeps Esper's default, not integer division, and x/0 is an infinity or NaN).
     */
    static final class Arith extends Num {
        final ArithOp op;
        final Num left;
        final Num right;

        Arith(ArithOp op, Kind kind, Num left, Num right) {
            super(kind);
            this.op = op;
            this.left = left;
            this.right = right;
        }

        @Override
        boolean isNull(Object[] row) {
            return left.isNull(row) || right.isNull(row);
        }

        @Override
        long l(Object[] row) {
            long a = left.l(row);
            long b = right.l(row);
            if (kind == Kind.INT) {
                int x = (int) a;
                int y = (int) b;
                return switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case MOD -> x % y;
                    case DIV -> throw new AssertionError("division is double");
                };
            }
            return switch (op) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case MOD -> a % b;
                case DIV -> throw new AssertionError("division is double");
            };
        }

        @Override
        double d(Object[] row) {
            if (kind != Kind.DOUBLE) {
                return l(row);
            }
            double a = left.d(row);
            double b = right.d(row);
            return switch (op) {
                case ADD -> a + b;
                case SUB -> a - b;
                case MUL -> a * b;
                case DIV -> a / b;
                case MOD -> a % b;
            };
        }
    }

    /** EPL's unary minus on a property or call, which Esper compiles to {@code -1 * x}. */
    static final class Negate extends Num {
        final Num operand;

        Negate(Num operand) {
            super(operand.kind);
            this.operand = operand;
        }

        @Override
        boolean isNull(Object[] row) {
            return operand.isNull(row);
        }

        @Override
        long l(Object[] row) {
            return kind == Kind.INT ? (long) (-1 * (int) operand.l(row)) : -1L * operand.l(row);
        }

        @Override
        double d(Object[] row) {
            return kind == Kind.DOUBLE ? -1.0 * operand.d(row) : l(row);
        }
    }

    /** {@code vigil_abs}: {@link EplFunctions#abs} without boxing its argument. */
    static final class Abs extends Num {
        final Num arg;

        Abs(Num arg) {
            super(Kind.DOUBLE);
            this.arg = arg;
        }

        @Override
        boolean isNull(Object[] row) {
            return arg.isNull(row);
        }

        @Override
        long l(Object[] row) {
            throw new AssertionError("double");
        }

        @Override
        double d(Object[] row) {
            return Math.abs(arg.d(row));
        }
    }

    /** {@code vigil_round(x, digits)} with constant digits, by {@link EplFunctions#round} itself. */
    static final class Round extends Num {
        final Num arg;
        final Integer digits;

        Round(Num arg, int digits) {
            super(Kind.DOUBLE);
            this.arg = arg;
            this.digits = digits;
        }

        @Override
        boolean isNull(Object[] row) {
            return arg.isNull(row);
        }

        @Override
        long l(Object[] row) {
            throw new AssertionError("double");
        }

        @Override
        double d(Object[] row) {
            return EplFunctions.round(arg.d(row), digits);
        }
    }

    /** {@code vigil_length(s)}. */
    static final class Length extends Num {
        final Str arg;

        Length(Str arg) {
            super(Kind.INT);
            this.arg = arg;
        }

        @Override
        boolean isNull(Object[] row) {
            return arg.s(row) == null;
        }

        @Override
        long l(Object[] row) {
            return arg.s(row).length();
        }

        @Override
        double d(Object[] row) {
            return l(row);
        }
    }

    // ---------------------------------------------------------------- strings

    abstract static class Str extends Node {
        /** The value, or null. */
        abstract String s(Object[] row);

        @Override
        final Kind kind() {
            return Kind.STRING;
        }

        @Override
        final boolean isNull(Object[] row) {
            return s(row) == null;
        }

        @Override
        final Object value(Object[] row) {
            return s(row);
        }
    }

    static final class StrColumn extends Str {
        final int index;

        StrColumn(int index) {
            this.index = index;
        }

        @Override
        String s(Object[] row) {
            return (String) row[index];
        }
    }

    static final class StrConst extends Str {
        final String value;

        StrConst(String value) {
            this.value = value;
        }

        @Override
        String s(Object[] row) {
            return value;
        }
    }

    static final class Case extends Str {
        final Str arg;
        final boolean upper;

        Case(Str arg, boolean upper) {
            this.arg = arg;
            this.upper = upper;
        }

        @Override
        String s(Object[] row) {
            String v = arg.s(row);
            return upper ? EplFunctions.upper(v) : EplFunctions.lower(v);
        }
    }

    // ---------------------------------------------------------------- booleans

    abstract static class Bool extends Node {
        /** {@link #TRUE}, {@link #FALSE} or {@link #NULL}. */
        abstract int b(Object[] row);

        @Override
        final Kind kind() {
            return Kind.BOOLEAN;
        }

        @Override
        final boolean isNull(Object[] row) {
            return b(row) == NULL;
        }

        @Override
        final Object value(Object[] row) {
            int b = b(row);
            return b == NULL ? null : b == TRUE ? Boolean.TRUE : Boolean.FALSE;
        }
    }

    static int of(boolean b) {
        return b ? TRUE : FALSE;
    }

    static final class BoolColumn extends Bool {
        final int index;

        BoolColumn(int index) {
            this.index = index;
        }

        @Override
        int b(Object[] row) {
            Object v = row[index];
            return v == null ? NULL : of((Boolean) v);
        }
    }

    static final class BoolConst extends Bool {
        final int value;

        BoolConst(boolean value) {
            this.value = of(value);
        }

        @Override
        int b(Object[] row) {
            return value;
        }
    }

    /** SQL's three-valued {@code and} / {@code or} (Esper's ExprAndNode, ExprOrNode). */
    static final class Logic extends Bool {
        final boolean and;
        final Bool left;
        final Bool right;

        Logic(boolean and, Bool left, Bool right) {
            this.and = and;
            this.left = left;
            this.right = right;
        }

        @Override
        int b(Object[] row) {
            int a = left.b(row);
            int decisive = and ? FALSE : TRUE;
            if (a == decisive) {
                return decisive;
            }
            int c = right.b(row);
            if (c == decisive) {
                return decisive;
            }
            return a == NULL || c == NULL ? NULL : 1 - decisive;
        }
    }

    static final class Not extends Bool {
        final Bool operand;

        Not(Bool operand) {
            this.operand = operand;
        }

        @Override
        int b(Object[] row) {
            int a = operand.b(row);
            return a == NULL ? NULL : 1 - a;
        }
    }

    enum CmpOp { EQ, NE, LT, LE, GT, GE }

    /**
     * A comparison of numbers, in long when both sides are integral, else in double (Esper's
     * compare-to coercion). Equality in double is {@link Double#equals} (Esper compares boxed
     * values): NaN equals NaN, 0.0 does not equal -0.0; the order operators are Java's.
     */
    static final class NumCompare extends Bool {
        final CmpOp op;
        final boolean inLong;
        final Num left;
        final Num right;

        NumCompare(CmpOp op, boolean inLong, Num left, Num right) {
            this.op = op;
            this.inLong = inLong;
            this.left = left;
            this.right = right;
        }

        @Override
        int b(Object[] row) {
            if (left.isNull(row) || right.isNull(row)) {
                return NULL;
            }
            if (inLong) {
                long a = left.l(row);
                long c = right.l(row);
                return of(switch (op) {
                    case EQ -> a == c;
                    case NE -> a != c;
                    case LT -> a < c;
                    case LE -> a <= c;
                    case GT -> a > c;
                    case GE -> a >= c;
                });
            }
            double a = left.d(row);
            double c = right.d(row);
            return of(switch (op) {
                case EQ -> sameDouble(a, c);
                case NE -> !sameDouble(a, c);
                case LT -> a < c;
                case LE -> a <= c;
                case GT -> a > c;
                case GE -> a >= c;
            });
        }
    }

    /** {@link Double#equals} on primitives. */
    static boolean sameDouble(double a, double b) {
        return Double.doubleToLongBits(a) == Double.doubleToLongBits(b);
    }

    static final class StrCompare extends Bool {
        final CmpOp op;
        final Str left;
        final Str right;

        StrCompare(CmpOp op, Str left, Str right) {
            this.op = op;
            this.left = left;
            this.right = right;
        }

        @Override
        int b(Object[] row) {
            String a = left.s(row);
            if (a == null) {
                return NULL;
            }
            String c = right.s(row);
            if (c == null) {
                return NULL;
            }
            return of(switch (op) {
                case EQ -> a.equals(c);
                case NE -> !a.equals(c);
                case LT -> a.compareTo(c) < 0;
                case LE -> a.compareTo(c) <= 0;
                case GT -> a.compareTo(c) > 0;
                case GE -> a.compareTo(c) >= 0;
            });
        }
    }

    /** {@code =} / {@code !=} of booleans. */
    static final class BoolEquals extends Bool {
        final boolean negated;
        final Bool left;
        final Bool right;

        BoolEquals(boolean negated, Bool left, Bool right) {
            this.negated = negated;
            this.left = left;
            this.right = right;
        }

        @Override
        int b(Object[] row) {
            int a = left.b(row);
            if (a == NULL) {
                return NULL;
            }
            int c = right.b(row);
            if (c == NULL) {
                return NULL;
            }
            return of((a == c) != negated);
        }
    }

    /**
     * {@code value [not] in (items)} (Esper's ExprInNode): null when the value is null; true (for
     * {@code in}) at the first item equal to it; else null when an item was null; else false.
     * Items of a null literal are null items. Numbers are compared in the common type of the value
     * and all items: long for integral ones, {@link Double#equals} when one is a double.
     */
    static final class In extends Bool {
        final Node value;
        final Node[] items;
        final boolean negated;
        /** For numbers: compare in long (all integral) or double. */
        final boolean inLong;

        In(Node value, Node[] items, boolean negated, boolean inLong) {
            this.value = value;
            this.items = items;
            this.negated = negated;
            this.inLong = inLong;
        }

        @Override
        int b(Object[] row) {
            if (value.isNull(row)) {
                return NULL;
            }
            boolean sawNull = false;
            for (Node item : items) {
                if (item == null || item.isNull(row)) {
                    sawNull = true;
                } else if (same(item, row)) {
                    return negated ? FALSE : TRUE;
                }
            }
            return sawNull ? NULL : negated ? TRUE : FALSE;
        }

        private boolean same(Node item, Object[] row) {
            return switch (value.kind()) {
                case INT, LONG, DOUBLE -> inLong
                        ? ((Num) value).l(row) == ((Num) item).l(row)
                        : sameDouble(((Num) value).d(row), ((Num) item).d(row));
                case STRING -> ((Str) value).s(row).equals(((Str) item).s(row));
                case BOOLEAN -> ((Bool) value).b(row) == ((Bool) item).b(row);
            };
        }
    }

    /**
     * {@code value between low and high} (Esper's ExprBetweenNode): never null. False when any of
     * the three is null; the bounds are swapped when low is above high; both ends are included.
     * Compared in long when the common type is Long, in double when it is Integer or Double
     * (Esper's choice; both are exact for ints), strings by {@link String#compareTo}.
     */
    static final class NumBetween extends Bool {
        final Num value;
        final Num low;
        final Num high;
        final boolean inLong;

        NumBetween(Num value, Num low, Num high, boolean inLong) {
            this.value = value;
            this.low = low;
            this.high = high;
            this.inLong = inLong;
        }

        @Override
        int b(Object[] row) {
            if (value.isNull(row) || low.isNull(row) || high.isNull(row)) {
                return FALSE;
            }
            if (inLong) {
                long v = value.l(row);
                long lo = low.l(row);
                long hi = high.l(row);
                if (lo > hi) {
                    long t = hi;
                    hi = lo;
                    lo = t;
                }
                if (v > lo) {
                    return of(v < hi || v == hi);
                }
                return of(v == lo);
            }
            double v = value.d(row);
            double lo = low.d(row);
            double hi = high.d(row);
            if (lo > hi) {
                double t = hi;
                hi = lo;
                lo = t;
            }
            if (v > lo) {
                return of(v < hi || v == hi);
            }
            return of(v == lo);
        }
    }

    static final class StrBetween extends Bool {
        final Str value;
        final Str low;
        final Str high;

        StrBetween(Str value, Str low, Str high) {
            this.value = value;
            this.low = low;
            this.high = high;
        }

        @Override
        int b(Object[] row) {
            String v = value.s(row);
            if (v == null) {
                return FALSE;
            }
            String lo = low.s(row);
            String hi = high.s(row);
            if (lo == null || hi == null) {
                return FALSE;
            }
            if (hi.compareTo(lo) < 0) {
                String t = hi;
                hi = lo;
                lo = t;
            }
            return of(v.compareTo(lo) >= 0 && v.compareTo(hi) <= 0);
        }
    }

    /** {@code value regexp "R"}: the whole value matches; a number is matched as its toString. */
    static final class Matches extends Bool {
        final Node value;
        final Pattern pattern;

        Matches(Node value, Pattern pattern) {
            this.value = value;
            this.pattern = pattern;
        }

        @Override
        int b(Object[] row) {
            Object v = value.value(row);
            return v == null ? NULL : of(pattern.matcher(v.toString()).matches());
        }
    }

    /** {@code x is [not] null}: never null. */
    static final class IsNull extends Bool {
        final Node operand;
        final boolean negated;

        IsNull(Node operand, boolean negated) {
            this.operand = operand;
            this.negated = negated;
        }

        @Override
        int b(Object[] row) {
            return of(operand.isNull(row) != negated);
        }
    }
}
