package dev.vigil.notifier.internal.channel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.Json;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One attempt to deliver one alert to one channel. The channel reads the alert from here and,
 * when it sends in parts (SMS: one request per recipient), records each part it completed, so a
 * retry does not repeat them.
 */
final class Delivery {
    private static final ObjectMapper MAPPER = Json.mapper();

    private final String alertId;
    private final String json;
    private final int attempt;
    private final Set<String> done;
    private JsonNode alert;

    Delivery(String alertId, String json, int attempt, Set<String> done) {
        this.alertId = requireNonNull(alertId, "alertId is null");
        this.json = requireNonNull(json, "json is null");
        this.attempt = attempt;
        this.done = Collections.synchronizedSet(new LinkedHashSet<>(done));
    }

    String alertId() {
        return alertId;
    }

    /** The alert as the spec's JSON, exactly as stored: the webhook body. */
    String json() {
        return json;
    }

    /** The alert's JSON tree, for channels that format it. */
    JsonNode alert() {
        if (alert == null) {
            try {
                alert = MAPPER.readTree(json);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("stored alert " + alertId + " is not JSON", e);
            }
        }
        return alert;
    }

    /** 1 for the first attempt. */
    int attempt() {
        return attempt;
    }

    boolean isDone(String part) {
        return done.contains(part);
    }

    void markDone(String part) {
        done.add(part);
    }

    /** Parts completed, in this attempt or an earlier one. */
    Set<String> done() {
        synchronized (done) {
            return Set.copyOf(done);
        }
    }
}
