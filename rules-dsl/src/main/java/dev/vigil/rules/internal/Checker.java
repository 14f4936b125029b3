package dev.vigil.rules.internal;

import dev.vigil.rules.ErrorCode;
import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.EventRef;
import dev.vigil.rules.ast.Expr;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.FieldType;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.KeyExpr;
import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.PatternTerm;
import dev.vigil.rules.ast.Position;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.TableDecl;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The semantic checks of one rule against the declared events: names (event types, fields, tags),
 * types, where aggregates may appear, null comparisons, and pattern structure.
 *
 * <p>An event type whose declaration is missing (reported once where it is used) or had errors
 * (reported there) is checked leniently: any field of it is accepted, with an unknown type, so one
 * mistake is not reported again at every use.
 */
final class Checker {
    /**
     * The most steps one pattern may have (an event, a repetition of {@code times}, an
     * {@code absent}), like {@code times} at most 100: Esper compiles each step into its own
     * generated code, 200 steps took 5 s to deploy, and at 1500 its code generation fails.
     */
    static final long MAX_PATTERN_STEPS = 100;

    /**
     * Expressions nested deeper than this make the rule "too large": the checks, the translation
     * and the AST's own equals/toString all recurse over the tree, and a real rule is nowhere near
     * this (a generated chain of a few hundred {@code or} terms still fits).
     */
    static final int MAX_EXPRESSION_DEPTH = 1_000;

    private final Map<String, EventDecl> events;
    private final Set<String> brokenEvents;
    private final Map<String, Set<String>> untypedFields;
    private final Map<String, TableDecl> tables;
    private final Set<String> brokenTables;

    Checker(Map<String, EventDecl> events, Set<String> brokenEvents, Map<String, Set<String>> untypedFields) {
        this(events, brokenEvents, untypedFields, Map.of(), Set.of());
    }

    Checker(Map<String, EventDecl> events, Set<String> brokenEvents, Map<String, Set<String>> untypedFields,
            Map<String, TableDecl> tables, Set<String> brokenTables) {
        this.events = events;
        this.brokenEvents = brokenEvents;
        this.untypedFields = untypedFields;
        this.tables = tables;
        this.brokenTables = brokenTables;
    }

    void check(Rule rule, Diagnostics diagnostics) {
        new RuleCheck(rule, diagnostics).run();
    }

    /** The type of an expression as far as the checks care. */
    enum Type {
        STRING("string"), NUMBER("number"), BOOLEAN("boolean"), NULL("null"),
        /** Not known (an earlier error, or an unchecked event): never reported. */
        UNKNOWN("unknown");

        final String word;

        Type(String word) {
            this.word = word;
        }

        static Type of(FieldType type) {
            switch (type) {
                case STRING:
                    return STRING;
                case BOOLEAN:
                    return BOOLEAN;
                case INT:
                case LONG:
                case DOUBLE:
                case TIMESTAMP:
                    return NUMBER;
            }
            throw new AssertionError(type);
        }
    }

    /** An event type as the checks see it: lenient when {@code decl} is missing. */
    private final class EventInfo {
        final String name;
        final EventDecl decl;

        EventInfo(String name, EventDecl decl) {
            this.name = name;
            this.decl = decl;
        }

        /** The field's type; UNKNOWN when lenient; empty when there is no such field. */
        Optional<Type> field(String field) {
            if (decl == null || untypedFields.getOrDefault(name, Set.of()).contains(field)) {
                return Optional.of(Type.UNKNOWN);
            }
            return decl.field(field).map(f -> Type.of(f.type()));
        }

        List<String> fieldNames() {
            return decl == null ? List.of() : decl.fields().stream().map(FieldDecl::name).toList();
        }
    }

    private record Tag(String name, EventInfo event, long times, Position pos) {
    }

    /** How names without a tag are resolved. */
    private enum Unqualified {
        /** Fields of the scope's own event (a filter, a filter rule's key and message). */
        OWN,
        /** The {@code by} fields; others need an aggregate. */
        BY_AGGREGATE,
        /** The {@code by} fields only. */
        BY_ABSENCE,
        /** The {@code by} fields; others need a tag. */
        BY_PATTERN,
    }

