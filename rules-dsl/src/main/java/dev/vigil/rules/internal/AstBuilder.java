package dev.vigil.rules.internal;

import dev.vigil.rules.ErrorCode;
import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.TableDecl;
import dev.vigil.rules.ast.EventRef;
import dev.vigil.rules.ast.Expr;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.FieldType;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.KeyExpr;
import dev.vigil.rules.ast.Label;
import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.Mode;
import dev.vigil.rules.ast.PatternTerm;
import dev.vigil.rules.ast.Position;
import dev.vigil.rules.ast.Rule;
import dev.vigil.rules.ast.RuleFile;
import dev.vigil.rules.ast.Severity;
import dev.vigil.rules.ast.TimeSpan;
import dev.vigil.rules.ast.Window;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.antlr.v4.runtime.misc.Interval;
import org.antlr.v4.runtime.tree.ErrorNode;
import org.antlr.v4.runtime.tree.ParseTree;
import org.antlr.v4.runtime.tree.TerminalNode;

import java.text.DecimalFormat;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Builds the AST of one parsed rule file, and reports what is wrong in a single construct: field
 * types, durations, severities, escapes, message templates, clause structure, function names and
 * argument counts. Rules and declarations with syntax errors are skipped (their names are
 * remembered so the checks do not report them again as unknown).
 */
final class AstBuilder {
    /**
     * The largest {@code times N}: the pattern expands to N steps, and Esper's compile time and
     * memory grow with them (measured here: times 100 deploys in about 1 s, times 200 in 5 s,
     * times 1,000,000 hung a deploy for 60 s with a 6 GB heap).
     */
    static final int MAX_TIMES = 100;

    /** The scalar functions and how many arguments each takes (min, max). */
    static final Map<String, int[]> FUNCTIONS = Map.of(
            "abs", new int[] {1, 1},
            "lower", new int[] {1, 1},
            "upper", new int[] {1, 1},
            "length", new int[] {1, 1},
            "round", new int[] {1, 2});
    static final List<String> FUNCTION_NAMES = List.of("abs", "lower", "upper", "length", "round",
            "count", "sum", "avg", "min", "max", "distinct", "first", "last");

    /** A built file, with what the checks need to know beyond the AST. */
    record Built(RuleFile file, Map<Rule, Position> idPositions, Map<EventDecl, Position> namePositions,
                 Set<String> brokenEvents, Map<String, Set<String>> untypedFields, Set<String> brokenRuleIds,
                 Map<TableDecl, Position> tablePositions, Set<String> brokenTables) {
        Built(RuleFile file, Map<Rule, Position> idPositions, Map<EventDecl, Position> namePositions,
              Set<String> brokenEvents, Map<String, Set<String>> untypedFields, Set<String> brokenRuleIds) {
            this(file, idPositions, namePositions, brokenEvents, untypedFields, brokenRuleIds, Map.of(), Set.of());
        }
    }

    private final String fileName;
    private final Diagnostics diagnostics;
    private TokenStream tokens;
    private final Map<Rule, Position> idPositions = new IdentityHashMap<>();
    private final Map<EventDecl, Position> namePositions = new IdentityHashMap<>();
    private final Set<String> brokenEvents = new HashSet<>();
    private final Map<String, Set<String>> untypedFields = new HashMap<>();
    private final Set<String> brokenRuleIds = new HashSet<>();
    private final Map<TableDecl, Position> tablePositions = new IdentityHashMap<>();
    private final Set<String> brokenTables = new HashSet<>();

    AstBuilder(String fileName, Diagnostics diagnostics) {
        this.fileName = fileName;
        this.diagnostics = diagnostics;
    }

    Built build(Parsing.Result<RulesParser.FileContext> parsed) {
        this.tokens = parsed.tokens();
        List<EventDecl> events = new ArrayList<>();
        List<TableDecl> tables = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        for (ParseTree child : children(parsed.tree())) {
            if (child instanceof RulesParser.TableDeclContext t) {
                if (hasSyntaxError(t, parsed.errorTokens(), Set.of())) {
                    if (t.name != null) {
                        brokenTables.add(t.name.getText());
                    }
                } else {
                    table(t).ifPresentOrElse(tables::add, () -> brokenTables.add(t.name.getText()));
                }
                continue;
            }
            if (child instanceof RulesParser.EventDeclContext e) {
                if (hasSyntaxError(e, parsed.errorTokens(), Set.of())) {
                    if (e.name != null) {
                        brokenEvents.add(e.name.getText());
                    }
                } else {
                    events.add(event(e));
                }
            } else if (child instanceof RulesParser.RuleDeclContext r) {
                if (hasSyntaxError(r, parsed.errorTokens(), parsed.unknownClauseTokens())) {
                    if (r.id != null) {
                        brokenRuleIds.add(r.id.getText());
                    }
                } else {
                    rule(r).ifPresent(rules::add);
                }
            }
        }
        return new Built(new RuleFile(fileName, events, tables, rules), idPositions, namePositions, brokenEvents,
                untypedFields, brokenRuleIds, tablePositions, brokenTables);
    }

    private static List<ParseTree> children(ParserRuleContext ctx) {
        return ctx.children == null ? List.of() : ctx.children;
    }

