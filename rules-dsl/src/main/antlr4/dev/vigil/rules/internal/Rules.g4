// The rules language (shared/spec/rules-language.md). The grammar is deliberately permissive where
// a precise message is more useful than a syntax error: duration units, field types, severity
// values and which suffixes go with which condition form are checked by the AST builder.
grammar Rules;

// ---------------------------------------------------------------------------------------------
// Files

file
    : (eventDecl | tableDecl | ruleDecl)* EOF
    ;

// A reference table: fields as in an event, one or more marked `key` (rules-language.md,
// "Reference tables").
tableDecl
    : TABLE name=identifier LBRACE tableField* RBRACE
    ;

tableField
    : name=identifier type=identifier KEY?
    ;

eventDecl
    : EVENT name=identifier LBRACE fieldDecl* RBRACE
    ;

fieldDecl
    : name=identifier type=identifier
    ;

ruleDecl
    : RULE id=identifier title=STRING? LBRACE clause* RBRACE
    ;

clause
    : WHEN condition                                                # whenClause
    | KEY expr (COMMA expr)*                                        # keyClause
    | SEVERITY value=ID                                             # severityClause
    | MESSAGE STRING                                                # messageClause
    | NOTIFY identifier (COMMA identifier)*                         # notifyClause
    | THROTTLE duration                                             # throttleClause
    | LABELS LBRACE (label (COMMA? label)* COMMA?)? RBRACE          # labelsClause
    | ENABLED value=(TRUE | FALSE | ID)                             # enabledClause
    | MODE value=identifier                                         # modeClause
    ;

label
    : name=identifier COLON value=STRING
    ;

// ---------------------------------------------------------------------------------------------
// Conditions. Filter, pattern, aggregate and absence share one shape (terms, then suffixes);
// the AST builder decides which form it is and reports suffixes that do not fit the form.

condition
    : EPL TRIPLE_STRING                                             # eplCondition
    | term (ARROW term)* conditionSuffix                            # eventCondition
    ;

conditionSuffix
    : byClause? (OVER window HAVING having=expr)? (WITHIN within=duration)? (FOR forDuration=duration)?
    ;

byClause
    : BY identifier (COMMA identifier)*
    ;

term
    : (tag=identifier COLON)? eventRef (TIMES times=signedNumber)?  # eventTerm
    | ABSENT eventRef (FOR duration)?                               # absentTerm
    | LPAREN groupMember (groupOp groupMember)* RPAREN              # groupTerm
    ;

groupMember
    : (tag=identifier COLON)? eventRef (TIMES times=signedNumber)?
    ;

groupOp
    : AND
    | OR
    ;

eventRef
    : type=identifier (LPAREN filter=expr RPAREN)?
    ;

window
    : SLIDING duration                                              # slidingWindow
    | TUMBLING duration                                             # tumblingWindow
    | HOPPING size=duration EVERY every=duration                    # hoppingWindow
    | SESSION duration                                              # sessionWindow
    | LAST signedNumber (EVENTS | EVENT)                            # lengthWindow
    ;

duration
    : MINUS? NUMBER unit=ID
    ;

signedNumber
    : MINUS? NUMBER
    ;

// ---------------------------------------------------------------------------------------------
// Expressions, lowest precedence first. Loops rather than left recursion: a long chain of `+`
// or `and` then costs no parser stack.

templateExpr
    : expr EOF
    ;

expr
    : orExpr
    ;

orExpr
    : andExpr (OR andExpr)*
    ;

andExpr
    : notExpr (AND notExpr)*
    ;

notExpr
    : NOT notExpr                                                   # not
    | predicate                                                     # notPredicate
    ;

predicate
    : additive predicateTail?
    ;

predicateTail
    : compareOp additive                                            # comparison
    | NOT? IN LPAREN expr (COMMA expr)* RPAREN                      # inList
    | NOT? IN table=identifier                                      # inTable
    | BETWEEN low=additive AND high=additive                        # between
    | MATCHES STRING                                                # matches
    | IS NOT? NULL                                                  # isNull
    ;

compareOp
    : EQ | NE | LT | LE | GT | GE
    ;

additive
    : multiplicative (additiveOp multiplicative)*
    ;

additiveOp
    : PLUS | MINUS
    ;

