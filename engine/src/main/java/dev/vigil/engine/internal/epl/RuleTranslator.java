package dev.vigil.engine.internal.epl;

import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.EventRef;
import dev.vigil.rules.ast.Expr;
import dev.vigil.rules.ast.FieldType;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.KeyExpr;
import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.PatternTerm;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.Window;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Translates one checked rule into EPL (see {@link RulePlan}). The rule set is already checked by
 * the rules compiler, so names resolve; anything unexpected here is a bug and throws.
 *
 * <p>Forms and their EPL:
 * <ul>
 * <li>filter: {@code select ... from T(F)};
 * <li>pattern: {@code every A -> ((B -> C) where timer:within(D))}, one statement per member when
 *     the first term is a group (so each member starts its own attempts), {@code times N} expanded
 *     into N tagged terms, {@code absent T for D} as {@code (timer:interval(D) and not T)}, and
 *     {@code by} as equalities with the first term's fields;
 * <li>aggregate: {@code select irstream ..., (HAVING) as cond from T(F)#WINDOW group by BY}: a row
 *     per changed group, the lifecycle tracks each group's condition;
 * <li>absence: the same over {@code #time(D)} with {@code count(*) = 0} as the condition;
 * <li>raw EPL: the statement inserts into a stream that a second statement reads keys and message
 *     values from.
 * </ul>
 */
public final class RuleTranslator {
    /** Aggregate alerts carry at most this many of the window's events. */
    static final int MAX_WINDOW_EVENTS = 10;

    private final RuleSet rules;
    private final UnaryOperator<String> typeNames;
    private final long maxAttempts;
    private final boolean parametrized;
    /** The literals of the rule being translated, when {@link #parametrized}. */
    private EplExpr.Params params;

    /**
     * @param typeNames maps a declared type name to its Esper type name
     * @param maxAttempts the most partial matches (started, not yet completed or expired attempts)
     *     a pattern rule keeps: Esper's bounded followed-by, {@code every A -[N]> B}; 0 for none
     * @param parametrized literals as substitution parameters and statement names as placeholders
     *     ({@link RulePlan#params()}, {@link RulePlan#statementName}), so that rules differing only
     *     in literals and ids have one EPL text, compiled once; false for the EPL users read
     */
    public RuleTranslator(RuleSet rules, UnaryOperator<String> typeNames, long maxAttempts, boolean parametrized) {
        this(rules, typeNames, maxAttempts, parametrized, 0, 1);
    }

    /**
     * A translator for shard {@code shardIndex} of {@code shardCount}: with more than one shard, each
     * statement of a keyed rule ({@link ShardKeys}) reads only the events whose key hashes to this
     * shard ({@code vigil_shard(N, key...) = index}, the index a parameter when parametrized).
     */
    public RuleTranslator(RuleSet rules, UnaryOperator<String> typeNames, long maxAttempts, boolean parametrized,
                          int shardIndex, int shardCount) {
        this.maxAttempts = maxAttempts;
        this.rules = rules;
        this.typeNames = typeNames;
        this.parametrized = parametrized;
        this.shardIndex = shardIndex;
        this.shardCount = shardCount;
    }

    private final int shardIndex;
    private final int shardCount;

    /**
     * The condition that keeps a keyed rule's statement to its shard's keys, or nothing (one shard,
     * or a rule that runs unpartitioned in shard 0).
     *
     * @param param the shard's index as a substitution parameter (parametrized statements), else a literal
     */
    private List<String> shardFilter(Rule rule, boolean param) {
        if (shardCount <= 1) {
            return List.of();
        }
        var fields = ShardKeys.fields(rule);
        if (fields.isEmpty()) {
            return List.of();
        }
        String index = param && params != null ? params.add(shardIndex, "int") : Integer.toString(shardIndex);
        return List.of("vigil_shard(" + shardCount + ", "
                + String.join(", ", fields.get().stream().map(EsperNames::field).toList()) + ") = " + index);
    }

    public RulePlan translate(Rule rule) {
        params = parametrized ? new EplExpr.Params() : null;
        Condition when = rule.when();
        RulePlan plan = switch (when) {
            case Condition.Filter f -> filter(rule, f);
            case Condition.Pattern p -> new PatternPlanner(rule, p).plan();
            case Condition.Aggregate a -> aggregate(rule, a);
            case Condition.Absence a -> absence(rule, a);
            case Condition.Epl e -> epl(rule, e);
        };
        return params == null ? plan : plan.withParams(params.values());
    }

    /** Field references of a single-stream statement: the stream's own fields. */
    private EplExpr own() {
        return expr(ref -> EsperNames.field(ref.field()));
    }

    private EplExpr expr(Function<Expr.FieldRef, String> fields) {
        EplExpr e = new EplExpr(fields, params);
        e.tables = rules::table;
        return e;
    }

    // ---------------------------------------------------------------- filter

    private RulePlan filter(Rule rule, Condition.Filter f) {
        EventDecl decl = decl(f.event().type().name());
        EplExpr own = own();
        Columns cols = new Columns();
        keysAndMessages(rule, cols, own, ref -> decl);
        Set<String> used = new LinkedHashSet<>();
        f.event().filter().ifPresent(e -> collectFields(e, used));
        for (String field : used) {
            cols.value(field, EsperNames.field(field));
        }
        cols.events.add(cols.add(EsperNames.EVENT_PROPERTY));
        String epl = header(rule, 0) + "select " + cols.select() + "\nfrom "
                + eventFilter(f.event(), own, shardFilter(rule, true));
        return new RulePlan(rule, RulePlan.Kind.FIRE_ONLY, List.of(epl), List.of(0), List.of(cols.layout(rule, true)), 0, 0, 0,
                Set.of(decl.name()));
    }

    // ---------------------------------------------------------------- aggregate

    private RulePlan aggregate(Rule rule, Condition.Aggregate a) {
        EventDecl decl = decl(a.event().type().name());
        EplExpr own = own();
        Columns cols = groupedColumns(rule, a.by(), decl);
        Set<Expr.Aggregate> aggregates = new LinkedHashSet<>();
        collectAggregates(a.having(), aggregates);
        rule.message().ifPresent(m -> m.parts().forEach(p -> {
            if (p instanceof MessageTemplate.Placeholder ph) {
                collectAggregates(ph.expr(), aggregates);
            }
        }));
        Set<String> seen = new LinkedHashSet<>();
        for (Expr.Aggregate agg : aggregates) {
            String name = ExprText.of(agg);
            if (seen.add(name)) {
                cols.value(name, own.of(agg));
            }
        }
        for (int i = 0; i < MAX_WINDOW_EVENTS; i++) {
            cols.events.add(cols.add(i == 0 ? "last(" + EsperNames.EVENT_PROPERTY + ")"
                    : "last(" + EsperNames.EVENT_PROPERTY + ", " + i + ")"));
        }
        cols.condition = cols.add(own.of(a.having()));
        cols.count = cols.add("count(*)");

        View v = view(a);
        String view = v.text();
        long judgedEvery = v.judgedEvery();
        long longest = v.longest();
        long forMillis = a.forDuration().map(d -> d.millis()).orElse(0L);
        String epl = header(rule, 0) + "select " + (judgedEvery > 0 ? "" : "irstream ") + cols.select()
                + "\nfrom " + eventFilter(a.event(), own, shardFilter(rule, true)) + view + groupBy(a.by());
        return new RulePlan(rule, RulePlan.Kind.STATEFUL, List.of(epl), List.of(0), List.of(cols.layout(rule, false)),
                judgedEvery, forMillis,
                Math.max(longest, forMillis), Set.of(decl.name()));
    }

    /** An aggregate's window as Esper views, when it is judged apart (hopping), and its longest duration. */
    private record View(String text, long judgedEvery, long longest) {
    }

    private static View view(Condition.Aggregate a) {
        String groupWin = a.by().isEmpty() ? ""
                : "#groupwin(" + String.join(", ", a.by().stream().map(b -> EsperNames.field(b.name())).toList()) + ")";
        return switch (a.window()) {
            case Window.Sliding s -> new View("#time(" + EsperNames.period(s.size().millis()) + ")", 0, s.size().millis());
            case Window.Tumbling t -> new View("#time_batch(" + EsperNames.period(t.size().millis()) + ", 0L)", 0,
                    t.size().millis());
            case Window.Hopping h -> new View("#time(" + EsperNames.period(h.size().millis()) + ")", h.every().millis(),
                    Math.max(h.size().millis(), h.every().millis()));
            case Window.Session s -> new View(groupWin + "#time_accum(" + EsperNames.period(s.gap().millis()) + ")", 0,
                    s.gap().millis());
            case Window.Length l -> new View(groupWin + "#length(" + l.count() + ")", 0, 0);
        };
    }

    // ---------------------------------------------------------------- shared aggregates

    /**
     * What an aggregate rule needs from a statement shared with the rules over the same stream:
     * {@code key} is the stream (type, filter with its literals, window, {@code by}), equal for
     * rules that can share one statement; {@code aggregates} the aggregates its condition and
     * message read, by their text.
     */
    public record Sharing(String key, Map<String, Expr.Aggregate> aggregates) {
    }

    /**
     * Whether an aggregate rule can run on a statement shared with others, and over what: the
     * window is judged as rows change (not hopping), its keys are its {@code by} fields, every
     * aggregate reads a plain field (or none) and every message placeholder is an aggregate or a
     * {@code by} field. Its condition must also be one {@code HavingEval} evaluates exactly; the
     * caller checks that with {@link #columnType}.
     */
    public java.util.Optional<Sharing> sharing(Rule rule) {
        if (!(rule.when() instanceof Condition.Aggregate a) || a.window() instanceof Window.Hopping) {
            return java.util.Optional.empty();
        }
        Set<String> by = new LinkedHashSet<>();
        a.by().forEach(b -> by.add(b.name()));
        List<KeyExpr> key = rule.effectiveKey();
        if (key.size() != a.by().size()) {
            return java.util.Optional.empty();
        }
        for (int i = 0; i < key.size(); i++) {
            if (!(key.get(i).expr() instanceof Expr.FieldRef f) || !plainField(f)
                    || !f.field().equals(a.by().get(i).name()) || !key.get(i).text().equals(f.field())) {
                return java.util.Optional.empty();
            }
        }
        Set<Expr.Aggregate> aggregates = new LinkedHashSet<>();
        collectAggregates(a.having(), aggregates);
        for (MessageTemplate.Part part : parts(rule)) {
            if (part instanceof MessageTemplate.Placeholder ph) {
                if (ph.expr() instanceof Expr.Aggregate agg) {
                    aggregates.add(agg);
                } else if (!(ph.expr() instanceof Expr.FieldRef f && plainField(f) && by.contains(f.field()))) {
                    return java.util.Optional.empty();
                }
            }
        }
        Map<String, Expr.Aggregate> byText = new LinkedHashMap<>();
        for (Expr.Aggregate agg : aggregates) {
            if (agg.arg().isPresent() && !(agg.arg().get() instanceof Expr.FieldRef f && plainField(f))) {
                return java.util.Optional.empty();
            }
            byText.putIfAbsent(ExprText.of(agg), agg);
        }
        EplExpr literal = new EplExpr(ref -> EsperNames.field(ref.field()));
        literal.tables = rules::table;
        String stream = eventFilter(a.event(), literal, shardFilter(rule, false)) + view(a).text() + groupBy(a.by());
        return java.util.Optional.of(new Sharing(stream, byText));
    }

    private static boolean plainField(Expr.FieldRef f) {
        return f.tag().isEmpty() && f.index().isEmpty();
    }

    /**
     * The Java type of a shared statement's column for a {@code by} field or an aggregate, as
     * Esper gives it: {@code count} and {@code distinct} Long, {@code avg} Double, the others the
     * type of their field.
     */
    public Class<?> columnType(Rule rule, Expr e) {
        EventDecl decl = decl(((Condition.Aggregate) rule.when()).event().type().name());
        return switch (e) {
            case Expr.FieldRef f -> javaType(decl, f.field());
            case Expr.Aggregate agg -> switch (agg.function()) {
                case COUNT, DISTINCT -> Long.class;
                case AVG -> Double.class;
                case SUM, MIN, MAX, FIRST, LAST -> javaType(decl, ((Expr.FieldRef) agg.arg().orElseThrow()).field());
            };
            default -> throw new IllegalArgumentException("not a column: " + ExprText.of(e));
        };
    }

    private static Class<?> javaType(EventDecl decl, String field) {
        FieldType t = decl.field(field).orElseThrow(() -> new IllegalStateException("unknown field " + field)).type();
        return switch (t) {
            case STRING -> String.class;
            case INT -> Integer.class;
            case LONG, TIMESTAMP -> Long.class;
            case DOUBLE -> Double.class;
            case BOOLEAN -> Boolean.class;
        };
    }

    /**
     * The statement a group of aggregate rules over one stream shares: its {@code by} fields, the
     * given aggregates (the union its members need, by text), the window's last events and its
     * event count, each a column; {@code first} is any member (the stream is theirs).
     *
     * @param name the statement's name
     */
    public SharedStatement sharedStatement(Rule first, List<String> aggregateTexts, Map<String, Expr.Aggregate> aggregates,
                                           String name) {
        Condition.Aggregate a = (Condition.Aggregate) first.when();
        EplExpr literal = new EplExpr(ref -> EsperNames.field(ref.field()));
        literal.tables = rules::table;
        Columns cols = new Columns();
        for (Ident b : a.by()) {
            cols.groups.add(cols.add(EsperNames.field(b.name())));
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        for (int i = 0; i < a.by().size(); i++) {
            index.put(a.by().get(i).name(), cols.groups.get(i));
        }
        Map<String, Integer> aggregateCols = new LinkedHashMap<>();
        for (String text : aggregateTexts) {
            aggregateCols.put(text, cols.add(literal.of(aggregates.get(text))));
        }
        for (int i = 0; i < MAX_WINDOW_EVENTS; i++) {
            cols.events.add(cols.add(i == 0 ? "last(" + EsperNames.EVENT_PROPERTY + ")"
                    : "last(" + EsperNames.EVENT_PROPERTY + ", " + i + ")"));
        }
        cols.count = cols.add("count(*)");
        String epl = "@Name('" + name + "')\n@EventRepresentation(objectarray)\nselect irstream " + cols.select()
                + "\nfrom " + sharing(first).orElseThrow().key();
        return new SharedStatement(epl, index, aggregateCols, cols.events.stream().mapToInt(Integer::intValue).toArray(),
                cols.count, cols.exprs.size(), Set.of(a.event().type().name()));
    }

    /**
     * A shared statement's text and columns: {@code fields} the {@code by} fields', {@code aggregates}
     * the aggregates' by text.
     */
    public record SharedStatement(String epl, Map<String, Integer> fields, Map<String, Integer> aggregates,
                                  int[] eventCols, int countCol, int width, Set<String> types) {
        public SharedStatement {
            fields = Map.copyOf(fields);
            aggregates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(aggregates));
        }
    }

    /**
     * A member's plan over its group's statement: the rule's keys, message and values read the
     * statement's columns; its condition is judged outside Esper (conditionCol -1).
     */
    public RulePlan memberPlan(Rule rule, SharedStatement st) {
        Condition.Aggregate a = (Condition.Aggregate) rule.when();
        Sharing sharing = sharing(rule).orElseThrow();
        EventDecl decl = decl(a.event().type().name());
        int[] groupCols = a.by().stream().mapToInt(b -> st.fields().get(b.name())).toArray();
        List<Integer> messageCols = new ArrayList<>();
        List<Boolean> timestamps = new ArrayList<>();
        for (MessageTemplate.Part part : parts(rule)) {
            if (part instanceof MessageTemplate.Placeholder ph) {
                if (ph.expr() instanceof Expr.FieldRef f) {
                    messageCols.add(st.fields().get(f.field()));
                    timestamps.add(decl.field(f.field()).map(x -> x.type() == FieldType.TIMESTAMP).orElse(false));
                } else {
                    messageCols.add(st.aggregates().get(ExprText.of(ph.expr())));
                    timestamps.add(false);
                }
            }
        }
        List<String> valueNames = new ArrayList<>(sharing.aggregates().keySet());
        int[] valueCols = valueNames.stream().mapToInt(n -> st.aggregates().get(n)).toArray();
        RulePlan.Layout layout = new RulePlan.Layout(groupCols, keyNames(rule), groupCols, parts(rule), timestamps,
                messageCols.stream().mapToInt(Integer::intValue).toArray(), valueNames, valueCols, st.eventCols(), false,
                -1, st.countCol(), st.width());
        long forMillis = a.forDuration().map(d -> d.millis()).orElse(0L);
        return new RulePlan(rule, RulePlan.Kind.STATEFUL, List.of(st.epl()), List.of(0), List.of(layout), 0, forMillis,
                Math.max(view(a).longest(), forMillis), Set.of(decl.name()));
    }

    // ---------------------------------------------------------------- absence

    private RulePlan absence(Rule rule, Condition.Absence a) {
        EventDecl decl = decl(a.event().type().name());
        EplExpr own = own();
        Columns cols = groupedColumns(rule, a.by(), decl);
        cols.events.add(cols.add("last(" + EsperNames.EVENT_PROPERTY + ")"));
        cols.condition = cols.add("(count(*) = 0)");
        cols.count = cols.add("count(*)");
        String epl = header(rule, 0) + "select irstream " + cols.select()
                + "\nfrom " + eventFilter(a.event(), own, shardFilter(rule, true))
                + "#time(" + EsperNames.period(a.duration().millis()) + ")" + groupBy(a.by());
        return new RulePlan(rule, RulePlan.Kind.STATEFUL, List.of(epl), List.of(0), List.of(cols.layout(rule, false)), 0, 0,
                a.duration().millis(), Set.of(decl.name()));
    }

    // ---------------------------------------------------------------- raw EPL

    private RulePlan epl(Rule rule, Condition.Epl e) {
        String stream = "vigil_raw_" + rule.id();
        String user = e.statement().strip();
        EplExpr columns = own();
        Columns cols = new Columns();
        keysAndMessages(rule, cols, columns, ref -> null);
        String insert = "@Name('" + rule.id() + ":source')\ninsert into " + stream + "\n" + user;
        String read = header(rule, 1) + "select " + (cols.exprs.isEmpty() ? "null as none" : cols.select())
                + "\nfrom " + stream;
        RulePlan.Layout layout = cols.layout(rule, true);
        Set<String> types = new LinkedHashSet<>();
        for (EventDecl d : rules.events()) {
            if (mentions(user, typeNames.apply(d.name()))) {
                types.add(d.name());
            }
        }
        return new RulePlan(rule, RulePlan.Kind.FIRE_ONLY, List.of(insert, read), List.of(1), List.of(layout), 0, 0, 0, types);
    }

    private static boolean mentions(String epl, String word) {
        int from = 0;
        while (true) {
            int i = epl.indexOf(word, from);
            if (i < 0) {
                return false;
            }
            int end = i + word.length();
            boolean startOk = i == 0 || !Character.isJavaIdentifierPart(epl.charAt(i - 1));
            boolean endOk = end == epl.length() || !Character.isJavaIdentifierPart(epl.charAt(end));
            if (startOk && endOk) {
                return true;
            }
            from = end;
        }
    }

    // ---------------------------------------------------------------- pattern

    /** Plans a pattern rule; see the class comment. */
    private final class PatternPlanner {
        private final Rule rule;
        private final Condition.Pattern pattern;
        /** User tag (or generated one) to the internal tags of its expanded terms. */
        private final Map<String, List<String>> tags = new LinkedHashMap<>();
        /** Internal tag to the declaration of its type. */
        private final Map<String, EventDecl> tagTypes = new LinkedHashMap<>();
        /** Internal tag to the name alerts show for it in {@code values}. */
        private final Map<String, String> tagLabels = new LinkedHashMap<>();
        private final List<Element> elements = new ArrayList<>();
        private final List<String> allTags = new ArrayList<>();
        private long longest;

        PatternPlanner(Rule rule, Condition.Pattern pattern) {
            this.rule = rule;
            this.pattern = pattern;
        }

        /** A term after expansion: one event, an absence, or a group of member chains. */
        private sealed interface Element permits Ev, Absent, Group {
        }

        private record Ev(String tag, EventRef event) implements Element {
        }

        private record Absent(EventRef event, long millis) implements Element {
        }

        private record Group(PatternTerm.GroupOp op, List<List<Ev>> members) implements Element {
        }

        RulePlan plan() {
            int generated = 0;
            for (PatternTerm term : pattern.terms()) {
                switch (term) {
                    case PatternTerm.EventTerm et -> {
                        elements.addAll(expand(et, generated++));
                    }
                    case PatternTerm.AbsentTerm at -> {
                        elements.add(new Absent(at.event(), at.duration().millis()));
                        longest = Math.max(longest, at.duration().millis());
                    }
                    case PatternTerm.Group g -> {
                        List<List<Ev>> members = new ArrayList<>();
                        for (PatternTerm.EventTerm m : g.members()) {
                            members.add(expand(m, generated++));
                        }
                        elements.add(new Group(g.op(), members));
                    }
                }
            }
            pattern.within().ifPresent(w -> longest = Math.max(longest, w.millis()));

            List<String> statements = new ArrayList<>();
            Element first = elements.get(0);
            List<Element> rest = elements.subList(1, elements.size());
            List<RulePlan.Layout> layouts = new ArrayList<>();
            if (first instanceof Ev ev) {
                Statement st = statement(ev, rest);
                statements.add(header(rule, 0) + st.epl);
                layouts.add(st.layout);
            } else if (first instanceof Group g) {
                for (int i = 0; i < g.members().size(); i++) {
                    List<Ev> member = g.members().get(i);
                    List<Element> after = new ArrayList<>(member.subList(1, member.size()));
                    if (g.op() == PatternTerm.GroupOp.AND && g.members().size() > 1) {
                        List<List<Ev>> others = new ArrayList<>(g.members());
                        others.remove(i);
                        after.add(new Group(PatternTerm.GroupOp.AND, others));
                    }
                    after.addAll(rest);
                    Statement st = statement(member.get(0), after);
                    statements.add(header(rule, i) + st.epl);
                    layouts.add(st.layout);
                }
            } else {
                throw new IllegalStateException("rule " + rule.id() + ": a pattern cannot start with `absent`");
            }
            List<Integer> listened = new ArrayList<>();
            for (int i = 0; i < statements.size(); i++) {
                listened.add(i);
            }
            Set<String> types = new LinkedHashSet<>();
            for (EventDecl d : tagTypes.values()) {
                types.add(d.name());
            }
            for (Element e : elements) {
                if (e instanceof Absent a) {
                    types.add(a.event().type().name());
                }
            }
            return new RulePlan(rule, RulePlan.Kind.FIRE_ONLY, statements, listened, layouts, 0, 0, longest, types);
        }

        private List<Ev> expand(PatternTerm.EventTerm term, int position) {
            String userTag = term.tag().orElse(null);
            String base = userTag != null ? "t_" + userTag : "u_" + position;
            EventDecl decl = decl(term.event().type().name());
            List<Ev> out = new ArrayList<>();
            List<String> internal = new ArrayList<>();
            for (int i = 0; i < term.times(); i++) {
                String tag = term.times() > 1 ? base + "_" + i : base;
                internal.add(tag);
                allTags.add(tag);
                tagTypes.put(tag, decl);
                String label = userTag != null ? userTag : term.event().type().name();
                tagLabels.put(tag, term.times() > 1 ? label + "[" + i + "]" : label);
                out.add(new Ev(tag, term.event()));
            }
            if (userTag != null) {
                tags.put(userTag, internal);
            }
            return out;
        }

        private record Statement(String epl, RulePlan.Layout layout) {
        }

        private Statement statement(Ev first, List<Element> rest) {
            Set<String> bound = new LinkedHashSet<>();
            bound.add(first.tag());
            collectBound(rest, bound);
            StringBuilder p = new StringBuilder("every ").append(ev(first, first, bound, false));
            if (!rest.isEmpty()) {
                String chain = chain(rest, first, bound);
                if (rest.size() > 1) {
                    chain = "(" + chain + ")";
                }
                if (pattern.within().isPresent()) {
                    chain = "(" + chain + " where timer:within(" + EsperNames.period(pattern.within().get().millis()) + "))";
                }
                p.append(maxAttempts > 0 ? "\n    -[" + maxAttempts + "]> " : "\n    -> ").append(chain);
            }
            EplExpr select = expr(ref -> selectRef(ref, first, bound));
            Columns cols = new Columns();
            keysAndMessages(rule, cols, select, this::declOf);
            Map<String, String> values = new LinkedHashMap<>();
            collectValues(first, values);
            for (Element e : rest) {
                forEachEv(e, ev -> collectValues(ev, values));
            }
            for (Map.Entry<String, String> v : values.entrySet()) {
                String[] tagAndField = v.getValue().split("\u0000");
                cols.value(v.getKey(), bound.contains(tagAndField[0])
                        ? tagAndField[0] + "." + EsperNames.field(tagAndField[1]) : "null");
            }
            for (String tag : allTags) {
                if (bound.contains(tag)) {
                    cols.events.add(cols.add(tag + "." + EsperNames.EVENT_PROPERTY));
                }
            }
            String epl = "select " + cols.select() + "\nfrom pattern [\n    " + p + "\n]";
            return new Statement(epl, cols.layout(rule, true));
        }

        private void collectValues(Ev ev, Map<String, String> values) {
            ev.event().filter().ifPresent(f -> {
                Set<String> fields = new LinkedHashSet<>();
                collectFields(f, fields);
                for (String field : fields) {
                    values.putIfAbsent(tagLabels.get(ev.tag()) + "." + field, ev.tag() + "\u0000" + field);
                }
            });
        }

        private void collectBound(List<Element> rest, Set<String> bound) {
            for (Element e : rest) {
                forEachEv(e, ev -> bound.add(ev.tag()));
            }
        }

        private void forEachEv(Element e, java.util.function.Consumer<Ev> action) {
            switch (e) {
                case Ev ev -> action.accept(ev);
                case Group g -> g.members().forEach(m -> m.forEach(action));
                case Absent a -> {
                }
            }
        }

        private String chain(List<Element> rest, Ev first, Set<String> bound) {
            List<String> parts = new ArrayList<>();
            for (Element e : rest) {
                parts.add(element(e, first, bound));
            }
            return String.join(" -> ", parts);
        }

        private String element(Element e, Ev first, Set<String> bound) {
            switch (e) {
                case Ev ev -> {
                    return ev(ev, first, bound, true);
                }
                case Absent a -> {
                    return "(timer:interval(" + EsperNames.period(a.millis()) + ") and not "
                            + filterFor(a.event(), null, first, bound) + ")";
                }
                case Group g -> {
                    List<String> members = new ArrayList<>();
                    for (List<Ev> m : g.members()) {
                        List<String> chain = new ArrayList<>();
                        for (Ev ev : m) {
                            chain.add(ev(ev, first, bound, true));
                        }
                        members.add(chain.size() == 1 ? chain.get(0) : "(" + String.join(" -> ", chain) + ")");
                    }
                    String joined = String.join(g.op() == PatternTerm.GroupOp.AND ? " and " : " or ", members);
                    return members.size() == 1 ? joined : "(" + joined + ")";
                }
            }
        }

        private String ev(Ev ev, Ev first, Set<String> bound, boolean withBy) {
            return ev.tag() + "=" + filterFor(ev.event(), withBy ? ev : null, withBy ? first : null, bound);
        }

        /** The filter of a term: its own condition and, after the first term, the {@code by} equalities. */
        private String filterFor(EventRef event, Ev self, Ev first, Set<String> bound) {
            EplExpr own = expr(ref -> filterRef(ref, bound));
            List<String> extra = new ArrayList<>();
            if (first != null) {
                for (Ident by : pattern.by()) {
                    extra.add(EsperNames.field(by.name()) + " = " + first.tag() + "." + EsperNames.field(by.name()));
                }
            }
            extra.addAll(shardFilter(rule, true));
            return eventFilter(event, own, extra);
        }

        private String filterRef(Expr.FieldRef ref, Set<String> bound) {
            if (ref.tag().isEmpty()) {
                return EsperNames.field(ref.field());
            }
            String tag = internalTag(ref);
            return bound.contains(tag) ? tag + "." + EsperNames.field(ref.field()) : "null";
        }

        private String selectRef(Expr.FieldRef ref, Ev first, Set<String> bound) {
            if (ref.tag().isEmpty()) {
                return first.tag() + "." + EsperNames.field(ref.field());
            }
            String tag = internalTag(ref);
            return bound.contains(tag) ? tag + "." + EsperNames.field(ref.field()) : "null";
        }

        private String internalTag(Expr.FieldRef ref) {
            List<String> internal = tags.get(ref.tag().get());
            if (internal == null) {
                throw new IllegalStateException("rule " + rule.id() + ": unknown tag " + ref.tag().get());
            }
            int index = ref.index().orElse(0);
            if (index < 0 || index >= internal.size()) {
                throw new IllegalStateException("rule " + rule.id() + ": index " + index + " out of range for "
                        + ref.tag().get());
            }
            return internal.get(index);
        }

        private EventDecl declOf(Expr.FieldRef ref) {
            if (ref.tag().isEmpty()) {
                return tagTypes.get(allTags.get(0));
            }
            return tagTypes.get(internalTag(ref));
        }
    }

    // ---------------------------------------------------------------- shared

    /** Columns of a grouped statement: the {@code by} fields first, then keys and message values. */
    private Columns groupedColumns(Rule rule, List<Ident> by, EventDecl decl) {
        Columns cols = new Columns();
        for (Ident b : by) {
            cols.groups.add(cols.add(EsperNames.field(b.name())));
        }
        keysAndMessages(rule, cols, own(), ref -> decl);
        return cols;
    }

    /** Select columns under construction (equal expressions share one), and what each is for. */
    private static final class Columns {
        final List<String> exprs = new ArrayList<>();
        final Map<String, Integer> index = new LinkedHashMap<>();
        final List<Integer> groups = new ArrayList<>();
        final List<Integer> keys = new ArrayList<>();
        final List<Integer> messages = new ArrayList<>();
        final List<Boolean> timestamps = new ArrayList<>();
        final List<String> valueNames = new ArrayList<>();
        final List<Integer> values = new ArrayList<>();
        final List<Integer> events = new ArrayList<>();
        int condition = -1;
        int count = -1;

        int add(String expr) {
            Integer i = index.get(expr);
            if (i == null) {
                i = exprs.size();
                exprs.add(expr);
                index.put(expr, i);
            }
            return i;
        }

        void value(String name, String expr) {
            valueNames.add(name);
            values.add(add(expr));
        }

        String select() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < exprs.size(); i++) {
                if (i > 0) {
                    sb.append(",\n       ");
                }
                sb.append(exprs.get(i)).append(" as c").append(i);
            }
            return sb.toString();
        }

        RulePlan.Layout layout(Rule rule, boolean matchedEvents) {
            return new RulePlan.Layout(ints(groups), keyNames(rule), ints(keys), parts(rule), timestamps,
                    ints(messages), valueNames, ints(values), ints(events), matchedEvents, condition, count, exprs.size());
        }

        private static int[] ints(List<Integer> list) {
            return list.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private void keysAndMessages(Rule rule, Columns cols, EplExpr expr, Function<Expr.FieldRef, EventDecl> decls) {
        for (KeyExpr k : rule.effectiveKey()) {
            cols.keys.add(cols.add(expr.of(k.expr())));
        }
        for (MessageTemplate.Part part : parts(rule)) {
            if (part instanceof MessageTemplate.Placeholder ph) {
                cols.messages.add(cols.add(expr.of(ph.expr())));
                boolean timestamp = false;
                if (ph.expr() instanceof Expr.FieldRef ref) {
                    EventDecl d = decls.apply(ref);
                    timestamp = d != null && d.field(ref.field()).map(f -> f.type() == FieldType.TIMESTAMP).orElse(false);
                }
                cols.timestamps.add(timestamp);
            }
        }
    }

    private static List<String> keyNames(Rule rule) {
        return rule.effectiveKey().stream().map(KeyExpr::text).toList();
    }

    private static List<MessageTemplate.Part> parts(Rule rule) {
        return rule.message().map(MessageTemplate::parts).orElse(List.of());
    }

    private String eventFilter(EventRef event, EplExpr expr, List<String> extra) {
        List<String> conditions = new ArrayList<>();
        event.filter().ifPresent(f -> conditions.add(expr.of(f)));
        conditions.addAll(extra);
        String type = typeNames.apply(event.type().name());
        return conditions.isEmpty() ? type : type + "(" + String.join(" and ", conditions) + ")";
    }

    private static String groupBy(List<Ident> by) {
        if (by.isEmpty()) {
            return "";
        }
        return "\ngroup by " + String.join(", ", by.stream().map(b -> EsperNames.field(b.name())).toList());
    }

    private String header(Rule rule, int index) {
        String name = parametrized ? RulePlan.PLACEHOLDER_NAME + index : RulePlan.statementName(rule.id(), index);
        return "@Name('" + name + "')\n@EventRepresentation(objectarray)\n";
    }

    private EventDecl decl(String type) {
        return rules.event(type).orElseThrow(() -> new IllegalStateException("undeclared event type " + type));
    }

    private static void collectFields(Expr e, Set<String> out) {
        visit(e, x -> {
            if (x instanceof Expr.FieldRef f && f.tag().isEmpty()) {
                out.add(f.field());
            }
        });
    }

    private static void collectAggregates(Expr e, Set<Expr.Aggregate> out) {
        visit(e, x -> {
            if (x instanceof Expr.Aggregate a) {
                out.add(a);
            }
        });
    }

    static void visit(Expr e, java.util.function.Consumer<Expr> action) {
        action.accept(e);
        switch (e) {
            case Expr.NumberLit n -> {
            }
            case Expr.StringLit s -> {
            }
            case Expr.BoolLit b -> {
            }
            case Expr.NullLit n -> {
            }
            case Expr.FieldRef f -> {
            }
            case Expr.Binary b -> {
                visit(b.left(), action);
                visit(b.right(), action);
            }
            case Expr.Not n -> visit(n.operand(), action);
            case Expr.Negate n -> visit(n.operand(), action);
            case Expr.InList in -> {
                visit(in.value(), action);
                in.items().forEach(i -> visit(i, action));
            }
            case Expr.Between b -> {
                visit(b.value(), action);
                visit(b.low(), action);
                visit(b.high(), action);
            }
            case Expr.Matches m -> visit(m.value(), action);
            case Expr.IsNull n -> visit(n.value(), action);
            case Expr.Call c -> c.args().forEach(a -> visit(a, action));
            case Expr.Aggregate a -> a.arg().ifPresent(x -> visit(x, action));
            case Expr.Lookup l -> l.keys().forEach(k -> visit(k, action));
            case Expr.InTable in -> visit(in.value(), action);
        }
    }
}
