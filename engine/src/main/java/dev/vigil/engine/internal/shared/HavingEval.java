package dev.vigil.engine.internal.shared;

import dev.vigil.engine.internal.shared.EvalNodes.ArithOp;
import dev.vigil.engine.internal.shared.EvalNodes.Bool;
import dev.vigil.engine.internal.shared.EvalNodes.CmpOp;
import dev.vigil.engine.internal.shared.EvalNodes.Kind;
import dev.vigil.engine.internal.shared.EvalNodes.Node;
import dev.vigil.engine.internal.shared.EvalNodes.Num;
import dev.vigil.engine.internal.shared.EvalNodes.NumConst;
import dev.vigil.engine.internal.shared.EvalNodes.Str;
import dev.vigil.rules.ast.Expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static java.util.Objects.requireNonNull;

/**
 * An aggregate rule's {@code having} expression evaluated in Java over a row of aggregate
 * columns, with exactly the value Esper computes for the EPL that {@code EplExpr} writes for it.
 * Used when many rules share one statement that computes only their aggregates.
 *
 * <p>{@link #compile} decides every type statically, as Esper's compiler does, and refuses
 * (returns empty) whatever it cannot evaluate exactly; such a rule keeps a statement of its own.
 * What Esper does and this class therefore does:
 * <ul>
 * <li>Literals: an integral number in int range is an {@code int}, except {@code -2147483648},
 *     which EPL reads as {@code -(2147483648)}: a {@code long}; a larger integral one is a
 *     {@code long}; any other number a {@code double} (the value the rules parser computed).
 *     {@code -9223372036854775808} does not compile in EPL and is refused.
 * <li>{@code + - *}: int when both sides are int (wrapping on overflow, as Java's int), else long
 *     when both are integral (wrapping), else double. {@code /} is always a double division
 *     (Esper's default; {@code x / 0} is an infinity or NaN, never null). {@code %} of integral
 *     operands throws in Esper when the divisor is 0, so it is accepted only with a non-zero
 *     literal divisor; {@code %} in double is Java's. Unary minus is {@code -1 * x}, same type.
 * <li>Comparisons: numbers in long when both sides are integral, else in double (a long beyond
 *     2^53 is rounded to double first, as in Esper); {@code = !=} in double are
 *     {@link Double#equals} (NaN equals NaN, 0.0 does not equal -0.0), {@code < <= > >=} Java's
 *     (false with NaN). Strings by {@code equals}/{@code compareTo}; booleans only {@code = !=}.
 * <li>Null: arithmetic, functions and comparisons with a null operand are null; {@code and}/
 *     {@code or}/{@code not} are SQL's three-valued logic; {@code in} is null when the value is
 *     null, or when no item matched and an item was null; {@code between} is never null (false
 *     when any of its three values is null); {@code is [not] null} is never null.
 * <li>{@code between} swaps reversed bounds; {@code regexp} matches the whole string; the
 *     functions are {@code EplFunctions}' ({@code abs}, {@code round} return double, {@code length}
 *     int); {@code round} is accepted only with a literal number of digits in [-300, 300].
 * </ul>
 * Refused besides: column types other than Integer, Long, Double, String and Boolean (no
 * BigDecimal can then arise), tagged or indexed fields, {@code null} other than in
 * {@code is null} and as an item of {@code in}, a unary minus on anything but a field, a call or
 * a non-negative literal (EPL's grammar has no other; on an aggregate Esper looks for a
 * single-row function), {@code =}/{@code !=} of two double literals (Esper's generated code for
 * it does not compile), strings holding a tab, line feed or carriage return (see
 * {@code eplString}), unknown functions, and every mix of types Esper's compiler would reject.
 *
 * <p>These are Esper 9.0.0's semantics, read from its source and checked against it by
 * HavingEvalEsperTest. Instances are immutable and may be used from any thread.
 */
public final class HavingEval {
    /** The columns of the row {@link #eval} reads: where each aggregate and {@code by} field is. */
    public interface Columns {
        /**
         * The column of {@code e}, an {@link Expr.Aggregate} or an {@link Expr.FieldRef} of a
         * {@code by} field; empty when the row has none.
         */
        Optional<Column> column(Expr e);
    }