    /** Where an expression is, and so which names it may use. */
    private static final class Scope {
        Unqualified unqualified = Unqualified.OWN;
        EventInfo own;
        Map<String, Tag> tags = Map.of();
        Set<String> laterTags = Set.of();
        Map<String, Type> by = Map.of();
        /** Aggregates are allowed (over this event) when set; else {@link #noAggregates} says why not. */
        EventInfo aggregates;
        String noAggregates = "aggregates can only be used in an aggregate rule (`over WINDOW having ...`)";
        ErrorCode nameCode = ErrorCode.UNKNOWN_FIELD;
        ErrorCode tagCode = ErrorCode.UNKNOWN_TAG;

        Scope copy() {
            Scope s = new Scope();
            s.unqualified = unqualified;
            s.own = own;
            s.tags = tags;
            s.laterTags = laterTags;
            s.by = by;
            s.aggregates = aggregates;
            s.noAggregates = noAggregates;
            s.nameCode = nameCode;
            s.tagCode = tagCode;
            return s;
        }

        /** The same scope for a message template: name errors are template errors. */
        Scope forMessage() {
            Scope s = copy();
            s.nameCode = ErrorCode.UNKNOWN_TEMPLATE_NAME;
            s.tagCode = ErrorCode.UNKNOWN_TEMPLATE_NAME;
            return s;
        }
    }

    private final class RuleCheck {
        private final Rule rule;
        private final Diagnostics diagnostics;
        private final Set<String> reportedTypes = new HashSet<>();

        RuleCheck(Rule rule, Diagnostics diagnostics) {
            this.rule = rule;
            this.diagnostics = diagnostics;
        }

        private void error(ErrorCode code, Position pos, String message) {
            diagnostics.add(code, pos, message);
        }

        void run() {
            for (Expr e : allExpressions()) {
                if (deeperThan(e, MAX_EXPRESSION_DEPTH)) {
                    error(ErrorCode.TOO_LARGE, e.pos(), "rule is too large: an expression nests more than "
                            + MAX_EXPRESSION_DEPTH + " levels deep");
                    return;
                }
            }
            Condition when = rule.when();
            if (when instanceof Condition.Filter f) {
                checkFilterRule(f);
            } else if (when instanceof Condition.Pattern p) {
                checkPattern(p);
            } else if (when instanceof Condition.Aggregate a) {
                checkAggregate(a);
            } else if (when instanceof Condition.Absence a) {
                checkAbsence(a);
            }
            // Condition.Epl: the statement is Esper's; its columns cannot be known here.
        }

        private List<Expr> allExpressions() {
            List<Expr> all = new ArrayList<>();
            Condition when = rule.when();
            if (when instanceof Condition.Filter f) {
                f.event().filter().ifPresent(all::add);
            } else if (when instanceof Condition.Pattern p) {
                for (PatternTerm t : p.terms()) {
                    for (EventRef ref : eventRefs(t)) {
                        ref.filter().ifPresent(all::add);
                    }
                }
            } else if (when instanceof Condition.Aggregate a) {
                a.event().filter().ifPresent(all::add);
                all.add(a.having());
            } else if (when instanceof Condition.Absence a) {
                a.event().filter().ifPresent(all::add);
            }
            rule.key().forEach(k -> all.add(k.expr()));
            rule.message().ifPresent(m -> m.parts().forEach(part -> {
                if (part instanceof MessageTemplate.Placeholder p) {
                    all.add(p.expr());
                }
            }));
            return all;
        }

        // ----------------------------------------------------------------------------------------
        // The condition forms

        private void checkFilterRule(Condition.Filter f) {
            EventInfo event = resolve(f.event().type());
            Scope scope = new Scope();
            scope.own = event;
            scope.noAggregates = "aggregates can only be used in an aggregate rule (`over WINDOW having ...`)";
            checkEventFilter(f.event(), scope);
            checkKeyAndMessage(scope);
        }

        private void checkAggregate(Condition.Aggregate a) {
            EventInfo event = resolve(a.event().type());
            Scope filter = new Scope();
            filter.own = event;
            filter.noAggregates = "aggregates cannot be used in a filter; use them in `having`";
            checkEventFilter(a.event(), filter);
            Map<String, Type> by = checkBy(a.by(), List.of(event));

            Scope having = new Scope();
            having.unqualified = Unqualified.BY_AGGREGATE;
            having.own = event;
            having.by = by;
            having.aggregates = event;
            expectBoolean(a.having(), check(a.having(), having), "`having`");

            Scope key = having.copy();
            key.aggregates = null;
            key.noAggregates = "aggregates cannot be used in `key`: an alert's key must not change while it is open";
            for (KeyExpr k : rule.key()) {
                check(k.expr(), key);
            }
            rule.message().ifPresent(m -> checkMessage(m, having.forMessage()));
        }

