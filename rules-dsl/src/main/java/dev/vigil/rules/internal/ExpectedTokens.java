package dev.vigil.rules.internal;

import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.antlr.v4.runtime.Vocabulary;
import org.antlr.v4.runtime.atn.ATN;
import org.antlr.v4.runtime.atn.ATNState;
import org.antlr.v4.runtime.atn.RuleStopState;
import org.antlr.v4.runtime.atn.RuleTransition;
import org.antlr.v4.runtime.atn.Transition;
import org.antlr.v4.runtime.misc.IntervalSet;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the parser would have accepted where a syntax error was found.
 *
 * <p>ANTLR's own expected set only looks forward from where the parser stands when it notices
 * the error, so after {@code by cardId} it would offer the next clauses but not {@code within},
 * because the optional {@code within} was already skipped. Like Trino's ErrorHandler, this runs
 * the grammar's ATN as a nondeterministic automaton over the tokens of the current rule (or event
 * declaration) up to the offending token, and collects every token some path could take there.
 */
final class ExpectedTokens {
    /** Beyond these, simulating costs more than a better message is worth: ANTLR's set is used. */
    private static final int MAX_TOKENS = 5_000;
    private static final int MAX_CONFIGURATIONS = 10_000;

    private static final Set<Integer> CLAUSE_TOKENS = Set.of(RulesLexer.WHEN, RulesLexer.KEY, RulesLexer.SEVERITY,
            RulesLexer.MESSAGE, RulesLexer.NOTIFY, RulesLexer.THROTTLE, RulesLexer.LABELS, RulesLexer.ENABLED,
            RulesLexer.MODE);
    private static final Set<Integer> EXPRESSION_START = Set.of(RulesLexer.NUMBER, RulesLexer.STRING,
            RulesLexer.TRUE, RulesLexer.FALSE, RulesLexer.NULL, RulesLexer.LPAREN, RulesLexer.MINUS);

    private static final Set<Integer> OPERATORS = Set.of(RulesLexer.EQ, RulesLexer.NE, RulesLexer.LT, RulesLexer.LE,
            RulesLexer.GT, RulesLexer.GE, RulesLexer.PLUS, RulesLexer.MINUS, RulesLexer.STAR, RulesLexer.SLASH,
            RulesLexer.PERCENT);

    /** Token type to how it is named in a message, in token order. */
    private final TreeMap<Integer, String> names;
    /** The keywords among them, for "did you mean". */
    private final Set<String> keywords;
    private final boolean expectsClause;

    private ExpectedTokens(TreeMap<Integer, String> names, Set<String> keywords, boolean expectsClause) {
        this.names = names;
        this.keywords = keywords;
        this.expectsClause = expectsClause;
    }

    Set<String> keywords() {
        return keywords;
    }

    boolean contains(int type) {
        return names.containsKey(type);
    }

    /** True where a new clause could start (so an unknown word there is an unknown clause). */
    boolean expectsClause() {
        return expectsClause;
    }

    /**
     * {@code ',', 'within', '->', 'by' or '}'}, with groups named ("a clause", "an expression"): a
     * comma first, closing brackets and the end last, everything else in grammar order.
     */
    String describe() {
        TreeMap<Integer, String> shown = new TreeMap<>(names);
        boolean clause = shown.keySet().containsAll(CLAUSE_TOKENS);
        if (clause) {
            CLAUSE_TOKENS.forEach(shown::remove);
        }
        if (shown.keySet().containsAll(EXPRESSION_START) && "a name".equals(shown.get(RulesLexer.ID))) {
            EXPRESSION_START.forEach(shown::remove);
            shown.remove(RulesLexer.ID);
            shown.remove(RulesLexer.NOT);
            shown.put(RulesLexer.NUMBER, "an expression");
        }
        if (shown.keySet().containsAll(OPERATORS)) {
            OPERATORS.forEach(shown::remove);
            shown.put(RulesLexer.EQ, "an operator");
        }
        List<String> items = new ArrayList<>();
        List<Integer> last = List.of(RulesLexer.RPAREN, RulesLexer.RBRACKET, RulesLexer.RBRACE, Token.EOF);
        String comma = shown.remove(RulesLexer.COMMA);
        if (comma != null) {
            items.add(comma);
        }
        shown.forEach((type, name) -> {
            if (!last.contains(type)) {
                items.add(name);
            }
        });
        if (clause) {
            items.add("a clause");
        }
        for (int type : last) {
            if (shown.containsKey(type)) {
                items.add(shown.get(type));
            }
        }
        return items.isEmpty() ? "nothing more" : Suggest.join(items, "or");
    }