    /**
     * A column: its index in the row and the Java type of its values as Esper reports it
     * ({@code Long} for {@code count(*)}, {@code Double} for {@code avg}, {@code Integer} for the
     * sum of an int, ...). Values are of that type or null.
     */
    public record Column(int index, Class<?> type) {
        public Column {
            requireNonNull(type, "type is null");
            if (index < 0) {
                throw new IllegalArgumentException("index must not be negative: " + index);
            }
        }
    }

    /**
     * The form {@code COLUMN OP LITERAL} (or {@code LITERAL OP COLUMN}, turned around), for
     * indexing many rules by their threshold. {@code literal} is the literal as Esper holds it
     * (Integer, Long or Double), {@code literalAsDouble} its double value.
     *
     * <p>Esper compares in long when column and literal are both integral (then
     * {@code value.longValue() OP literal.longValue()} is exact), else in double. When
     * {@code exactInDouble} is true, for every non-null column value {@code v}
     * {@code eval(row)} equals {@code v.doubleValue() OP literalAsDouble} with Java's double
     * operators; a null value gives null. It is true except:
     * <ul>
     * <li>a Long column with an integral literal of magnitude at least 2^53: two longs that
     *     differ may be equal as doubles (values below 2^53 in magnitude are exact, and a
     *     larger value never rounds onto a smaller literal);
     * <li>{@code =} / {@code !=} with a zero literal on a Double column, or with the literal
     *     {@code -0.0}: Esper's equality is {@link Double#equals}, which tells 0.0 from -0.0.
     * </ul>
     */
    public record Threshold(int column, Expr.BinaryOp op, Number literal, double literalAsDouble,
                            boolean exactInDouble) {
        public Threshold {
            requireNonNull(op, "op is null");
            requireNonNull(literal, "literal is null");
        }
    }

    private final Node root;
    private final Optional<Threshold> threshold;

    private HavingEval(Node root, Optional<Threshold> threshold) {
        this.root = root;
        this.threshold = threshold;
    }

    /** The evaluator of {@code expr} over rows laid out as {@code columns} says; empty when refused. */
    public static Optional<HavingEval> compile(Expr expr, Columns columns) {
        requireNonNull(expr, "expr is null");
        requireNonNull(columns, "columns is null");
        try {
            Node root = new Compiler(columns).node(expr);
            return Optional.of(new HavingEval(root, threshold(expr, root)));
        } catch (Refused e) {
            return Optional.empty();
        }
    }

    /**
     * The value for {@code row}: Boolean.TRUE, Boolean.FALSE or null for a condition; an Integer,
     * Long, Double or String (or null) for other expressions, as Esper would return it.
     */
    public Object eval(Object[] row) {
        return root.value(row);
    }

    /** Whether the condition holds for {@code row}: {@code Boolean.TRUE.equals(eval(row))}, without boxing. */
    public boolean isTrue(Object[] row) {
        if (root instanceof Bool b) {
            return b.b(row) == EvalNodes.TRUE;
        }
        return Boolean.TRUE.equals(root.value(row));
    }

    /** The Java type of {@link #eval}'s values (Boolean for a condition). */
    public Class<?> type() {
        return root.kind().javaType;
    }

    /** The threshold form, when the expression is a numeric column compared with a literal. */
    public Optional<Threshold> threshold() {
        return threshold;
    }

    // ---------------------------------------------------------------- threshold