        private void checkAbsence(Condition.Absence a) {
            EventInfo event = resolve(a.event().type());
            Scope filter = new Scope();
            filter.own = event;
            filter.noAggregates = "aggregates can only be used in an aggregate rule (`over WINDOW having ...`)";
            checkEventFilter(a.event(), filter);
            Scope scope = new Scope();
            scope.unqualified = Unqualified.BY_ABSENCE;
            scope.own = event;
            scope.by = checkBy(a.by(), List.of(event));
            checkKeyAndMessage(scope);
        }

        private void checkPattern(Condition.Pattern p) {
            List<PatternTerm> terms = p.terms();
            if (!terms.isEmpty() && terms.get(0) instanceof PatternTerm.AbsentTerm first) {
                error(ErrorCode.ABSENT_FIRST, first.pos(), "a pattern cannot start with `absent`: "
                        + "it needs an earlier event to wait after (for a key that goes silent, write "
                        + "`absent TYPE by FIELD for DURATION` alone)");
            }
            long steps = 0;
            for (PatternTerm term : terms) {
                steps += term instanceof PatternTerm.AbsentTerm ? 1
                        : members(term).stream().mapToLong(PatternTerm.EventTerm::times).sum();
            }
            if (steps > MAX_PATTERN_STEPS) {
                error(ErrorCode.TOO_LARGE, p.pos(), "rule is too large: its pattern has " + steps + " steps (at most "
                        + MAX_PATTERN_STEPS + "; each event of the pattern is a step, `times N` N of them): count "
                        + "many events with an aggregate rule, or split the rule");
            }
            // Resolve every term's type, and bind the tags in order.
            Map<EventRef, EventInfo> types = new LinkedHashMap<>();
            List<List<Tag>> tagsPerTerm = new ArrayList<>();
            Map<String, Tag> allTags = new LinkedHashMap<>();
            for (PatternTerm term : terms) {
                List<Tag> bound = new ArrayList<>();
                for (PatternTerm.EventTerm member : members(term)) {
                    EventInfo info = resolve(member.event().type());
                    types.put(member.event(), info);
                    if (member.tag().isPresent()) {
                        String name = member.tag().get();
                        Tag tag = new Tag(name, info, member.times(), member.pos());
                        Tag before = allTags.putIfAbsent(name, tag);
                        if (before != null) {
                            error(ErrorCode.DUPLICATE_TAG, member.pos(), "tag `" + name
                                    + "` is bound twice in this pattern (first at line " + before.pos().line()
                                    + ", column " + before.pos().column() + ")");
                        } else {
                            bound.add(tag);
                        }
                    }
                }
                if (term instanceof PatternTerm.AbsentTerm absent) {
                    types.put(absent.event(), resolve(absent.event().type()));
                }
                tagsPerTerm.add(bound);
            }
            Map<String, Type> by = checkBy(p.by(), List.copyOf(types.values()));

            // Filters: a term's own fields unqualified, and the tags of earlier terms.
            Map<String, Tag> earlier = new LinkedHashMap<>();
            for (int i = 0; i < terms.size(); i++) {
                Set<String> later = new HashSet<>();
                for (int j = i; j < terms.size(); j++) {
                    tagsPerTerm.get(j).forEach(t -> later.add(t.name()));
                }
                for (EventRef ref : eventRefs(terms.get(i))) {
                    Scope scope = new Scope();
                    scope.own = types.get(ref);
                    scope.tags = Collections.unmodifiableMap(new LinkedHashMap<>(earlier));
                    scope.laterTags = later;
                    scope.noAggregates = "aggregates can only be used in an aggregate rule (`over WINDOW having ...`)";
                    checkEventFilter(ref, scope);
                }
                tagsPerTerm.get(i).forEach(t -> earlier.put(t.name(), t));
            }

            Scope scope = new Scope();
            scope.unqualified = Unqualified.BY_PATTERN;
            scope.tags = Collections.unmodifiableMap(allTags);
            scope.by = by;
            checkKeyAndMessage(scope);
        }

        private List<PatternTerm.EventTerm> members(PatternTerm term) {
            if (term instanceof PatternTerm.EventTerm e) {
                return List.of(e);
            } else if (term instanceof PatternTerm.Group g) {
                return g.members();
            }
            return List.of();
        }

