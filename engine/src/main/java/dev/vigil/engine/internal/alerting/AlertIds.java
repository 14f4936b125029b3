package dev.vigil.engine.internal.alerting;

import dev.vigil.engine.Alert;
import dev.vigil.engine.Event;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Alert ids: a digest of rule, status, key, event time and (for rules that fire on matches) the
 * ids of the matched events, so the same input always gives the same ids (interfaces spec,
 * "Alerts"; receivers deduplicate by them).
 */
final class AlertIds {
    private AlertIds() {
    }

    static String of(String rule, Alert.Status status, Map<String, Object> key, long time, List<Event> events) {
        StringBuilder sb = new StringBuilder(rule).append('\u0000').append(status.text()).append('\u0000');
        for (Map.Entry<String, Object> e : key.entrySet()) {
            sb.append(e.getKey()).append('=').append(e.getValue()).append('\u0001');
        }
        sb.append('\u0000').append(time);
        for (Event e : events) {
            sb.append('\u0000').append(e.effectiveId());
        }
        return Digests.hex128(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