    /**
     * True when a syntax error was reported inside the construct or recovery touched it. A misspelt
     * clause name does not count: recovery skips the rest of its line (those tokens hang directly
     * under the rule), and the other clauses are still built and checked.
     */
    private boolean hasSyntaxError(ParserRuleContext ctx, Set<Integer> errorTokens, Set<Integer> unknownClauses) {
        int from = ctx.getStart().getTokenIndex();
        int to = ctx.getStop() == null ? Integer.MAX_VALUE : ctx.getStop().getTokenIndex();
        Set<Integer> skippedLines = new java.util.HashSet<>();
        for (int index : unknownClauses) {
            if (index >= from && index <= to) {
                skippedLines.add(tokens.get(index).getLine());
            }
        }
        for (int index : errorTokens) {
            if (index >= from && index <= to && !unknownClauses.contains(index)) {
                return true;
            }
        }
        Deque<ParseTree> work = new ArrayDeque<>();
        work.push(ctx);
        while (!work.isEmpty()) {
            ParseTree tree = work.pop();
            if (tree instanceof ErrorNode error) {
                boolean skippedClause = error.getParent() == ctx
                        && skippedLines.contains(error.getSymbol().getLine());
                if (!skippedClause) {
                    return true;
                }
                continue;
            }
            if (tree instanceof ParserRuleContext c) {
                if (c.exception != null) {
                    return true;
                }
                children(c).forEach(work::push);
            }
        }
        return false;
    }

    private static Position pos(Token token) {
        return Parsing.FILE.of(token);
    }

    private static Position pos(ParserRuleContext ctx) {
        return pos(ctx.getStart());
    }

    private Ident ident(RulesParser.IdentifierContext ctx) {
        return new Ident(ctx.getText(), pos(ctx));
    }

    // --------------------------------------------------------------------------------------------
    // Event declarations

    private EventDecl event(RulesParser.EventDeclContext ctx) {
        String name = ctx.name.getText();
        List<FieldDecl> fields = new ArrayList<>();
        Map<String, FieldDecl> byName = new HashMap<>();
        Set<String> untyped = new HashSet<>();
        FieldDecl timestamp = null;
        for (RulesParser.FieldDeclContext f : ctx.fieldDecl()) {
            String fieldName = f.name.getText();
            String typeName = f.type.getText();
            Optional<FieldType> type = fieldType(typeName);
            if (byName.containsKey(fieldName) || untyped.contains(fieldName)) {
                diagnostics.add(ErrorCode.DUPLICATE_FIELD, pos(f),
                        "duplicate field `" + fieldName + "` in event `" + name + "`");
                continue;
            }
            if (type.isEmpty()) {
                unknownType(typeName, pos(f.type));
                untyped.add(fieldName);
                continue;
            }
            FieldDecl field = new FieldDecl(fieldName, type.get(), pos(f));
            if (type.get() == FieldType.TIMESTAMP) {
                if (timestamp != null) {
                    diagnostics.add(ErrorCode.MULTIPLE_TIMESTAMPS, pos(f), "event `" + name
                            + "` has more than one timestamp field: `" + timestamp.name() + "` and `" + fieldName
                            + "`; only one can be the event's time");
                } else {
                    timestamp = field;
                }
            }
            byName.put(fieldName, field);
            fields.add(field);
        }
        if (!untyped.isEmpty()) {
            untypedFields.computeIfAbsent(name, n -> new HashSet<>()).addAll(untyped);
        }
        EventDecl decl = new EventDecl(name, fields, fileName, pos(ctx));
        namePositions.put(decl, pos(ctx.name));
        return decl;
    }

    private static Optional<FieldType> fieldType(String name) {
        return Arrays.stream(FieldType.values()).filter(t -> t.keyword().equals(name)).findFirst();
    }

    /** Reports a field type that does not exist, with the nearest one or the list. */
    private void unknownType(String name, Position at) {
        List<String> types = Arrays.stream(FieldType.values()).map(FieldType::keyword).toList();
        String hint = Suggest.nearest(name, types)
                .map(s -> "; did you mean `" + s + "`?")
                .orElse("; types are " + Suggest.join(types, "and"));
        diagnostics.add(ErrorCode.UNKNOWN_FIELD_TYPE, at, "unknown type `" + name + "`" + hint);
    }

    // --------------------------------------------------------------------------------------------
    // Table declarations

    /** A table declaration; empty (reported) when a field has an unknown type or no field is a key. */
    private Optional<TableDecl> table(RulesParser.TableDeclContext ctx) {
        String name = ctx.name.getText();
        List<FieldDecl> fields = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean broken = false;
        for (RulesParser.TableFieldContext f : ctx.tableField()) {
            String fieldName = f.name.getText();
            String typeName = f.type.getText();
            Optional<FieldType> type = fieldType(typeName);
            if (!seen.add(fieldName)) {
                diagnostics.add(ErrorCode.DUPLICATE_FIELD, pos(f),
                        "duplicate field `" + fieldName + "` in table `" + name + "`");
                continue;
            }
            if (type.isEmpty()) {
                unknownType(typeName, pos(f.type));
                broken = true;
                continue;
            }
            fields.add(new FieldDecl(fieldName, type.get(), pos(f)));
            if (f.KEY() != null) {
                keys.add(fieldName);
            }
        }
        if (keys.isEmpty() && !broken) {
            diagnostics.add(ErrorCode.MISSING_TABLE_KEY, pos(ctx.name), "table `" + name + "` has no key: mark the"
                    + " field (or fields) rows are looked up by with `key`, as in `" + (fields.isEmpty() ? "id"
                    : fields.get(0).name()) + " " + (fields.isEmpty() ? "string" : fields.get(0).type().keyword())
                    + " key`");
            return Optional.empty();
        }
        if (broken) {
            return Optional.empty();
        }
        TableDecl decl = new TableDecl(name, fields, keys, fileName, pos(ctx));
        tablePositions.put(decl, pos(ctx.name));
        return Optional.of(decl);
    }