    private static Optional<Threshold> threshold(Expr expr, Node root) {
        if (!(root instanceof EvalNodes.NumCompare cmp) || !(expr instanceof Expr.Binary b)) {
            return Optional.empty();
        }
        Expr.BinaryOp op = b.op();
        EvalNodes.NumColumn column;
        NumConst literal;
        if (cmp.left instanceof EvalNodes.NumColumn c && cmp.right instanceof NumConst k) {
            column = c;
            literal = k;
        } else if (cmp.right instanceof EvalNodes.NumColumn c && cmp.left instanceof NumConst k) {
            column = c;
            literal = k;
            op = switch (op) {
                case LT -> Expr.BinaryOp.GT;
                case LE -> Expr.BinaryOp.GE;
                case GT -> Expr.BinaryOp.LT;
                case GE -> Expr.BinaryOp.LE;
                case EQ, NE, OR, AND, ADD, SUB, MUL, DIV, MOD -> op;
            };
        } else {
            return Optional.empty();
        }
        boolean exact = true;
        if (column.kind == Kind.LONG && literal.kind.integral() && Math.abs((double) literal.l) >= 0x1p53) {
            exact = false;
        }
        boolean equality = op == Expr.BinaryOp.EQ || op == Expr.BinaryOp.NE;
        if (equality && (column.kind == Kind.DOUBLE && literal.d == 0.0
                || literal.kind == Kind.DOUBLE && EvalNodes.sameDouble(literal.d, -0.0))) {
            exact = false;
        }
        return Optional.of(new Threshold(column.index, op, literal.literal, literal.d, exact));
    }

    // ---------------------------------------------------------------- compiler

    /** Thrown inside the compiler for an expression it cannot evaluate exactly. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused() {
            super(null, null, false, false);
        }
    }

    private static final int MAX_ROUND_DIGITS = 300;

    private static final class Compiler {
        private final Columns columns;

        Compiler(Columns columns) {
            this.columns = columns;
        }

        Node node(Expr e) {
            return switch (e) {
                case Expr.NumberLit n -> literal(n, false);
                case Expr.StringLit s -> new EvalNodes.StrConst(eplString(s.value()));
                case Expr.BoolLit b -> new EvalNodes.BoolConst(b.value());
                case Expr.NullLit n -> throw new Refused();
                case Expr.FieldRef f -> {
                    if (f.tag().isPresent() || f.index().isPresent()) {
                        throw new Refused();
                    }
                    yield column(f);
                }
                case Expr.Aggregate a -> column(a);
                case Expr.Binary b -> binary(b);
                case Expr.Not n -> new EvalNodes.Not(bool(n.operand()));
                case Expr.Negate n -> negate(n);
                case Expr.InList in -> in(in);
                case Expr.Between b -> between(b);
                case Expr.Matches m -> matches(m);
                case Expr.IsNull n -> n.value() instanceof Expr.NullLit
                        ? new EvalNodes.BoolConst(!n.negated())
                        : new EvalNodes.IsNull(node(n.value()), n.negated());
                case Expr.Call c -> call(c);
                case Expr.Lookup l -> throw new Refused(); // judged by Esper, which reads the table
                case Expr.InTable in -> throw new Refused();
            };
        }

        private Node column(Expr e) {
            Column c = columns.column(e).orElseThrow(Refused::new);
            Class<?> t = c.type();
            if (t == Integer.class || t == int.class) {
                return new EvalNodes.NumColumn(c.index(), Kind.INT);
            } else if (t == Long.class || t == long.class) {
                return new EvalNodes.NumColumn(c.index(), Kind.LONG);
            } else if (t == Double.class || t == double.class) {
                return new EvalNodes.NumColumn(c.index(), Kind.DOUBLE);
            } else if (t == String.class) {
                return new EvalNodes.StrColumn(c.index());
            } else if (t == Boolean.class || t == boolean.class) {
                return new EvalNodes.BoolColumn(c.index());
            }
            throw new Refused();
        }

        private Num num(Expr e) {
            return node(e) instanceof Num n ? n : refuse();
        }

        private Str str(Expr e) {
            return node(e) instanceof Str s ? s : refuse();
        }

        private Bool bool(Expr e) {
            return node(e) instanceof Bool b ? b : refuse();
        }

        private static <T> T refuse() {
            throw new Refused();
        }

        /**
         * A number literal as Esper reads the text EplExpr writes for it: an integral value in int
         * range as digits, a larger one with an {@code L} suffix, anything else as
         * {@link Double#toString}. EPL parses the sign apart from the digits, and digits that do
         * not fit an int are read as a long, so {@code -2147483648} is a long.
         */
        private static NumConst literal(Expr.NumberLit n, boolean negated) {
            double v = n.value();
            if (n.integral() && v >= Long.MIN_VALUE && v <= Long.MAX_VALUE) {
                long whole = (long) v;
                boolean intText = v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
                if (whole == Long.MIN_VALUE) {
                    throw new Refused(); // its digits do not fit a long
                }
                boolean minus = whole < 0;
                if (minus && negated) {
                    throw new Refused(); // `(--5)` is no EPL
                }
                long digits = Math.abs(whole);
                long signed = minus != negated ? -digits : digits;
                if (intText && digits <= Integer.MAX_VALUE) {
                    return new NumConst(Kind.INT, (int) signed);
                }
                return new NumConst(Kind.LONG, signed);
            }
            if (negated && Double.toString(v).startsWith("-")) {
                throw new Refused();
            }
            return new NumConst(Kind.DOUBLE, negated ? -1.0 * v : v);
        }

