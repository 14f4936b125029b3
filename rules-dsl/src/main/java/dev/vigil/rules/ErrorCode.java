package dev.vigil.rules;

/** What kind of mistake a {@link Diagnostic} reports. */
public enum ErrorCode {
    SYNTAX,
    TOO_LARGE,
    UNKNOWN_EVENT_TYPE,
    UNKNOWN_FIELD,
    UNKNOWN_TAG,
    /** Two terms of one pattern bind the same tag. */
    DUPLICATE_TAG,
    TYPE_MISMATCH,
    DUPLICATE_RULE,
    CONFLICTING_EVENT,
    DUPLICATE_FIELD,
    /** A field declared with a type that does not exist ({@code amount dobule}). */
    UNKNOWN_FIELD_TYPE,
    MULTIPLE_TIMESTAMPS,
    ABSENT_FIRST,
    INVALID_TIMES,
    AGGREGATE_OUTSIDE_AGGREGATE_RULE,
    NULL_COMPARISON,
    UNKNOWN_TEMPLATE_NAME,
    UNKNOWN_CLAUSE,
    REPEATED_CLAUSE,
    MISSING_CLAUSE,
    INVALID_DURATION,
    INVALID_VALUE,
    UNKNOWN_FUNCTION,
    WRONG_ARGUMENTS,
}