        private List<EventRef> eventRefs(PatternTerm term) {
            if (term instanceof PatternTerm.AbsentTerm a) {
                return List.of(a.event());
            }
            return members(term).stream().map(PatternTerm.EventTerm::event).toList();
        }

        private void checkKeyAndMessage(Scope scope) {
            Scope key = scope.copy();
            for (KeyExpr k : rule.key()) {
                check(k.expr(), key);
            }
            rule.message().ifPresent(m -> checkMessage(m, scope.forMessage()));
        }

        private void checkMessage(MessageTemplate message, Scope scope) {
            for (MessageTemplate.Part part : message.parts()) {
                if (part instanceof MessageTemplate.Placeholder p) {
                    check(p.expr(), scope);
                }
            }
        }

        private void checkEventFilter(EventRef ref, Scope scope) {
            ref.filter().ifPresent(f -> expectBoolean(f, check(f, scope), "a filter"));
        }

        private void expectBoolean(Expr e, Type type, String what) {
            if (type != Type.BOOLEAN && type != Type.UNKNOWN) {
                error(ErrorCode.TYPE_MISMATCH, e.pos(), what + " must be a boolean expression, got " + type.word);
            }
        }

        /** Resolves a type name; an unknown one is reported once per rule and then checked leniently. */
        private EventInfo resolve(Ident type) {
            EventDecl decl = events.get(type.name());
            if (decl == null && (tables.containsKey(type.name()) || brokenTables.contains(type.name()))) {
                if (reportedTypes.add(type.name())) {
                    TableDecl t = tables.get(type.name());
                    error(ErrorCode.TABLE_AS_EVENT, type.pos(), "`" + type.name() + "` is a table, not an event type:"
                            + " rules match events and look table rows up by key, as in `" + type.name() + "["
                            + (t == null ? "KEY" : String.join(", ", t.keys())) + "]." + (t == null ? "FIELD"
                            : t.fields().stream().map(FieldDecl::name).filter(n -> !t.keys().contains(n)).findFirst()
                            .orElse(t.keys().get(0))) + "`");
                }
                return new EventInfo(type.name(), null);
            }
            if (decl == null && !brokenEvents.contains(type.name()) && reportedTypes.add(type.name())) {
                Set<String> names = new LinkedHashSet<>(events.keySet());
                names.addAll(brokenEvents);
                error(ErrorCode.UNKNOWN_EVENT_TYPE, type.pos(), "unknown event type `" + type.name() + "`"
                        + Suggest.didYouMean(type.name(), names));
            }
            return new EventInfo(type.name(), decl);
        }

        /** Checks that every {@code by} field is in every event; gives each field's type. */
        private Map<String, Type> checkBy(List<Ident> by, List<EventInfo> in) {
            Map<String, Type> types = new LinkedHashMap<>();
            Set<String> seen = new HashSet<>();
            for (Ident field : by) {
                if (!seen.add(field.name())) {
                    error(ErrorCode.INVALID_VALUE, field.pos(), "`" + field.name() + "` is listed twice in `by`");
                    continue;
                }
                Type type = null;
                Set<String> reported = new HashSet<>();
                for (EventInfo event : in) {
                    Optional<Type> t = event.field(field.name());
                    if (t.isEmpty()) {
                        if (reported.add(event.name)) {
                            error(ErrorCode.UNKNOWN_FIELD, field.pos(), unknownField(field.name(), event));
                        }
                    } else if (type == null || type == Type.UNKNOWN) {
                        type = t.get();
                    }
                }
                types.put(field.name(), type == null ? Type.UNKNOWN : type);
            }
            return types;
        }

        private String unknownField(String field, EventInfo event) {
            return "unknown field `" + field + "` in " + event.name + Suggest.didYouMean(field, event.fieldNames());
        }

        // ----------------------------------------------------------------------------------------
        // Expressions

