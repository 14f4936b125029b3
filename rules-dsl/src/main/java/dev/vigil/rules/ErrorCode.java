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
    /** A lookup or {@code in} names a table no file declares. */
    UNKNOWN_TABLE,
    /** A table declared with no {@code key} field. */
    MISSING_TABLE_KEY,
    /** Two different declarations of one table. */
    CONFLICTING_TABLE,
    /** A lookup's keys do not match the table's key fields in number or type. */
    TABLE_KEY_MISMATCH,
    /** A table named where an event type is expected, or a name declared as both. */
    TABLE_AS_EVENT,
}