multiplicative
    : unary (multiplicativeOp unary)*
    ;

multiplicativeOp
    : STAR | SLASH | PERCENT
    ;

unary
    : MINUS unary                                                   # negate
    | primary                                                       # unaryPrimary
    ;

primary
    : NUMBER                                                        # numberLiteral
    | STRING                                                        # stringLiteral
    | TRUE                                                          # trueLiteral
    | FALSE                                                         # falseLiteral
    | NULL                                                          # nullLiteral
    | name=identifier LPAREN (expr (COMMA expr)*)? RPAREN           # call
    | tag=identifier (LBRACKET index=NUMBER RBRACKET)? DOT field=identifier  # qualifiedField
    | table=identifier LBRACKET expr (COMMA expr)* RBRACKET DOT field=identifier  # lookup
    | field=identifier                                              # field
    | LPAREN expr RPAREN                                            # parens
    ;

// Keywords are reserved only where the grammar needs them: every word below is also a valid
// event type, field, tag, rule id or channel name. The expression operators (and, or, not, in,
// between, matches, is, null, true, false) are the only reserved words.
identifier
    : ID
    | EVENT | TABLE | RULE | WHEN | KEY | SEVERITY | MESSAGE | NOTIFY | THROTTLE | LABELS | ENABLED | MODE
    | EPL | TIMES | ABSENT | BY | WITHIN | OVER | HAVING | FOR
    | SLIDING | TUMBLING | HOPPING | EVERY | SESSION | LAST | EVENTS
    ;

// ---------------------------------------------------------------------------------------------
// Tokens, in the order syntax errors list them.

EVENT    : 'event';
TABLE    : 'table';
RULE     : 'rule';
WHEN     : 'when';
KEY      : 'key';
SEVERITY : 'severity';
MESSAGE  : 'message';
NOTIFY   : 'notify';
THROTTLE : 'throttle';
LABELS   : 'labels';
ENABLED  : 'enabled';
MODE     : 'mode';
EPL      : 'epl';
ABSENT   : 'absent';
TIMES    : 'times';
ARROW    : '->';
BY       : 'by';
OVER     : 'over';
SLIDING  : 'sliding';
TUMBLING : 'tumbling';
HOPPING  : 'hopping';
EVERY    : 'every';
SESSION  : 'session';
LAST     : 'last';
EVENTS   : 'events';
HAVING   : 'having';
WITHIN   : 'within';
FOR      : 'for';

OR       : 'or';
AND      : 'and';
NOT      : 'not';
IN       : 'in';
BETWEEN  : 'between';
MATCHES  : 'matches';
IS       : 'is';
NULL     : 'null';
TRUE     : 'true';
FALSE    : 'false';

EQ       : '==';
NE       : '!=';
LE       : '<=';
GE       : '>=';
LT       : '<';
GT       : '>';
PLUS     : '+';
MINUS    : '-';
STAR     : '*';
SLASH    : '/';
PERCENT  : '%';
LPAREN   : '(';
RPAREN   : ')';
LBRACKET : '[';
RBRACKET : ']';
LBRACE   : '{';
RBRACE   : '}';
COMMA    : ',';
COLON    : ':';
DOT      : '.';

NUMBER
    : DIGITS ('.' DIGITS)? ([eE] [+-]? DIGITS)?
    ;

ID
    : [A-Za-z_] [A-Za-z0-9_]*
    ;

// Three quotes open a raw, multi-line string (no escapes) that ends at the next three quotes.
TRIPLE_STRING
    : '"""' .*? '"""'
    ;

// Escapes are checked (and decoded) by the AST builder, which can say which one is wrong.
STRING
    : '"' ('\\' ~[\r\n] | ~["\\\r\n])* '"'
    ;

// A string that reaches the end of its line; reported as "unterminated string".
UNTERMINATED_STRING
    : '"' ('\\' ~[\r\n] | ~["\\\r\n])*
    ;

LINE_COMMENT
    : ('#' | '//') ~[\r\n]* -> skip
    ;

WS
    : [ \t\r\n\f\u00A0\uFEFF]+ -> skip
    ;

// Any other character: the parser reports it as unexpected, so the lexer never fails.
UNEXPECTED_CHAR
    : .
    ;

fragment DIGITS
    : [0-9]+
    ;