        private Type check(Expr e, Scope scope) {
            if (e instanceof Expr.NumberLit) {
                return Type.NUMBER;
            } else if (e instanceof Expr.StringLit) {
                return Type.STRING;
            } else if (e instanceof Expr.BoolLit) {
                return Type.BOOLEAN;
            } else if (e instanceof Expr.NullLit) {
                return Type.NULL;
            } else if (e instanceof Expr.FieldRef f) {
                return field(f, scope);
            } else if (e instanceof Expr.Binary b) {
                return binary(b, scope);
            } else if (e instanceof Expr.Not n) {
                Type t = check(n.operand(), scope);
                operand(n.operand(), t, Type.BOOLEAN, "`not` needs a boolean");
                return Type.BOOLEAN;
            } else if (e instanceof Expr.Negate n) {
                Type t = check(n.operand(), scope);
                operand(n.operand(), t, Type.NUMBER, "`-` needs a number");
                return Type.NUMBER;
            } else if (e instanceof Expr.InList in) {
                Type value = check(in.value(), scope);
                for (Expr item : in.items()) {
                    Type t = check(item, scope);
                    if (item instanceof Expr.NullLit) {
                        error(ErrorCode.NULL_COMPARISON, item.pos(), "`null` in a list never matches; use `is null`");
                    } else {
                        comparable(item, value, t, false);
                    }
                }
                return Type.BOOLEAN;
            } else if (e instanceof Expr.Between b) {
                Type value = check(b.value(), scope);
                for (Expr bound : List.of(b.low(), b.high())) {
                    Type t = check(bound, scope);
                    if (bound instanceof Expr.NullLit) {
                        error(ErrorCode.NULL_COMPARISON, bound.pos(), "comparing with `null` is never true");
                    } else {
                        comparable(bound, value, t, true);
                    }
                }
                return Type.BOOLEAN;
            } else if (e instanceof Expr.Matches m) {
                Type t = check(m.value(), scope);
                operand(m.value(), t, Type.STRING, "`matches` needs a string");
                try {
                    Pattern.compile(m.regex());
                } catch (PatternSyntaxException ex) {
                    error(ErrorCode.INVALID_VALUE, m.pos(), "invalid regular expression `" + m.regex() + "`: "
                            + ex.getDescription());
                }
                return Type.BOOLEAN;
            } else if (e instanceof Expr.IsNull n) {
                check(n.value(), scope);
                return Type.BOOLEAN;
            } else if (e instanceof Expr.Call c) {
                return call(c, scope);
            } else if (e instanceof Expr.Aggregate a) {
                return aggregate(a, scope);
            } else if (e instanceof Expr.Lookup l) {
                return lookup(l, scope);
            } else if (e instanceof Expr.InTable in) {
                Type value = check(in.value(), scope);
                TableDecl t = table(in.table(), in.pos());
                if (t != null) {
                    if (t.keys().size() != 1) {
                        error(ErrorCode.TABLE_KEY_MISMATCH, in.pos(), "`in " + t.name() + "` needs one key, but `"
                                + t.name() + "` is keyed by " + t.keys().size() + " fields (" + String.join(", ", t.keys())
                                + "); look a row up instead, as in `" + t.name() + "[" + String.join(", ", t.keys())
                                + "]." + t.keys().get(0) + " is not null`");
                    } else {
                        keyType(in.value(), value, t, 0);
                    }
                }
                return Type.BOOLEAN;
            }
            throw new AssertionError(e);
        }

        /** The declared table of a lookup or {@code in}; null (reported unless its declaration was broken) when none. */
        private TableDecl table(String name, Position pos) {
            TableDecl t = tables.get(name);
            if (t == null && !brokenTables.contains(name)) {
                Set<String> names = new LinkedHashSet<>(tables.keySet());
                names.addAll(brokenTables);
                String also = events.containsKey(name) ? "; `" + name + "` is an event type, and events are not looked up"
                        : Suggest.didYouMean(name, names);
                error(ErrorCode.UNKNOWN_TABLE, pos, "unknown table `" + name + "`" + also);
            }
            return t;
        }

        private Type lookup(Expr.Lookup l, Scope scope) {
            List<Type> keys = new ArrayList<>();
            for (Expr k : l.keys()) {
                keys.add(check(k, scope));
            }
            TableDecl t = table(l.table(), l.pos());
            if (t == null) {
                return Type.UNKNOWN;
            }
            if (keys.size() != t.keys().size()) {
                error(ErrorCode.TABLE_KEY_MISMATCH, l.pos(), "`" + t.name() + "` is keyed by " + t.keys().size()
                        + (t.keys().size() == 1 ? " field" : " fields") + " (" + String.join(", ", t.keys()) + "), got "
                        + keys.size() + (keys.size() == 1 ? " key" : " keys") + ": write `" + t.name() + "["
                        + String.join(", ", t.keys()) + "]." + l.field() + "`");
            } else {
                for (int i = 0; i < keys.size(); i++) {
                    keyType(l.keys().get(i), keys.get(i), t, i);
                }
            }
            Optional<FieldDecl> f = t.field(l.field());
            if (f.isEmpty()) {
                error(ErrorCode.UNKNOWN_FIELD, l.pos(), "unknown field `" + l.field() + "` in table " + t.name()
                        + Suggest.didYouMean(l.field(), t.fields().stream().map(FieldDecl::name).toList()));
                return Type.UNKNOWN;
            }
            return Type.of(f.get().type());
        }

