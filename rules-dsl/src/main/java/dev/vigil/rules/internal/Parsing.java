package dev.vigil.rules.internal;

import dev.vigil.rules.ErrorCode;
import dev.vigil.rules.ast.Position;
import org.antlr.v4.runtime.BaseErrorListener;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.CommonTokenStream;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Recognizer;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Runs the ANTLR lexer and parser and turns their complaints into diagnostics. */
final class Parsing {
    private Parsing() {
    }

    /** Where a token of the parsed text is in the rule file. */
    interface TokenPositions {
        Position of(Token token);
    }

    /** Positions of a whole file: the lexer's own line and column. */
    static final TokenPositions FILE = t -> new Position(t.getLine(), t.getCharPositionInLine() + 1);

    /**
     * A parse tree, its tokens, and the indexes of the tokens that syntax errors were reported at
     * (so the builder can skip the constructs that hold them).
     */
    record Result<T extends ParserRuleContext>(T tree, TokenStream tokens, Set<Integer> errorTokens,
                                               Set<Integer> unknownClauseTokens) {
    }

    static Optional<Result<RulesParser.FileContext>> parseFile(String text, Diagnostics diagnostics) {
        return parse(text, FILE, "end of input", diagnostics, RulesParser::file);
    }

    /** Parses the expression of a message placeholder; positions map back into the rule file. */
    static Optional<Result<RulesParser.TemplateExprContext>> parseExpression(
            String text, TokenPositions positions, Diagnostics diagnostics) {
        return parse(text, positions, "end of placeholder", diagnostics, RulesParser::templateExpr);
    }

    /**
     * The one place that builds a lexer and a parser. ANTLR's console listeners are replaced by one
     * that reports diagnostics; input nested too deeply for the parser's stack becomes a "rule is
     * too large" diagnostic at the start of the rule (or placeholder) instead of an exception.
     */
    private static <T extends ParserRuleContext> Optional<Result<T>> parse(
            String text, TokenPositions positions, String endName, Diagnostics diagnostics,
            Function<RulesParser, T> entry) {
        RulesLexer lexer = new RulesLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        CommonTokenStream tokens = new CommonTokenStream(lexer);
        tokens.fill();
        Token tooDeep = tooDeep(tokens.getTokens());
        if (tooDeep != null) {
            diagnostics.add(ErrorCode.TOO_LARGE, positions.of(tooDeep),
                    "rule is too large: it nests more than " + MAX_NESTING + " levels deep");
            return Optional.empty();
        }
        RulesParser parser = new RulesParser(tokens);
        parser.removeErrorListeners();
        SyntaxErrors listener = new SyntaxErrors(positions, endName, diagnostics);
        parser.addErrorListener(listener);
        try {
            T tree = entry.apply(parser);
            return Optional.of(new Result<>(tree, tokens, Set.copyOf(listener.errorTokens),
                    Set.copyOf(listener.unknownClauseTokens)));
        } catch (StackOverflowError e) {
            Token start = topLevelStart(parser);
            diagnostics.add(ErrorCode.TOO_LARGE, positions.of(start), "rule is too large: it nests too deeply");
            return Optional.empty();
        }
    }

    /**
     * How deep brackets and prefix operators may nest. The parser recurses for each level, so
     * input nested without bound would overflow the stack; a stack overflow inside ANTLR could
     * leave its shared prediction cache half-updated, so deep input is refused before parsing
     * (the catch above is only a safety net). Real rules nest a handful of levels; 64 parses in
     * interpreted mode on a 512 KB thread stack.
     */
    static final int MAX_NESTING = 64;

    /** The first token nested deeper than {@link #MAX_NESTING}, or null. */
    private static Token tooDeep(List<Token> tokens) {
        int depth = 0;
        int prefixRun = 0;
        for (Token t : tokens) {
            switch (t.getType()) {
                case RulesLexer.LPAREN, RulesLexer.LBRACKET, RulesLexer.LBRACE -> {
                    depth++;
                    prefixRun = 0;
                }
                case RulesLexer.RPAREN, RulesLexer.RBRACKET, RulesLexer.RBRACE -> {
                    depth = Math.max(0, depth - 1);
                    prefixRun = 0;
                }
                case RulesLexer.NOT, RulesLexer.MINUS -> prefixRun++;
                default -> prefixRun = 0;
            }
            if (depth + prefixRun > MAX_NESTING) {
                return t;
            }
        }
        return null;
    }

    /** The first token of the outermost construct (rule, event declaration) being parsed. */
    private static Token topLevelStart(Parser parser) {
        ParserRuleContext top = parser.getContext();
        if (top == null) {
            return parser.getCurrentToken();
        }
        top = topLevel(top);
        return top.getStart() != null ? top.getStart() : parser.getCurrentToken();
    }

    /** The outermost construct holding {@code ctx}: a rule, a declaration, or the parse's root. */
    static ParserRuleContext topLevel(ParserRuleContext ctx) {
        ParserRuleContext top = ctx;
        while (top.getParent() != null && !(top.getParent() instanceof RulesParser.FileContext)) {
            top = top.getParent();
        }
        return top;
    }

    /** The message for a clause name that is not one: the nearest clause, else the list of them. */
    static String unknownClause(String word) {
        Optional<String> near = Suggest.nearest(word, CLAUSES);
        return near.map(n -> "unknown clause `" + word + "`; did you mean `" + n + "`?")
                .orElse("unknown clause `" + word + "`; expected " + Suggest.orList(CLAUSES) + " (or `}`)");
    }

