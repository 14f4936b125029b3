package dev.vigil.notifier.internal.channel;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How an alert reads to a person: SMS text and email subject. */
final class AlertText {
    private AlertText() {
    }

    /** {@code CRITICAL}. */
    static String severity(JsonNode alert) {
        return alert.path("severity").asText("").toUpperCase(Locale.ROOT);
    }

    static boolean resolved(JsonNode alert) {
        return alert.path("status").asText("").equals("resolved");
    }

    /** {@code cardId=c-1001, merchant=m-9}; empty for no key. */
    static String key(JsonNode alert) {
        List<String> parts = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = alert.path("key").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parts.add(e.getKey() + "=" + value(e.getValue()));
        }
        return String.join(", ", parts);
    }

    /** A JSON value as a person reads it: text without quotes, anything else as JSON. */
    static String value(JsonNode v) {
        return v.isTextual() ? v.asText() : v.toString();
    }

    /**
     * {@code [CRITICAL] message}; a resolved alert says so ({@code [CRITICAL] Resolved: message}),
     * since the rule's message is the same for both.
     */
    static String sms(JsonNode alert) {
        return "[" + severity(alert) + "] " + (resolved(alert) ? "Resolved: " : "") + alert.path("message").asText("");
    }

    /** {@code [CRITICAL] title (cardId=c-1001)}; without the parentheses for no key. */
    static String subject(JsonNode alert) {
        String key = key(alert);
        return "[" + severity(alert) + "] " + (resolved(alert) ? "Resolved: " : "") + alert.path("title").asText("")
                + (key.isEmpty() ? "" : " (" + key + ")");
    }
}