        /** Reports a key expression whose type is not its key field's. */
        private void keyType(Expr key, Type actual, TableDecl t, int index) {
            FieldDecl field = t.keyFields().get(index);
            Type wanted = Type.of(field.type());
            if (actual == Type.NULL) {
                error(ErrorCode.NULL_COMPARISON, key.pos(), "a key is never null: `null` finds no row of `"
                        + t.name() + "`");
            } else if (actual != Type.UNKNOWN && actual != wanted) {
                error(ErrorCode.TABLE_KEY_MISMATCH, key.pos(), "key `" + field.name() + "` of `" + t.name() + "` is a "
                        + field.type().keyword() + ", got a " + actual.word);
            }
        }

        /** Reports {@code message + ", got TYPE"} when {@code actual} is known and not {@code wanted}. */
        private boolean operand(Expr e, Type actual, Type wanted, String message) {
            if (actual != wanted && actual != Type.UNKNOWN) {
                error(ErrorCode.TYPE_MISMATCH, e.pos(), message + ", got " + actual.word);
                return false;
            }
            return true;
        }

        private void comparable(Expr at, Type left, Type right, boolean ordered) {
            if (left == Type.UNKNOWN || right == Type.UNKNOWN || left == Type.NULL || right == Type.NULL) {
                return;
            }
            if (left != right) {
                error(ErrorCode.TYPE_MISMATCH, at.pos(), "cannot compare " + left.word + " with " + right.word);
            } else if (ordered && left == Type.BOOLEAN) {
                error(ErrorCode.TYPE_MISMATCH, at.pos(), "booleans have no order; compare them with `==` or `!=`");
            }
        }

        private Type binary(Expr.Binary b, Scope scope) {
            Type left = check(b.left(), scope);
            Type right = check(b.right(), scope);
            Expr.BinaryOp op = b.op();
            if (op.isLogical()) {
                if (operand(b.left(), left, Type.BOOLEAN, "`" + op.symbol() + "` needs booleans")) {
                    operand(b.right(), right, Type.BOOLEAN, "`" + op.symbol() + "` needs booleans");
                }
                return Type.BOOLEAN;
            }
            if (op.isArithmetic()) {
                boolean ok = operand(b.left(), left, Type.NUMBER, "`" + op.symbol() + "` needs numbers")
                        && operand(b.right(), right, Type.NUMBER, "`" + op.symbol() + "` needs numbers");
                return ok ? Type.NUMBER : Type.UNKNOWN; // reported once, not again by what uses it
            }
            // a comparison
            boolean leftNull = b.left() instanceof Expr.NullLit;
            boolean rightNull = b.right() instanceof Expr.NullLit;
            if (leftNull || rightNull) {
                Expr other = leftNull ? b.right() : b.left();
                String replacement = op == Expr.BinaryOp.NE ? "is not null" : "is null";
                if (op == Expr.BinaryOp.EQ || op == Expr.BinaryOp.NE) {
                    String message = Printer.print(other)
                            .map(x -> "`" + x + " " + op.symbol() + " null` is never true; use `" + x + " "
                                    + replacement + "`")
                            .orElse("comparing with `null` is never true; use `" + replacement + "`");
                    error(ErrorCode.NULL_COMPARISON, b.pos(), message);
                } else {
                    error(ErrorCode.NULL_COMPARISON, b.pos(),
                            "comparing with `null` is never true; use `is null` or `is not null`");
                }
                return Type.BOOLEAN;
            }
            boolean ordered = op != Expr.BinaryOp.EQ && op != Expr.BinaryOp.NE;
            comparable(b, left, right, ordered);
            return Type.BOOLEAN;
        }

        private Type call(Expr.Call c, Scope scope) {
            List<Type> args = c.args().stream().map(a -> check(a, scope)).toList();
            String name = c.function();
            switch (name) {
                case "abs":
                    argument(c, args, 0, Type.NUMBER);
                    return Type.NUMBER;
                case "round":
                    argument(c, args, 0, Type.NUMBER);
                    argument(c, args, 1, Type.NUMBER);
                    return Type.NUMBER;
                case "lower":
                case "upper":
                    argument(c, args, 0, Type.STRING);
                    return Type.STRING;
                case "length":
                    argument(c, args, 0, Type.STRING);
                    return Type.NUMBER;
                default:
                    return Type.UNKNOWN; // reported by the builder
            }
        }