    static ExpectedTokens at(Parser parser, Token offending) {
        ExpectedTokens simulated = simulate(parser, offending);
        return simulated != null ? simulated : fromSet(parser.getExpectedTokens(), parser.getVocabulary());
    }

    private static ExpectedTokens fromSet(IntervalSet set, Vocabulary vocabulary) {
        TreeMap<Integer, String> names = new TreeMap<>();
        Set<String> keywords = new HashSet<>();
        boolean nameExpected = set.contains(RulesLexer.ID);
        for (int type : set.toList()) {
            if (nameExpected && type != RulesLexer.ID && isSoftKeyword(type)) {
                continue;
            }
            add(names, keywords, type, type == RulesLexer.ID ? "a name" : null, vocabulary);
        }
        return new ExpectedTokens(names, keywords, names.keySet().containsAll(CLAUSE_TOKENS));
    }

    /** The keywords the grammar's {@code identifier} rule also accepts as names. */
    private static final Set<Integer> SOFT_KEYWORDS = Set.of(RulesLexer.EVENT, RulesLexer.TABLE, RulesLexer.RULE, RulesLexer.WHEN,
            RulesLexer.KEY, RulesLexer.SEVERITY, RulesLexer.MESSAGE, RulesLexer.NOTIFY, RulesLexer.THROTTLE,
            RulesLexer.LABELS, RulesLexer.ENABLED, RulesLexer.MODE, RulesLexer.EPL, RulesLexer.TIMES, RulesLexer.ABSENT,
            RulesLexer.BY,
            RulesLexer.WITHIN, RulesLexer.OVER, RulesLexer.HAVING, RulesLexer.FOR, RulesLexer.SLIDING,
            RulesLexer.TUMBLING, RulesLexer.HOPPING, RulesLexer.EVERY, RulesLexer.SESSION, RulesLexer.LAST,
            RulesLexer.EVENTS);

    private static boolean isSoftKeyword(int type) {
        return SOFT_KEYWORDS.contains(type);
    }

    private static void add(TreeMap<Integer, String> names, Set<String> keywords, int type, String idRole,
                            Vocabulary vocabulary) {
        if (type == Token.EOF) {
            names.put(type, "end of input");
            return;
        }
        if (type == RulesLexer.ID) {
            names.merge(type, idRole, (a, b) -> a.equals(b) ? a : a + " or " + b);
            return;
        }
        String literal = vocabulary.getLiteralName(type);
        if (literal != null) {
            names.put(type, literal);
            String word = literal.substring(1, literal.length() - 1);
            if (Character.isLetter(word.charAt(0))) {
                keywords.add(word);
            }
            return;
        }
        switch (type) {
            case RulesLexer.NUMBER -> names.put(type, "a number");
            case RulesLexer.STRING -> names.put(type, "a string");
            case RulesLexer.TRIPLE_STRING -> names.put(type, "a \"\"\"string\"\"\"");
            default -> names.put(type, vocabulary.getDisplayName(type));
        }
    }

    // --------------------------------------------------------------------------------------------
    // The simulation

    /** An ATN state with the stack of states to return to; {@code stack} null is empty. */
    private record Config(ATNState state, Stack stack) {
    }

    /** An immutable call stack of return states, compared without recursion. */
    private static final class Stack {
        final ATNState returnState;
        final Stack next;
        final int hash;

