package dev.vigil.engine.internal.shared;

import dev.vigil.rules.ast.Expr;
import dev.vigil.rules.ast.Position;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Supplier;

/**
 * A seeded generator of random expression trees, mostly well typed (so Esper compiles them),
 * sometimes not (so HavingEval's refusals are exercised). Leaves come from the caller.
 */
final class ExprGen {
    static final Position P = Position.NONE;

    /** Number literals as the rules parser builds them (a leading minus is part of the literal). */
    static final List<String> NUMBERS = List.of("0", "1", "-1", "2", "3", "5", "7", "100", "-3", "2147483647",
            "-2147483647", "-2147483648", "2147483648", "3000000000", "9007199254740993", "-9007199254740993",
            "9223372036854775807", "0.0", "-0.0", "1.5", "-2.5", "0.1", "1e10", "1E-5", "100.0",
            "9007199254740993.0", "1e300", "3.0");
    static final List<String> STRINGS = List.of("", "a", "abc", "ABC", "a\"b", "back\\slash", "Zürich", "10",
            "1.5", "a.c", "\t", "b");
    static final List<String> REGEXES = List.of("a.*", ".*c", "[a-z]+", "\\d+", "", "a|abc", ".", "A.C",
            "(?i)abc", "1.*", "-?\\d+(\\.\\d+)?");
    private static final Expr.BinaryOp[] COMPARISONS = {Expr.BinaryOp.EQ, Expr.BinaryOp.NE, Expr.BinaryOp.LT,
            Expr.BinaryOp.LE, Expr.BinaryOp.GT, Expr.BinaryOp.GE};
    private static final Expr.BinaryOp[] ARITHMETIC = {Expr.BinaryOp.ADD, Expr.BinaryOp.SUB, Expr.BinaryOp.MUL,
            Expr.BinaryOp.DIV, Expr.BinaryOp.MOD};

    private final Random rnd;
    private final Supplier<Expr> numLeaf;
    private final Supplier<Expr> strLeaf;
    private final Supplier<Expr> boolLeaf;

    /** {@code boolLeaf} may be null: then conditions are built from comparisons only. */
    ExprGen(Random rnd, Supplier<Expr> numLeaf, Supplier<Expr> strLeaf, Supplier<Expr> boolLeaf) {
        this.rnd = rnd;
        this.numLeaf = numLeaf;
        this.strLeaf = strLeaf;
        this.boolLeaf = boolLeaf;
    }

    static Expr.NumberLit number(String text) {
        boolean integral = text.chars().noneMatch(ch -> ch == '.' || ch == 'e' || ch == 'E');
        return new Expr.NumberLit(text, Double.parseDouble(text), integral, P);
    }

    static Expr.FieldRef field(String name) {
        return Expr.FieldRef.of(name, P);
    }

    static Expr.Aggregate aggregate(Expr.AggregateFunction f, String field) {
        return new Expr.Aggregate(f, Optional.ofNullable(field).map(ExprGen::field), P);
    }

    static Expr.Binary binary(Expr.BinaryOp op, Expr l, Expr r) {
        return new Expr.Binary(op, l, r, P);
    }

    Expr bool(int depth) {
        if (rnd.nextInt(25) == 0) {
            return any(depth); // ill typed now and then
        }
        if (depth <= 0) {
            return switch (rnd.nextInt(4)) {
                case 0 -> boolLeaf != null ? boolLeaf.get() : new Expr.BoolLit(rnd.nextBoolean(), P);
                case 1 -> new Expr.BoolLit(rnd.nextBoolean(), P);
                default -> binary(pick(COMPARISONS), numLeafOrLiteral(), numLeafOrLiteral());
            };
        }
        int d = depth - 1;
        return switch (rnd.nextInt(16)) {
            case 0, 1, 2 -> binary(pick(COMPARISONS), num(d), num(d));
            case 3 -> binary(pick(COMPARISONS), str(d), str(d));
            case 4 -> binary(rnd.nextBoolean() ? Expr.BinaryOp.EQ : Expr.BinaryOp.NE, bool(d), bool(d));
            case 5, 6 -> binary(Expr.BinaryOp.AND, bool(d), bool(d));
            case 7, 8 -> binary(Expr.BinaryOp.OR, bool(d), bool(d));
            case 9 -> new Expr.Not(bool(d), P);
            case 10 -> new Expr.InList(num(d), items(d, true), rnd.nextBoolean(), P);
            case 11 -> new Expr.InList(str(d), items(d, false), rnd.nextBoolean(), P);
            case 12 -> rnd.nextInt(3) == 0
                    ? new Expr.Between(str(d), str(d), str(d), P)
                    : new Expr.Between(num(d), num(d), num(d), P);
            case 13 -> new Expr.Matches(rnd.nextInt(4) == 0 ? num(d) : str(d), pick(REGEXES), P);
            case 14 -> new Expr.IsNull(rnd.nextInt(8) == 0 ? new Expr.NullLit(P) : any(d), rnd.nextBoolean(), P);
            default -> boolLeaf != null ? boolLeaf.get() : binary(pick(COMPARISONS), num(d), num(d));
        };
    }

    Expr num(int depth) {
        if (depth <= 0 || rnd.nextInt(4) == 0) {
            return numLeafOrLiteral();
        }
        int d = depth - 1;
        return switch (rnd.nextInt(10)) {
            case 0, 1, 2, 3 -> binary(pick(ARITHMETIC), num(d), num(d));
            case 4 -> binary(Expr.BinaryOp.MOD, num(d), number(pick(NUMBERS)));
            case 5 -> new Expr.Negate(rnd.nextInt(5) == 0 ? num(d) : rnd.nextBoolean() ? numLeaf.get()
                    : number(pick(NUMBERS)), P);
            case 6 -> new Expr.Call("abs", List.of(num(d)), P);
            case 7 -> new Expr.Call("round", List.of(num(d), number(pick(List.of("0", "1", "2", "-1", "1.5")))), P);
            case 8 -> new Expr.Call("length", List.of(str(d)), P);
            default -> numLeafOrLiteral();
        };
    }

    Expr str(int depth) {
        if (depth <= 0 || rnd.nextInt(3) == 0) {
            return rnd.nextInt(3) == 0 ? new Expr.StringLit(pick(STRINGS), P) : strLeaf.get();
        }
        return new Expr.Call(rnd.nextBoolean() ? "lower" : "upper", List.of(str(depth - 1)), P);
    }

    private Expr any(int depth) {
        return switch (rnd.nextInt(4)) {
            case 0 -> num(depth);
            case 1 -> str(depth);
            case 2 -> bool(depth);
            default -> new Expr.NullLit(P);
        };
    }

    private List<Expr> items(int depth, boolean numbers) {
        int n = 1 + rnd.nextInt(4);
        List<Expr> items = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (rnd.nextInt(6) == 0) {
                items.add(new Expr.NullLit(P));
            } else {
                items.add(numbers ? num(depth) : str(depth));
            }
        }
        return items;
    }

    private Expr numLeafOrLiteral() {
        return rnd.nextInt(3) == 0 ? number(pick(NUMBERS)) : numLeaf.get();
    }

    <T> T pick(List<T> list) {
        return list.get(rnd.nextInt(list.size()));
    }

    private <T> T pick(T[] array) {
        return array[rnd.nextInt(array.length)];
    }
}