        private void argument(Expr.Call c, List<Type> args, int index, Type wanted) {
            if (index < args.size()) {
                operand(c.args().get(index), args.get(index), wanted,
                        "`" + c.function() + "` needs a " + wanted.word);
            }
        }

        private Type aggregate(Expr.Aggregate a, Scope scope) {
            String name = a.function().keyword();
            if (scope.aggregates == null) {
                error(ErrorCode.AGGREGATE_OUTSIDE_AGGREGATE_RULE, a.pos(), "`" + name + "` is an aggregate; "
                        + scope.noAggregates);
                return Type.UNKNOWN;
            }
            Scope inner = new Scope();
            inner.own = scope.aggregates;
            inner.nameCode = scope.nameCode;
            inner.tagCode = scope.tagCode;
            inner.noAggregates = "aggregates cannot be nested (`" + name + "` holds another)";
            Type arg = a.arg().map(x -> check(x, inner)).orElse(Type.UNKNOWN);
            Expr argExpr = a.arg().orElse(null);
            switch (a.function()) {
                case COUNT:
                case DISTINCT:
                    return Type.NUMBER;
                case SUM:
                case AVG:
                    if (argExpr != null) {
                        operand(argExpr, arg, Type.NUMBER, "`" + name + "` needs a number");
                    }
                    return Type.NUMBER;
                case MIN:
                case MAX:
                    if (argExpr != null && (arg == Type.BOOLEAN || arg == Type.NULL)) {
                        error(ErrorCode.TYPE_MISMATCH, argExpr.pos(),
                                "`" + name + "` needs a number or a string, got " + arg.word);
                    }
                    return arg;
                case FIRST:
                case LAST:
                    return arg;
            }
            throw new AssertionError(a.function());
        }

        private Type field(Expr.FieldRef f, Scope scope) {
            if (f.tag().isPresent()) {
                return taggedField(f, scope);
            }
            String name = f.field();
            switch (scope.unqualified) {
                case OWN: {
                    Optional<Type> t = scope.own == null ? Optional.of(Type.UNKNOWN) : scope.own.field(name);
                    if (t.isEmpty()) {
                        error(scope.nameCode, f.pos(), unknownField(name, scope.own));
                        return Type.UNKNOWN;
                    }
                    return t.get();
                }
                case BY_AGGREGATE:
                case BY_ABSENCE: {
                    Type t = scope.by.get(name);
                    if (t != null) {
                        return t;
                    }
                    Optional<Type> inEvent = scope.own.field(name);
                    if (inEvent.isEmpty()) {
                        error(scope.nameCode, f.pos(), unknownField(name, scope.own));
                    } else if (scope.own.decl != null) {
                        String hint = scope.unqualified == Unqualified.BY_AGGREGATE
                                ? "use an aggregate such as `last(" + name + ")`"
                                : "an absence rule knows only its `by` fields" + byList(scope);
                        error(scope.nameCode, f.pos(), "`" + name + "` is not a `by` field; " + hint);
                    }
                    return Type.UNKNOWN;
                }
                case BY_PATTERN: {
                    Type t = scope.by.get(name);
                    if (t != null) {
                        return t;
                    }
                    for (Tag tag : scope.tags.values()) {
                        if (tag.event().decl != null && tag.event().field(name).isPresent()) {
                            String example = tag.times() > 1 ? tag.name() + "[0]." + name : tag.name() + "." + name;
                            error(scope.nameCode, f.pos(), "`" + name + "` needs a tag here, such as `"
                                    + example + "`");
                            return Type.UNKNOWN;
                        }
                    }
                    if (scope.tags.values().stream().anyMatch(tag -> tag.event().decl == null)) {
                        return Type.UNKNOWN;
                    }
                    List<String> candidates = new ArrayList<>(scope.by.keySet());
                    for (Tag tag : scope.tags.values()) {
                        for (String field : tag.event().fieldNames()) {
                            candidates.add(tag.name() + "." + field);
                        }
                    }
                    List<String> plain = new ArrayList<>(scope.by.keySet());
                    Map<String, String> qualified = new LinkedHashMap<>();
                    for (String c : candidates) {
                        String bare = c.substring(c.indexOf('.') + 1);
                        qualified.putIfAbsent(bare, c);
                        if (!plain.contains(bare)) {
                            plain.add(bare);
                        }
                    }
                    String hint = Suggest.nearest(name, plain)
                            .map(s -> "; did you mean `" + qualified.getOrDefault(s, s) + "`?")
                            .orElse("; a pattern names fields with a tag, such as `a.field`, or by its `by` fields");
                    error(scope.nameCode, f.pos(), "unknown field `" + name + "`" + hint);
                    return Type.UNKNOWN;
                }
            }
            throw new AssertionError(scope.unqualified);
        }