    // --------------------------------------------------------------------------------------------
    // Rules

    private Optional<Rule> rule(RulesParser.RuleDeclContext ctx) {
        String id = ctx.id.getText();
        Optional<String> title = ctx.title == null
                ? Optional.empty()
                : Optional.of(Literals.decodeString(ctx.title.getText(), pos(ctx.title), diagnostics).text());
        Map<String, RulesParser.ClauseContext> seen = new HashMap<>();
        Condition when = null;
        boolean whenWritten = false;
        List<KeyExpr> key = List.of();
        Severity severity = Severity.WARNING;
        Optional<MessageTemplate> message = Optional.empty();
        List<Ident> channels = List.of();
        Optional<TimeSpan> throttle = Optional.empty();
        List<Label> labels = List.of();
        boolean enabled = true;
        Mode mode = Mode.LIVE;
        // The mode clause is not part of the rule's text: switching between shadow and live keeps state.
        Interval modeTokens = null;
        ExprBuilder exprs = new ExprBuilder(Parsing.FILE);
        for (RulesParser.ClauseContext clause : ctx.clause()) {
            String name = clause.getStart().getText();
            RulesParser.ClauseContext first = seen.putIfAbsent(name, clause);
            if (first != null) {
                diagnostics.add(ErrorCode.REPEATED_CLAUSE, pos(clause), "repeated clause `" + name
                        + "`; a rule has at most one (the first is at line " + first.getStart().getLine() + ")");
                continue;
            }
            if (clause instanceof RulesParser.WhenClauseContext c) {
                whenWritten = true;
                when = condition(c.condition(), exprs);
            } else if (clause instanceof RulesParser.KeyClauseContext c) {
                key = c.expr().stream().map(e -> new KeyExpr(sourceText(e), exprs.visit(e))).toList();
            } else if (clause instanceof RulesParser.SeverityClauseContext c) {
                severity = severity(c.value);
            } else if (clause instanceof RulesParser.MessageClauseContext c) {
                message = template(c.STRING().getSymbol());
            } else if (clause instanceof RulesParser.NotifyClauseContext c) {
                channels = c.identifier().stream().map(this::ident).toList();
            } else if (clause instanceof RulesParser.ThrottleClauseContext c) {
                throttle = Optional.of(duration(c.duration()));
            } else if (clause instanceof RulesParser.LabelsClauseContext c) {
                labels = labels(c);
            } else if (clause instanceof RulesParser.EnabledClauseContext c) {
                enabled = enabled(c.value);
            } else if (clause instanceof RulesParser.ModeClauseContext c) {
                mode = mode(c.value);
                modeTokens = Interval.of(c.getStart().getTokenIndex(), c.getStop().getTokenIndex());
            }
        }
        if (when == null) {
            if (!whenWritten) {
                diagnostics.add(ErrorCode.MISSING_CLAUSE, pos(ctx), "rule `" + id + "` has no `when` clause");
            }
            brokenRuleIds.add(id);
            return Optional.empty();
        }
        StringBuilder text = new StringBuilder();
        for (int i = ctx.getStart().getTokenIndex(); i <= ctx.getStop().getTokenIndex(); i++) {
            if (modeTokens != null && modeTokens.properlyContains(Interval.of(i, i))) {
                continue;
            }
            if (!text.isEmpty()) {
                text.append(' ');
            }
            text.append(tokens.get(i).getText());
        }
        Rule rule = new Rule(id, title, when, key, severity, message, channels, throttle, labels, enabled, mode, fileName,
                text.toString(), pos(ctx));
        idPositions.put(rule, pos(ctx.id));
        return Optional.of(rule);
    }

    private String sourceText(ParserRuleContext ctx) {
        Token start = ctx.getStart();
        Token stop = ctx.getStop();
        return start.getInputStream().getText(Interval.of(start.getStartIndex(), stop.getStopIndex()));
    }

    private Severity severity(Token value) {
        String text = value.getText();
        List<String> names = Arrays.stream(Severity.values()).map(Severity::keyword).toList();
        for (Severity s : Severity.values()) {
            if (s.keyword().equals(text)) {
                return s;
            }
        }
        String hint = Suggest.nearest(text, names)
                .map(s -> "; did you mean `" + s + "`?")
                .orElse("; use " + Suggest.join(names, "or"));
        diagnostics.add(ErrorCode.INVALID_VALUE, pos(value), "unknown severity `" + text + "`" + hint);
        return Severity.WARNING;
    }

