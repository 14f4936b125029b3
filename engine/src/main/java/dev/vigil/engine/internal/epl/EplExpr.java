package dev.vigil.engine.internal.epl;

import dev.vigil.rules.ast.Expr;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Translates expressions of the rules language to EPL. Field references are resolved by the
 * caller, because what {@code amount} or {@code a.amount} means depends on the condition form.
 */
final class EplExpr {
    private final Function<Expr.FieldRef, String> fields;
    private final Params params;
    /** The declared tables, for the type of a lookup's field (set by the translator). */
    Function<String, java.util.Optional<dev.vigil.rules.ast.TableDecl>> tables = t -> java.util.Optional.empty();

    /** Literals as EPL literals. */
    EplExpr(Function<Expr.FieldRef, String> fields) {
        this(fields, null);
    }

    /** Literals as substitution parameters collected in {@code params} (literals when it is null). */
    EplExpr(Function<Expr.FieldRef, String> fields, Params params) {
        this.fields = fields;
        this.params = params;
    }

    /**
     * The literals of one rule's statements as named substitution parameters ({@code ?:p0:int}), so
     * rules that differ only in literals have the same EPL text and compile once (RulePlan).
     */
    static final class Params {
        private final Map<String, Object> values = new LinkedHashMap<>();

        String add(Object value, String type) {
            String name = "p" + values.size();
            values.put(name, value);
            return "?:" + name + ":" + type;
        }

        Map<String, Object> values() {
            return values;
        }
    }

    String of(Expr e) {
        if (params != null) {
            switch (e) {
                case Expr.NumberLit n -> {
                    return numberParam(n, false);
                }
                case Expr.Negate neg when neg.operand() instanceof Expr.NumberLit n -> {
                    return numberParam(n, true);
                }
                case Expr.StringLit s -> {
                    return params.add(s.value(), "string");
                }
                case Expr.BoolLit b -> {
                    return params.add(b.value(), "boolean");
                }
                default -> {
                }
            }
        }
        return switch (e) {
            case Expr.NumberLit n -> number(n);
            case Expr.StringLit s -> EsperNames.string(s.value());
            case Expr.BoolLit b -> Boolean.toString(b.value());
            case Expr.NullLit nullLit -> "null";
            case Expr.FieldRef f -> fields.apply(f);
            case Expr.Binary b -> "(" + of(b.left()) + " " + binary(b.op()) + " " + of(b.right()) + ")";
            case Expr.Not n -> "(not " + of(n.operand()) + ")";
            case Expr.Negate n -> "(-" + of(n.operand()) + ")";
            case Expr.InList in -> "(" + of(in.value()) + (in.negated() ? " not in (" : " in (")
                    + in.items().stream().map(this::of).collect(Collectors.joining(", ")) + "))";
            case Expr.Between b -> "(" + of(b.value()) + " between " + of(b.low()) + " and " + of(b.high()) + ")";
            case Expr.Matches m -> "(" + of(m.value()) + " regexp " + EsperNames.string(m.regex()) + ")";
            case Expr.IsNull n -> "(" + of(n.value()) + (n.negated() ? " is not null)" : " is null)");
            case Expr.Call c -> "vigil_" + c.function() + "("
                    + c.args().stream().map(this::of).collect(Collectors.joining(", ")) + ")";
            case Expr.Aggregate a -> aggregate(a);
            case Expr.Lookup l -> lookup(l);
            case Expr.InTable in -> (in.negated() ? "(not " : "(") + "vigil_in_table(" + EsperNames.string(in.table())
                    + ", {" + of(in.value()) + "}))";
        };
    }

    /** {@code T[k].field}: the typed lookup function of the field's type (Esper types its result by it). */
    private String lookup(Expr.Lookup l) {
        dev.vigil.rules.ast.TableDecl t = tables.apply(l.table())
                .orElseThrow(() -> new IllegalStateException("undeclared table " + l.table()));
        dev.vigil.rules.ast.FieldType type = t.field(l.field())
                .orElseThrow(() -> new IllegalStateException("table " + l.table() + " has no field " + l.field())).type();
        String fn = switch (type) {
            case STRING -> "vigil_table_string";
            case INT -> "vigil_table_int";
            case LONG, TIMESTAMP -> "vigil_table_long";
            case DOUBLE -> "vigil_table_double";
            case BOOLEAN -> "vigil_table_boolean";
        };
        return fn + "(" + EsperNames.string(l.table()) + ", " + EsperNames.string(l.field()) + ", {"
                + l.keys().stream().map(this::of).collect(Collectors.joining(", ")) + "})";
    }

    private String aggregate(Expr.Aggregate a) {
        String arg = a.arg().map(this::of).orElse("*");
        return switch (a.function()) {
            case COUNT -> a.arg().isPresent() ? "count(" + arg + ")" : "count(*)";
            case SUM -> "sum(" + arg + ")";
            case AVG -> "avg(" + arg + ")";
            case MIN -> "min(" + arg + ")";
            case MAX -> "max(" + arg + ")";
            case DISTINCT -> "count(distinct " + arg + ")";
            case FIRST -> "first(" + arg + ")";
            case LAST -> "last(" + arg + ")";
        };
    }

    private static String binary(Expr.BinaryOp op) {
        return switch (op) {
            case OR -> "or";
            case AND -> "and";
            case EQ -> "=";
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            case ADD -> "+";
            case SUB -> "-";
            case MUL -> "*";
            case DIV -> "/";
            case MOD -> "%";
        };
    }

    /**
     * A number literal (negated: {@code -literal}, as one value, so a filter still sees a constant)
     * as a parameter of the type {@link #number} would give the literal.
     */
    private String numberParam(Expr.NumberLit n, boolean negated) {
        if (n.integral()) {
            double v = n.value();
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                int i = (int) (long) v;
                return params.add(negated ? -i : i, "int");
            }
            if (v >= Long.MIN_VALUE && v <= Long.MAX_VALUE) {
                long l = (long) v;
                return params.add(negated ? -l : l, "long");
            }
        }
        double d = n.value();
        return params.add(negated ? -d : d, "double");
    }

    private static String number(Expr.NumberLit n) {
        if (n.integral()) {
            double v = n.value();
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                return Long.toString((long) v);
            }
            if (v >= Long.MIN_VALUE && v <= Long.MAX_VALUE) {
                return (long) v + "L";
            }
        }
        return Double.toString(n.value());
    }
}