        Stack(ATNState returnState, Stack next) {
            this.returnState = returnState;
            this.next = next;
            this.hash = 31 * Objects.hashCode(next) + returnState.stateNumber;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Stack)) {
                return false;
            }
            Stack a = this;
            Stack b = (Stack) o;
            while (a != null && b != null) {
                if (a == b) {
                    return true;
                }
                if (a.hash != b.hash || a.returnState.stateNumber != b.returnState.stateNumber) {
                    return false;
                }
                a = a.next;
                b = b.next;
            }
            return a == b;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private static ExpectedTokens simulate(Parser parser, Token offending) {
        ParserRuleContext top = parser.getContext();
        if (top == null) {
            return null;
        }
        while (top.getParent() != null && !(top.getParent() instanceof RulesParser.FileContext)) {
            top = top.getParent();
        }
        if (top instanceof RulesParser.FileContext || top.getStart() == null) {
            return null;
        }
        int from = top.getStart().getTokenIndex();
        int to = offending.getTokenIndex();
        if (from < 0 || to < from || to - from > MAX_TOKENS) {
            return null;
        }
        ATN atn = parser.getATN();
        TokenStream tokens = parser.getInputStream();
        Set<Config> configs = closure(List.of(new Config(atn.ruleToStartState[top.getRuleIndex()], null)));
        for (int i = from; i < to; i++) {
            int type = tokens.get(i).getType();
            List<Config> next = new ArrayList<>();
            for (Config c : configs) {
                for (Transition t : transitions(c.state())) {
                    if (!t.isEpsilon() && t.matches(type, Token.MIN_USER_TOKEN_TYPE, atn.maxTokenType)) {
                        next.add(new Config(t.target, c.stack()));
                    }
                }
            }
            if (next.isEmpty()) {
                return null; // an earlier error was recovered from: the path is lost
            }
            configs = closure(next);
            if (configs.size() > MAX_CONFIGURATIONS) {
                return null;
            }
        }
        TreeMap<Integer, String> names = new TreeMap<>();
        Set<String> keywords = new HashSet<>();
        Vocabulary vocabulary = parser.getVocabulary();
        for (Config c : configs) {
            int rule = c.state().ruleIndex;
            for (Transition t : transitions(c.state())) {
                if (t.isEpsilon()) {
                    continue;
                }
                IntervalSet label = t.label();
                if (label == null) {
                    continue;
                }
                if (label.contains(offending.getType())) {
                    return null; // the parser disagrees (a predicate, say): trust its own set
                }
                for (int type : label.toList()) {
                    if (rule == RulesParser.RULE_identifier && type != RulesLexer.ID) {
                        continue; // a soft keyword accepted as a name: "a name" covers it
                    }
                    add(names, keywords, type, idRole(rule, label), vocabulary);
                }
            }
        }
        if (names.isEmpty()) {
            return null;
        }
        return new ExpectedTokens(names, keywords, names.keySet().containsAll(CLAUSE_TOKENS));
    }

    private static String idRole(int rule, IntervalSet label) {
        if (rule == RulesParser.RULE_duration) {
            return "a time unit (ms, s, min, h, d)";
        }
        if (rule == RulesParser.RULE_clause) {
            return label.contains(RulesLexer.TRUE) ? "true or false" : "a severity (info, warning, high, critical)";
        }
        return "a name";
    }

    private static List<Transition> transitions(ATNState state) {
        List<Transition> list = new ArrayList<>(state.getNumberOfTransitions());
        for (int i = 0; i < state.getNumberOfTransitions(); i++) {
            list.add(state.transition(i));
        }
        return list;
    }

    /** Every configuration reachable without consuming a token that can consume one. */
    private static Set<Config> closure(Collection<Config> start) {
        Set<Config> seen = new HashSet<>();
        Set<Config> result = new LinkedHashSet<>();
        Deque<Config> work = new ArrayDeque<>(start);
        while (!work.isEmpty()) {
            Config c = work.pop();
            if (!seen.add(c)) {
                continue;
            }
            ATNState state = c.state();
            if (state instanceof RuleStopState) {
                if (c.stack() != null) {
                    work.push(new Config(c.stack().returnState, c.stack().next));
                }
                continue; // the outermost construct ends here; what follows it is not its business
            }
            boolean consumes = false;
            for (Transition t : transitions(state)) {
                if (t instanceof RuleTransition call) {
                    work.push(new Config(call.target, new Stack(call.followState, c.stack())));
                } else if (t.isEpsilon()) {
                    work.push(new Config(t.target, c.stack()));
                } else {
                    consumes = true;
                }
            }
            if (consumes) {
                result.add(c);
            }
        }
        return result;
    }
}