    private boolean enabled(Token value) {
        if (value.getType() == RulesLexer.TRUE || value.getType() == RulesLexer.FALSE) {
            return value.getType() == RulesLexer.TRUE;
        }
        diagnostics.add(ErrorCode.INVALID_VALUE, pos(value),
                "`enabled` must be true or false, not `" + value.getText() + "`");
        return true;
    }

    private Mode mode(RulesParser.IdentifierContext value) {
        String text = value.getText();
        for (Mode m : Mode.values()) {
            if (m.keyword().equals(text)) {
                return m;
            }
        }
        List<String> names = Arrays.stream(Mode.values()).map(Mode::keyword).toList();
        String hint = Suggest.nearest(text, names)
                .map(s -> "; did you mean `" + s + "`?")
                .orElse("; use " + Suggest.join(names, "or"));
        diagnostics.add(ErrorCode.INVALID_VALUE, pos(value), "unknown mode `" + text + "`" + hint);
        return Mode.LIVE;
    }

    private List<Label> labels(RulesParser.LabelsClauseContext ctx) {
        List<Label> labels = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (RulesParser.LabelContext l : ctx.label()) {
            String name = l.name.getText();
            if (!names.add(name)) {
                diagnostics.add(ErrorCode.INVALID_VALUE, pos(l), "duplicate label `" + name + "`");
                continue;
            }
            String value = Literals.decodeString(l.value.getText(), pos(l.value), diagnostics).text();
            labels.add(new Label(name, value, pos(l)));
        }
        return labels;
    }

    private TimeSpan duration(RulesParser.DurationContext ctx) {
        return Literals.duration(ctx.MINUS() != null, ctx.NUMBER().getText(), ctx.unit.getText(), pos(ctx),
                pos(ctx.unit), diagnostics);
    }

    // --------------------------------------------------------------------------------------------
    // Conditions

    /** The condition, or null when its structure is wrong (reported). */
    private Condition condition(RulesParser.ConditionContext ctx, ExprBuilder exprs) {
        if (ctx instanceof RulesParser.EplConditionContext c) {
            String raw = c.TRIPLE_STRING().getText();
            String statement = raw.substring(3, raw.length() - 3).strip();
            if (statement.isEmpty()) {
                diagnostics.add(ErrorCode.INVALID_VALUE, pos(c.TRIPLE_STRING().getSymbol()), "empty EPL statement");
            }
            return new Condition.Epl(statement, pos(c));
        }
        RulesParser.EventConditionContext c = (RulesParser.EventConditionContext) ctx;
        List<RulesParser.TermContext> terms = c.term();
        RulesParser.ConditionSuffixContext suffix = c.conditionSuffix();
        Position pos = pos(c);
        List<Ident> by = suffix.byClause() == null
                ? List.of()
                : suffix.byClause().identifier().stream().map(this::ident).toList();
        Optional<TimeSpan> within = suffix.within == null ? Optional.empty() : Optional.of(duration(suffix.within));
        Optional<TimeSpan> forDuration = suffix.forDuration == null
                ? Optional.empty()
                : Optional.of(duration(suffix.forDuration));
        RulesParser.TermContext first = terms.get(0);

        if (suffix.OVER() != null) {
            if (terms.size() != 1 || !(first instanceof RulesParser.EventTermContext single)
                    || single.tag != null || single.times != null) {
                Token at = terms.size() != 1 ? c.ARROW(0).getSymbol() : first.getStart();
                diagnostics.add(ErrorCode.SYNTAX, pos(at), "an aggregate condition takes one event type without "
                        + "a tag: `TYPE[(FILTER)] [by FIELD, ...] over WINDOW having EXPR`");
                return null;
            }
            if (within.isPresent()) {
                diagnostics.add(ErrorCode.SYNTAX, pos(suffix.WITHIN().getSymbol()),
                        "`within` does not apply to an aggregate condition: its window sets the time span");
            }
            return new Condition.Aggregate(eventRef(single.eventRef(), exprs), by, window(suffix.window()),
                    exprs.visit(suffix.having), forDuration, pos);
        }

        if (terms.size() == 1 && first instanceof RulesParser.AbsentTermContext absent) {
            Optional<TimeSpan> own = absent.duration() == null
                    ? Optional.empty()
                    : Optional.of(duration(absent.duration()));
            if (own.isPresent() && forDuration.isPresent()) {
                diagnostics.add(ErrorCode.REPEATED_CLAUSE, pos(suffix.FOR().getSymbol()),
                        "`for` is given twice; an absence condition has one duration");
            }
            Optional<TimeSpan> duration = own.or(() -> forDuration);
            if (duration.isEmpty()) {
                diagnostics.add(ErrorCode.MISSING_CLAUSE, pos(absent),
                        "`absent` needs a duration: `absent TYPE[(FILTER)] by FIELD for DURATION`");
                return null;
            }
            if (within.isPresent()) {
                diagnostics.add(ErrorCode.SYNTAX, pos(suffix.WITHIN().getSymbol()),
                        "`within` does not apply to an absence condition: its `for` sets the time span");
            }
            return new Condition.Absence(eventRef(absent.eventRef(), exprs), by, duration.get(), pos);
        }

        if (terms.size() == 1 && first instanceof RulesParser.EventTermContext single && single.tag == null
                && single.times == null && by.isEmpty() && within.isEmpty() && forDuration.isEmpty()) {
            return new Condition.Filter(eventRef(single.eventRef(), exprs), pos);
        }

        boolean forUsed = false;
        boolean ok = true;
        List<PatternTerm> built = new ArrayList<>();
        for (int i = 0; i < terms.size(); i++) {
            RulesParser.TermContext term = terms.get(i);
            if (term instanceof RulesParser.EventTermContext t) {
                built.add(eventTerm(t.tag, t.eventRef(), t.times, pos(t), exprs));
            } else if (term instanceof RulesParser.AbsentTermContext t) {
                Optional<TimeSpan> duration = t.duration() == null
                        ? Optional.empty()
                        : Optional.of(duration(t.duration()));
                if (duration.isEmpty() && i == terms.size() - 1 && forDuration.isPresent()) {
                    duration = forDuration;
                    forUsed = true;
                }
                if (duration.isEmpty()) {
                    diagnostics.add(ErrorCode.MISSING_CLAUSE, pos(t),
                            "`absent` needs a duration: `absent TYPE[(FILTER)] for DURATION`");
                    ok = false;
                    continue;
                }
                built.add(new PatternTerm.AbsentTerm(eventRef(t.eventRef(), exprs), duration.get(), pos(t)));
            } else if (term instanceof RulesParser.GroupTermContext t) {
                PatternTerm group = group(t, exprs);
                if (group == null) {
                    ok = false;
                } else {
                    built.add(group);
                }
            }
        }
        if (forDuration.isPresent() && !forUsed) {
            diagnostics.add(ErrorCode.SYNTAX, pos(suffix.FOR().getSymbol()), "`for` applies to aggregate "
                    + "conditions (`over ... having ... for D`) and `absent`; a pattern's time limit is `within`");
        }
        return ok ? new Condition.Pattern(built, by, within, pos) : null;
    }

