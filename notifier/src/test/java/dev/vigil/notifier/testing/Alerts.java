package dev.vigil.notifier.testing;

import dev.vigil.engine.Alert;
import dev.vigil.rules.ast.Severity;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alerts for tests. */
public final class Alerts {
    /** 2026-11-21T10:04:12.345Z */
    public static final long TIME = 1_795_255_452_345L;

    private Alerts() {
    }

    public static Alert alert(String id, String rule, Severity severity, Map<String, String> labels, List<String> channels) {
        Map<String, Object> key = new LinkedHashMap<>();
        key.put("cardId", "c-1001");
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("a.amount", 1.0);
        values.put("b.amount", 812.5);
        return new Alert(id, rule, "Tiny test charge, then a large purchase", Alert.Status.FIRING, severity, key,
                "Card c-1001: test charge 1.0, then 812.5 at m-9", TIME, TIME + 6, labels, values, List.of(), channels, 0);
    }

    /** A firing critical alert for {@code channels}. */
    public static Alert alert(String id, String... channels) {
        return alert(id, "card_testing", Severity.CRITICAL, Map.of("team", "fraud"), List.of(channels));
    }
}