        /**
         * A string as Esper reads the literal EsperNames writes for it. EsperNames escapes a tab,
         * line feed and carriage return as {@code \t}, {@code \n}, {@code \r}, but Esper's
         * unescaping knows only a backslash followed by {@code u} and four hex digits; a backslash
         * before any other character quotes it, so Esper reads a plain {@code t}, {@code n},
         * {@code r}. Refused rather than copied, so that mending either side cannot make this
         * class silently wrong.
         */
        private static String eplString(String s) {
            if (s.indexOf('\t') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                throw new Refused();
            }
            return s;
        }

        private Num negate(Expr.Negate n) {
            Expr operand = n.operand();
            if (operand instanceof Expr.NumberLit lit) {
                return literal(lit, true);
            }
            // EPL's unary minus applies to a property or a call only; on an aggregate Esper reads a
            // call of a single-row function of that name: `-sum(x)` and `-count(*)` do not compile,
            // and what `-min(x)` resolves to is not worth guessing.
            if (operand instanceof Expr.FieldRef || operand instanceof Expr.Call) {
                Num x = num(operand);
                return x.constant() ? refuse() : new EvalNodes.Negate(x);
            }
            throw new Refused();
        }

        private Node binary(Expr.Binary b) {
            Expr.BinaryOp op = b.op();
            if (op.isLogical()) {
                return new EvalNodes.Logic(op == Expr.BinaryOp.AND, bool(b.left()), bool(b.right()));
            }
            Node left = node(b.left());
            Node right = node(b.right());
            if (op.isArithmetic()) {
                if (!(left instanceof Num l) || !(right instanceof Num r)) {
                    throw new Refused();
                }
                return arithmetic(op, l, r);
            }
            CmpOp cmp = switch (op) {
                case EQ -> CmpOp.EQ;
                case NE -> CmpOp.NE;
                case LT -> CmpOp.LT;
                case LE -> CmpOp.LE;
                case GT -> CmpOp.GT;
                case GE -> CmpOp.GE;
                case OR, AND, ADD, SUB, MUL, DIV, MOD -> throw new AssertionError(op);
            };
            if (left instanceof Num l && right instanceof Num r) {
                if (l.kind == Kind.DOUBLE && r.kind == Kind.DOUBLE && l.constant() && r.constant()
                        && (cmp == CmpOp.EQ || cmp == CmpOp.NE)) {
                    throw new Refused(); // Esper's code for `=` of two double constants does not compile
                }
                return new EvalNodes.NumCompare(cmp, l.kind.integral() && r.kind.integral(), l, r);
            }
            if (left instanceof Str l && right instanceof Str r) {
                return new EvalNodes.StrCompare(cmp, l, r);
            }
            if (left instanceof Bool l && right instanceof Bool r && (cmp == CmpOp.EQ || cmp == CmpOp.NE)) {
                return new EvalNodes.BoolEquals(cmp == CmpOp.NE, l, r);
            }
            throw new Refused();
        }