    private PatternTerm group(RulesParser.GroupTermContext ctx, ExprBuilder exprs) {
        List<RulesParser.GroupOpContext> ops = ctx.groupOp();
        PatternTerm.GroupOp op = PatternTerm.GroupOp.AND;
        if (!ops.isEmpty()) {
            op = ops.get(0).AND() != null ? PatternTerm.GroupOp.AND : PatternTerm.GroupOp.OR;
            for (RulesParser.GroupOpContext other : ops) {
                if ((other.AND() != null) != (op == PatternTerm.GroupOp.AND)) {
                    diagnostics.add(ErrorCode.SYNTAX, pos(other),
                            "a group joins all its terms with `and` or all with `or`, not both");
                    return null;
                }
            }
        }
        List<PatternTerm.EventTerm> members = new ArrayList<>();
        for (RulesParser.GroupMemberContext m : ctx.groupMember()) {
            members.add(eventTerm(m.tag, m.eventRef(), m.times, pos(m), exprs));
        }
        if (members.size() == 1) {
            return members.get(0);
        }
        return new PatternTerm.Group(op, members, pos(ctx));
    }

    private PatternTerm.EventTerm eventTerm(RulesParser.IdentifierContext tag, RulesParser.EventRefContext event,
                                            RulesParser.SignedNumberContext times, Position pos, ExprBuilder exprs) {
        long count = 1;
        if (times != null) {
            Long n = Literals.wholeNumber(times.MINUS() != null, times.NUMBER().getText());
            if (n == null || n < 1) {
                diagnostics.add(ErrorCode.INVALID_TIMES, pos(times),
                        "`times` needs a whole number of at least 1, not " + times.getText());
            } else if (n > MAX_TIMES) {
                diagnostics.add(ErrorCode.INVALID_TIMES, pos(times), "`times` is at most " + MAX_TIMES + ", not "
                        + times.getText() + " (each repetition is a step of the pattern; to count many events, "
                        + "write an aggregate: `when TYPE by KEY over sliding D having count() >= N`)");
            } else {
                count = n;
            }
        }
        return new PatternTerm.EventTerm(Optional.ofNullable(tag).map(RulesParser.IdentifierContext::getText),
                eventRef(event, exprs), count, pos);
    }

    private EventRef eventRef(RulesParser.EventRefContext ctx, ExprBuilder exprs) {
        Optional<Expr> filter = ctx.filter == null ? Optional.empty() : Optional.of(exprs.visit(ctx.filter));
        return new EventRef(ident(ctx.type), filter, pos(ctx));
    }

    private Window window(RulesParser.WindowContext ctx) {
        Position pos = pos(ctx);
        if (ctx instanceof RulesParser.SlidingWindowContext w) {
            return new Window.Sliding(duration(w.duration()), pos);
        } else if (ctx instanceof RulesParser.TumblingWindowContext w) {
            return new Window.Tumbling(duration(w.duration()), pos);
        } else if (ctx instanceof RulesParser.HoppingWindowContext w) {
            return new Window.Hopping(duration(w.size), duration(w.every), pos);
        } else if (ctx instanceof RulesParser.SessionWindowContext w) {
            return new Window.Session(duration(w.duration()), pos);
        }
        RulesParser.LengthWindowContext w = (RulesParser.LengthWindowContext) ctx;
        RulesParser.SignedNumberContext n = w.signedNumber();
        Long count = Literals.wholeNumber(n.MINUS() != null, n.NUMBER().getText());
        if (count == null || count < 1) {
            diagnostics.add(ErrorCode.INVALID_VALUE, pos(n),
                    "`last` needs a whole number of events of at least 1, not " + n.getText());
            count = 1L;
        }
        return new Window.Length(count, pos);
    }