        private String byList(Scope scope) {
            return scope.by.isEmpty() ? " (it has none)" : " (" + String.join(", ", scope.by.keySet()) + ")";
        }

        private Type taggedField(Expr.FieldRef f, Scope scope) {
            String tagName = f.tag().get();
            Tag tag = scope.tags.get(tagName);
            if (tag == null && tables.containsKey(tagName)) {
                TableDecl t = tables.get(tagName);
                String field = f.field();
                String hint = f.index().isPresent()
                        ? "to look up the literal key " + f.index().getAsInt() + " write `" + tagName + "[("
                        + f.index().getAsInt() + ")]." + field + "`"
                        : "look a row up by its key, as in `" + tagName + "[" + String.join(", ", t.keys()) + "]."
                        + field + "`";
                error(ErrorCode.TABLE_KEY_MISMATCH, f.pos(), "`" + tagName + "` is a table: " + hint);
                return t.field(field).map(d -> Type.of(d.type())).orElse(Type.UNKNOWN);
            }
            if (tag == null) {
                if (scope.laterTags.contains(tagName)) {
                    error(scope.tagCode, f.pos(), "tag `" + tagName
                            + "` is not bound yet: a filter can use only the tags of earlier terms");
                } else {
                    error(scope.tagCode, f.pos(), "unknown tag `" + tagName + "`"
                            + Suggest.didYouMean(tagName, scope.tags.keySet()));
                }
                return Type.UNKNOWN;
            }
            if (tag.times() > 1 && f.index().isEmpty()) {
                error(ErrorCode.TYPE_MISMATCH, f.pos(), "`" + tagName + "` names " + tag.times()
                        + " events (`times " + tag.times() + "`); pick one, such as `" + tagName + "[0]."
                        + f.field() + "`");
            } else if (tag.times() == 1 && f.index().isPresent()) {
                error(ErrorCode.TYPE_MISMATCH, f.pos(), "`" + tagName + "` names one event; write `" + tagName
                        + "." + f.field() + "`");
            } else if (f.index().isPresent() && f.index().getAsInt() >= tag.times()) {
                error(ErrorCode.INVALID_VALUE, f.pos(), "index " + f.index().getAsInt() + " is out of range: `"
                        + tagName + "` names " + tag.times() + " events (0 to " + (tag.times() - 1) + ")");
            }
            Optional<Type> t = tag.event().field(f.field());
            if (t.isEmpty()) {
                error(scope.nameCode, f.pos(), unknownField(f.field(), tag.event()));
                return Type.UNKNOWN;
            }
            return t.get();
        }
    }

    /** True when {@code e} nests deeper than {@code limit}; recursion stops at the limit. */
    static boolean deeperThan(Expr e, int limit) {
        if (limit < 0) {
            return true;
        }
        for (Expr child : children(e)) {
            if (deeperThan(child, limit - 1)) {
                return true;
            }
        }
        return false;
    }

    private static List<Expr> children(Expr e) {
        if (e instanceof Expr.Binary b) {
            return List.of(b.left(), b.right());
        } else if (e instanceof Expr.Not n) {
            return List.of(n.operand());
        } else if (e instanceof Expr.Negate n) {
            return List.of(n.operand());
        } else if (e instanceof Expr.InList in) {
            List<Expr> all = new ArrayList<>(in.items());
            all.add(in.value());
            return all;
        } else if (e instanceof Expr.Between b) {
            return List.of(b.value(), b.low(), b.high());
        } else if (e instanceof Expr.Matches m) {
            return List.of(m.value());
        } else if (e instanceof Expr.IsNull n) {
            return List.of(n.value());
        } else if (e instanceof Expr.Call c) {
            return c.args();
        } else if (e instanceof Expr.Aggregate a) {
            return a.arg().map(List::of).orElse(List.of());
        } else if (e instanceof Expr.Lookup l) {
            return l.keys();
        } else if (e instanceof Expr.InTable in) {
            return List.of(in.value());
        }
        return List.of();
    }
}