        private static Num arithmetic(Expr.BinaryOp op, Num l, Num r) {
            Kind kind = common(l.kind, r.kind);
            ArithOp a = switch (op) {
                case ADD -> ArithOp.ADD;
                case SUB -> ArithOp.SUB;
                case MUL -> ArithOp.MUL;
                case DIV -> ArithOp.DIV;
                case MOD -> ArithOp.MOD;
                case OR, AND, EQ, NE, LT, LE, GT, GE -> throw new AssertionError(op);
            };
            if (a == ArithOp.DIV) {
                kind = Kind.DOUBLE;
            }
            if (a == ArithOp.MOD && kind.integral() && !(r instanceof NumConst k && k.l != 0)) {
                throw new Refused(); // Esper's integral % throws on a zero divisor
            }
            return new EvalNodes.Arith(a, kind, l, r);
        }

        /** Esper's arithmetic coercion of two of the numeric kinds. */
        private static Kind common(Kind a, Kind b) {
            if (a == Kind.DOUBLE || b == Kind.DOUBLE) {
                return Kind.DOUBLE;
            }
            return a == Kind.LONG || b == Kind.LONG ? Kind.LONG : Kind.INT;
        }

        private Bool in(Expr.InList in) {
            Node value = node(in.value());
            Node[] items = new Node[in.items().size()];
            Kind common = value.kind();
            for (int i = 0; i < items.length; i++) {
                Expr item = in.items().get(i);
                if (item instanceof Expr.NullLit) {
                    continue; // a null item
                }
                Node n = node(item);
                if (value.kind().numeric() && n.kind().numeric()) {
                    common = common(common, n.kind());
                } else if (value.kind() != n.kind()) {
                    throw new Refused();
                }
                items[i] = n;
            }
            return new EvalNodes.In(value, items, in.negated(), common.integral());
        }

        private Bool between(Expr.Between b) {
            if (b.value() instanceof Expr.NullLit || b.low() instanceof Expr.NullLit
                    || b.high() instanceof Expr.NullLit) {
                throw new Refused();
            }
            Node value = node(b.value());
            Node low = node(b.low());
            Node high = node(b.high());
            if (value instanceof Num v && low instanceof Num l && high instanceof Num h) {
                Kind kind = common(common(v.kind, l.kind), h.kind);
                return new EvalNodes.NumBetween(v, l, h, kind == Kind.LONG);
            }
            if (value instanceof Str v && low instanceof Str l && high instanceof Str h) {
                return new EvalNodes.StrBetween(v, l, h);
            }
            throw new Refused();
        }

        private Bool matches(Expr.Matches m) {
            Node value = node(m.value());
            if (!(value instanceof Str) && !(value instanceof Num)) {
                throw new Refused();
            }
            try {
                return new EvalNodes.Matches(value, Pattern.compile(eplString(m.regex())));
            } catch (PatternSyntaxException e) {
                throw new Refused();
            }
        }

        private Node call(Expr.Call c) {
            List<Expr> args = c.args();
            List<Node> nodes = new ArrayList<>();
            for (Expr a : args) {
                nodes.add(node(a));
            }
            switch (c.function()) {
                case "abs" -> {
                    if (nodes.size() == 1 && nodes.get(0) instanceof Num x) {
                        return new EvalNodes.Abs(x);
                    }
                }
                case "lower", "upper" -> {
                    if (nodes.size() == 1 && nodes.get(0) instanceof Str s) {
                        return new EvalNodes.Case(s, c.function().equals("upper"));
                    }
                }
                case "length" -> {
                    if (nodes.size() == 1 && nodes.get(0) instanceof Str s) {
                        return new EvalNodes.Length(s);
                    }
                }
                case "round" -> {
                    if (nodes.size() == 2 && nodes.get(0) instanceof Num x && nodes.get(1) instanceof NumConst d) {
                        int digits = d.literal.intValue();
                        if (Math.abs(digits) <= MAX_ROUND_DIGITS) {
                            return new EvalNodes.Round(x, digits);
                        }
                    }
                }
                default -> {
                }
            }
            throw new Refused();
        }
    }
}