    // --------------------------------------------------------------------------------------------
    // Message templates

    /**
     * Splits a message into text and placeholders; each placeholder's expression is parsed on its
     * own, with positions that point into the rule file. Empty when anything is wrong (reported).
     */
    private Optional<MessageTemplate> template(Token token) {
        Position start = pos(token);
        Literals.Decoded decoded = Literals.decodeString(token.getText(), start, diagnostics);
        String s = decoded.text();
        int[] columns = decoded.columns();
        int line = start.line();
        List<MessageTemplate.Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        boolean ok = true;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                literal.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                literal.append('}');
                i += 2;
            } else if (c == '}') {
                diagnostics.add(ErrorCode.SYNTAX, new Position(line, columns[i]),
                        "unmatched `}` in message; write `}}` for a literal brace");
                ok = false;
                i++;
            } else if (c == '{') {
                int[] found = placeholderEnd(s, i + 1);
                int close = found[0];
                int colon = found[1];
                if (close < 0) {
                    diagnostics.add(ErrorCode.SYNTAX, new Position(line, columns[i]),
                            "unclosed `{` in message; write `{{` for a literal brace");
                    return Optional.empty();
                }
                int exprEnd = colon >= 0 ? colon : close;
                String exprText = s.substring(i + 1, exprEnd);
                Optional<MessageTemplate.Placeholder> placeholder =
                        placeholder(exprText, i + 1, colon >= 0 ? s.substring(colon + 1, close) : null,
                                line, columns, i);
                if (placeholder.isEmpty()) {
                    ok = false;
                } else {
                    if (literal.length() > 0) {
                        parts.add(new MessageTemplate.Text(literal.toString()));
                        literal.setLength(0);
                    }
                    parts.add(placeholder.get());
                }
                i = close + 1;
            } else {
                literal.append(c);
                i++;
            }
        }
        if (literal.length() > 0) {
            parts.add(new MessageTemplate.Text(literal.toString()));
        }
        return ok ? Optional.of(new MessageTemplate(parts, start)) : Optional.empty();
    }

    private Optional<MessageTemplate.Placeholder> placeholder(String exprText, int offset, String pattern, int line,
                                                              int[] columns, int bracePos) {
        if (exprText.isBlank()) {
            diagnostics.add(ErrorCode.SYNTAX, new Position(line, columns[bracePos]),
                    "empty placeholder in message; write `{{` for a literal brace");
            return Optional.empty();
        }
        Parsing.TokenPositions positions = t -> {
            int index = Math.min(Math.max(0, offset + t.getStartIndex()), columns.length - 1);
            return new Position(line, columns[index]);
        };
        int before = diagnostics.count();
        Optional<Parsing.Result<RulesParser.TemplateExprContext>> parsed =
                Parsing.parseExpression(exprText, positions, diagnostics);
        if (parsed.isEmpty() || !parsed.get().errorTokens().isEmpty() || diagnostics.count() > before) {
            return Optional.empty();
        }
        Expr expr = new ExprBuilder(positions).visit(parsed.get().tree().expr());
        if (diagnostics.count() > before) {
            return Optional.empty();
        }
        if (pattern != null) {
            Position patternPos = new Position(line, columns[Math.min(offset + exprText.length() + 1, columns.length - 1)]);
            if (pattern.isBlank()) {
                diagnostics.add(ErrorCode.INVALID_VALUE, patternPos, "empty number pattern after `:` in message");
                return Optional.empty();
            }
            try {
                new DecimalFormat(pattern);
            } catch (IllegalArgumentException e) {
                diagnostics.add(ErrorCode.INVALID_VALUE, patternPos,
                        "invalid number pattern `" + pattern + "`: " + e.getMessage());
                return Optional.empty();
            }
        }
        return Optional.of(new MessageTemplate.Placeholder(expr, exprText.strip(), Optional.ofNullable(pattern)));
    }

    /**
     * Where a placeholder starting at {@code from} ends: {@code [index of its '}', index of the ':'
     * before its pattern or -1]}, or {@code [-1, -1]} when it is not closed. Strings and brackets
     * inside the expression may hold ':' and '}'.
     */
    private static int[] placeholderEnd(String s, int from) {
        int depth = 0;
        boolean inString = false;
        int colon = -1;
        for (int j = from; j < s.length(); j++) {
            char c = s.charAt(j);
            if (colon >= 0) {
                if (c == '}') {
                    return new int[] {j, colon};
                }
                continue;
            }
            if (inString) {
                if (c == '\\') {
                    j++;
                } else if (c == '"') {
                    inString = false;
                }
                continue;
            }
            switch (c) {
                case '"' -> inString = true;
                case '(', '[' -> depth++;
                case ')', ']' -> depth--;
                case ':' -> {
                    if (depth <= 0) {
                        colon = j;
                    }
                }
                case '}' -> {
                    return new int[] {j, -1};
                }
                default -> {
                }
            }
        }
        return new int[] {-1, -1};
    }

    // --------------------------------------------------------------------------------------------
    // Expressions

    /** Builds expressions; {@code positions} maps tokens into the rule file. */
    private final class ExprBuilder extends RulesBaseVisitor<Expr> {
        private final Parsing.TokenPositions positions;

        ExprBuilder(Parsing.TokenPositions positions) {
            this.positions = positions;
        }

        private Position at(Token token) {
            return positions.of(token);
        }

        private Position at(ParserRuleContext ctx) {
            return positions.of(ctx.getStart());
        }

        @Override
        public Expr visitExpr(RulesParser.ExprContext ctx) {
            return visit(ctx.orExpr());
        }

        @Override
        public Expr visitTemplateExpr(RulesParser.TemplateExprContext ctx) {
            return visit(ctx.expr());
        }

        @Override
        public Expr visitOrExpr(RulesParser.OrExprContext ctx) {
            // Each list is fetched once: ctx.andExpr(i) scans all children, which is quadratic on
            // a long chain.
            List<RulesParser.AndExprContext> operands = ctx.andExpr();
            Expr result = visit(operands.get(0));
            for (int i = 1; i < operands.size(); i++) {
                result = new Expr.Binary(Expr.BinaryOp.OR, result, visit(operands.get(i)), result.pos());
            }
            return result;
        }

        @Override
        public Expr visitAndExpr(RulesParser.AndExprContext ctx) {
            List<RulesParser.NotExprContext> operands = ctx.notExpr();
            Expr result = visit(operands.get(0));
            for (int i = 1; i < operands.size(); i++) {
                result = new Expr.Binary(Expr.BinaryOp.AND, result, visit(operands.get(i)), result.pos());
            }
            return result;
        }

        @Override
        public Expr visitNot(RulesParser.NotContext ctx) {
            return new Expr.Not(visit(ctx.notExpr()), at(ctx));
        }

        @Override
        public Expr visitNotPredicate(RulesParser.NotPredicateContext ctx) {
            return visit(ctx.predicate());
        }

        @Override
        public Expr visitPredicate(RulesParser.PredicateContext ctx) {
            Expr left = visit(ctx.additive());
            RulesParser.PredicateTailContext tail = ctx.predicateTail();
            Position pos = left.pos();
            if (tail == null) {
                return left;
            } else if (tail instanceof RulesParser.ComparisonContext c) {
                return new Expr.Binary(compareOp(c.compareOp()), left, visit(c.additive()), pos);
            } else if (tail instanceof RulesParser.InListContext c) {
                return new Expr.InList(left, c.expr().stream().map(this::visit).toList(), c.NOT() != null, pos);
            } else if (tail instanceof RulesParser.InTableContext c) {
                return new Expr.InTable(left, c.table.getText(), c.NOT() != null, pos);
            } else if (tail instanceof RulesParser.BetweenContext c) {
                return new Expr.Between(left, visit(c.low), visit(c.high), pos);
            } else if (tail instanceof RulesParser.MatchesContext c) {
                Token regex = c.STRING().getSymbol();
                return new Expr.Matches(left, Literals.decodeString(regex.getText(), at(regex), diagnostics).text(),
                        pos);
            }
            RulesParser.IsNullContext c = (RulesParser.IsNullContext) tail;
            return new Expr.IsNull(left, c.NOT() != null, pos);
        }

        private Expr.BinaryOp compareOp(RulesParser.CompareOpContext ctx) {
            switch (ctx.getStart().getType()) {
                case RulesLexer.EQ:
                    return Expr.BinaryOp.EQ;
                case RulesLexer.NE:
                    return Expr.BinaryOp.NE;
                case RulesLexer.LT:
                    return Expr.BinaryOp.LT;
                case RulesLexer.LE:
                    return Expr.BinaryOp.LE;
                case RulesLexer.GT:
                    return Expr.BinaryOp.GT;
                default:
                    return Expr.BinaryOp.GE;
            }
        }

        @Override
        public Expr visitAdditive(RulesParser.AdditiveContext ctx) {
            List<RulesParser.MultiplicativeContext> operands = ctx.multiplicative();
            List<RulesParser.AdditiveOpContext> ops = ctx.additiveOp();
            Expr result = visit(operands.get(0));
            for (int i = 1; i < operands.size(); i++) {
                Expr.BinaryOp op = ops.get(i - 1).PLUS() != null ? Expr.BinaryOp.ADD : Expr.BinaryOp.SUB;
                result = new Expr.Binary(op, result, visit(operands.get(i)), result.pos());
            }
            return result;
        }

        @Override
        public Expr visitMultiplicative(RulesParser.MultiplicativeContext ctx) {
            List<RulesParser.UnaryContext> operands = ctx.unary();
            List<RulesParser.MultiplicativeOpContext> ops = ctx.multiplicativeOp();
            Expr result = visit(operands.get(0));
            for (int i = 1; i < operands.size(); i++) {
                RulesParser.MultiplicativeOpContext opCtx = ops.get(i - 1);
                Expr.BinaryOp op = opCtx.STAR() != null
                        ? Expr.BinaryOp.MUL
                        : opCtx.SLASH() != null ? Expr.BinaryOp.DIV : Expr.BinaryOp.MOD;
                result = new Expr.Binary(op, result, visit(operands.get(i)), result.pos());
            }
            return result;
        }

        @Override
        public Expr visitNegate(RulesParser.NegateContext ctx) {
            // A minus written directly before a number is part of the literal: `-3` is a number.
            if (ctx.unary() instanceof RulesParser.UnaryPrimaryContext p
                    && p.primary() instanceof RulesParser.NumberLiteralContext n) {
                return number("-" + n.NUMBER().getText(), at(ctx));
            }
            return new Expr.Negate(visit(ctx.unary()), at(ctx));
        }

        @Override
        public Expr visitUnaryPrimary(RulesParser.UnaryPrimaryContext ctx) {
            return visit(ctx.primary());
        }

        @Override
        public Expr visitNumberLiteral(RulesParser.NumberLiteralContext ctx) {
            return number(ctx.NUMBER().getText(), at(ctx));
        }

        private Expr number(String text, Position pos) {
            boolean integral = text.chars().noneMatch(ch -> ch == '.' || ch == 'e' || ch == 'E');
            double value = Double.parseDouble(text);
            if (integral && new java.math.BigInteger(text).bitLength() > 63) {
                diagnostics.add(ErrorCode.INVALID_VALUE, pos, "number too large: " + text);
            } else if (Double.isInfinite(value)) {
                diagnostics.add(ErrorCode.INVALID_VALUE, pos, "number out of range: " + text);
            }
            return new Expr.NumberLit(text, value, integral, pos);
        }

        @Override
        public Expr visitStringLiteral(RulesParser.StringLiteralContext ctx) {
            Token token = ctx.STRING().getSymbol();
            return new Expr.StringLit(Literals.decodeString(token.getText(), at(token), diagnostics).text(), at(ctx));
        }

        @Override
        public Expr visitTrueLiteral(RulesParser.TrueLiteralContext ctx) {
            return new Expr.BoolLit(true, at(ctx));
        }

        @Override
        public Expr visitFalseLiteral(RulesParser.FalseLiteralContext ctx) {
            return new Expr.BoolLit(false, at(ctx));
        }

        @Override
        public Expr visitNullLiteral(RulesParser.NullLiteralContext ctx) {
            return new Expr.NullLit(at(ctx));
        }

        @Override
        public Expr visitCall(RulesParser.CallContext ctx) {
            String name = ctx.name.getText();
            Position pos = at(ctx);
            List<Expr> args = ctx.expr().stream().map(this::visit).toList();
            Optional<Expr.AggregateFunction> aggregate = Arrays.stream(Expr.AggregateFunction.values())
                    .filter(f -> f.keyword().equals(name))
                    .findFirst();
            if (aggregate.isPresent()) {
                int expected = aggregate.get() == Expr.AggregateFunction.COUNT ? 0 : 1;
                if (args.size() != expected) {
                    diagnostics.add(ErrorCode.WRONG_ARGUMENTS, pos, argumentsMessage(name, expected, expected,
                            args.size()));
                }
                return new Expr.Aggregate(aggregate.get(), args.stream().findFirst(), pos);
            }
            int[] arity = FUNCTIONS.get(name);
            if (arity == null) {
                String hint = Suggest.nearest(name, FUNCTION_NAMES)
                        .map(s -> "; did you mean `" + s + "`?")
                        .orElse("; functions are " + Suggest.join(FUNCTION_NAMES, "and"));
                diagnostics.add(ErrorCode.UNKNOWN_FUNCTION, pos, "unknown function `" + name + "`" + hint);
            } else if (args.size() < arity[0] || args.size() > arity[1]) {
                diagnostics.add(ErrorCode.WRONG_ARGUMENTS, pos, argumentsMessage(name, arity[0], arity[1],
                        args.size()));
            }
            return new Expr.Call(name, args, pos);
        }

        @Override
        public Expr visitQualifiedField(RulesParser.QualifiedFieldContext ctx) {
            OptionalInt index = OptionalInt.empty();
            if (ctx.index != null) {
                Long n = Literals.wholeNumber(false, ctx.index.getText());
                if (n == null || n > Integer.MAX_VALUE) {
                    diagnostics.add(ErrorCode.INVALID_VALUE, at(ctx.index),
                            "an index must be a whole number, not " + ctx.index.getText());
                } else {
                    index = OptionalInt.of(n.intValue());
                }
            }
            return new Expr.FieldRef(Optional.of(ctx.tag.getText()), index, ctx.field.getText(), at(ctx));
        }

        @Override
        public Expr visitLookup(RulesParser.LookupContext ctx) {
            return new Expr.Lookup(ctx.table.getText(), ctx.expr().stream().map(this::visit).toList(),
                    ctx.field.getText(), at(ctx));
        }

        @Override
        public Expr visitField(RulesParser.FieldContext ctx) {
            return Expr.FieldRef.of(ctx.field.getText(), at(ctx));
        }

        @Override
        public Expr visitParens(RulesParser.ParensContext ctx) {
            return visit(ctx.expr());
        }
    }

    static String argumentsMessage(String name, int min, int max, int got) {
        String takes;
        if (max == 0) {
            takes = "no arguments";
        } else if (min == max) {
            takes = min + (min == 1 ? " argument" : " arguments");
        } else {
            takes = min + " or " + max + " arguments";
        }
        return "`" + name + "` takes " + takes + ", got " + got;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    static boolean isTerminal(ParseTree tree) {
        return tree instanceof TerminalNode;
    }
}
