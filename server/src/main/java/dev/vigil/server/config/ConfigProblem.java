package dev.vigil.server.config;

import static java.util.Objects.requireNonNull;

/**
 * One mistake in the configuration: where it is and what is wrong.
 *
 * @param path the configuration path ({@code channels.fraud_sms.to[0]}), or for a rule's
 *     {@code notify}, the rule file and position ({@code rules/fraud.rules:12:10})
 * @param message what is wrong, naming the value ({@code not a phone number in E.164 form: "555-0100"})
 */
public record ConfigProblem(String path, String message) {
    public ConfigProblem {
        requireNonNull(path, "path is null");
        requireNonNull(message, "message is null");
    }

    /** {@code path: message}, as users see it. */
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