    private static final List<String> CLAUSES =
            List.of("when", "key", "severity", "message", "notify", "throttle", "labels", "enabled", "mode");

    /**
     * Reports syntax errors in words: what was found, what was expected. Only the first error of
     * each rule or declaration is reported: after it, ANTLR's recovery guesses, and what it then
     * finds is mostly noise. Later rules are reported again.
     */
    private static final class SyntaxErrors extends BaseErrorListener {
        private final TokenPositions positions;
        private final String endName;
        private final Diagnostics diagnostics;
        final Set<Integer> errorTokens = new HashSet<>();
        /** Misspelt clause names: recovery skips their line, the rest of the rule is still checked. */
        final Set<Integer> unknownClauseTokens = new HashSet<>();
        private final Set<Integer> reportedConstructs = new HashSet<>();

        SyntaxErrors(TokenPositions positions, String endName, Diagnostics diagnostics) {
            this.positions = positions;
            this.endName = endName;
            this.diagnostics = diagnostics;
        }

        @Override
        public void syntaxError(Recognizer<?, ?> recognizer, Object offendingSymbol, int line, int charPositionInLine,
                                String msg, RecognitionException e) {
            Parser parser = (Parser) recognizer;
            Token token = (Token) offendingSymbol;
            if (!errorTokens.add(token.getTokenIndex())) {
                return;
            }
            ParserRuleContext top = parser.getContext() == null ? null : topLevel(parser.getContext());
            if (top != null && !(top instanceof RulesParser.FileContext) && top.getStart() != null
                    && !reportedConstructs.add(top.getStart().getTokenIndex())) {
                return;
            }
            if (token.getType() == RulesLexer.UNTERMINATED_STRING) {
                diagnostics.add(ErrorCode.SYNTAX, positions.of(token),
                        "unterminated string: close it with `\"` on the same line");
                return;
            }
            if (isUnterminatedRawString(parser, token)) {
                diagnostics.add(ErrorCode.SYNTAX, positions.of(token),
                        "unterminated string: a string opened with `\"\"\"` must end with `\"\"\"`");
                return;
            }
            ExpectedTokens expected = ExpectedTokens.at(parser, token);
            String word = token.getText();
            boolean isWord = token.getType() != Token.EOF && word != null && word.matches("[A-Za-z_][A-Za-z0-9_]*");
            Optional<String> near = isWord ? Suggest.nearest(word, expected.keywords()) : Optional.empty();
            if (isWord && expected.expectsClause()) {
                if (near.isPresent() && CLAUSES.contains(near.get())
                        || near.isEmpty() && firstOnLine(parser.getInputStream(), token)) {
                    diagnostics.add(ErrorCode.UNKNOWN_CLAUSE, positions.of(token), unknownClause(word));
                    if (parser.getContext() instanceof RulesParser.RuleDeclContext) {
                        unknownClauseTokens.add(token.getTokenIndex());
                    }
                    return;
                }
            }
            String found = token.getType() == Token.EOF ? endName : describe(token);
            if ("=".equals(word) && expected.contains(RulesLexer.EQ)) {
                near = Optional.of("==");
            }
            String message = "unexpected " + found + "; expected " + expected.describe()
                    + near.map(s -> "; did you mean `" + s + "`?").orElse("");
            diagnostics.add(ErrorCode.SYNTAX, positions.of(token), message);
        }

        private static boolean isUnterminatedRawString(Parser parser, Token token) {
            if (token.getType() != RulesLexer.STRING || !"\"\"".equals(token.getText())) {
                return false;
            }
            int next = token.getStopIndex() + 1;
            var chars = token.getInputStream();
            return chars != null && next < chars.size()
                    && chars.getText(org.antlr.v4.runtime.misc.Interval.of(next, next)).equals("\"");
        }

        private static boolean firstOnLine(TokenStream tokens, Token token) {
            int index = token.getTokenIndex();
            return index <= 0 || tokens.get(index - 1).getLine() < token.getLine();
        }
    }

    /** A token as quoted in messages: {@code 'withn'}, {@code end of input}. */
    static String describe(Token token) {
        if (token.getType() == Token.EOF) {
            return "end of input";
        }
        String text = token.getText();
        int newline = text.indexOf('\n');
        if (newline >= 0) {
            text = text.substring(0, newline) + "...";
        }
        if (text.length() > 30) {
            text = text.substring(0, 27) + "...";
        }
        if (text.codePointCount(0, text.length()) == 1 && invisible(text.codePointAt(0))) {
            return String.format(java.util.Locale.ROOT, "character U+%04X", text.codePointAt(0));
        }
        StringBuilder shown = new StringBuilder();
        text.codePoints().forEach(c -> shown.append(invisible(c)
                ? String.format(java.util.Locale.ROOT, "\\u%04x", c) : Character.toString(c)));
        return "'" + shown + "'";
    }

    /**
     * A character a terminal shows as nothing or as a space: controls (NUL, ESC), format characters
     * (a byte-order mark, a zero-width space) and spaces other than the ASCII one.
     */
    private static boolean invisible(int c) {
        int type = Character.getType(c);
        return Character.isISOControl(c) || type == Character.FORMAT
                || (Character.isSpaceChar(c) && c != ' ');
    }
}
