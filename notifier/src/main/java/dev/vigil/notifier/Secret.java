package dev.vigil.notifier;

import static java.util.Objects.requireNonNull;

/**
 * A configured secret (a webhook signing secret, a Twilio auth token, an SMTP password). Its
 * {@link #toString()} never shows the value, so configuration records can be logged.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    public static Secret of(String value) {
        requireNonNull(value, "value is null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a secret must not be empty");
        }
        return new Secret(value);
    }

    /** The secret itself: for the code that uses it, never for logs. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "******";
    }
}
