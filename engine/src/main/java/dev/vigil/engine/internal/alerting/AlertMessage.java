package dev.vigil.engine.internal.alerting;

import dev.vigil.engine.Times;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.epl.RulePlan;
import dev.vigil.rules.ast.MessageTemplate;
import dev.vigil.rules.ast.Rule;

import java.math.BigDecimal;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A rule's {@code message} template, filled from an output row: placeholders with a number pattern
 * through {@link DecimalFormat} (root locale), timestamps as ISO-8601, large doubles without an
 * exponent. A rule without a message gets its title. Engine thread only (DecimalFormat is not
 * thread-safe).
 */
final class AlertMessage {
    private final Rule rule;
    private final String title;
    /** Per placeholder, its number pattern or null. */
    private final DecimalFormat[] formats;

    AlertMessage(Rule rule, List<MessageTemplate.Part> parts, String title) {
        this.rule = rule;
        this.title = title;
        List<DecimalFormat> fs = new ArrayList<>();
        for (MessageTemplate.Part p : parts) {
            if (p instanceof MessageTemplate.Placeholder ph) {
                fs.add(ph.pattern().map(pt -> new DecimalFormat(pt, DecimalFormatSymbols.getInstance(Locale.ROOT)))
                        .orElse(null));
            }
        }
        formats = fs.toArray(new DecimalFormat[0]);
    }

    String render(Object[] row, RulePlan.Layout layout) {
        List<MessageTemplate.Part> parts = layout.messageParts();
        if (parts.isEmpty()) {
            return rule.message().isPresent() ? "" : title;
        }
        StringBuilder sb = new StringBuilder();
        int ph = 0;
        for (MessageTemplate.Part p : parts) {
            switch (p) {
                case MessageTemplate.Text t -> sb.append(t.text());
                case MessageTemplate.Placeholder placeholder -> {
                    Object v = row[layout.messageCols()[ph]];
                    sb.append(format(v, formats[ph], layout.timestampMessage().get(ph)));
                    ph++;
                }
            }
        }
        return sb.toString();
    }

    private static String format(Object v, DecimalFormat pattern, boolean timestamp) {
        if (v == null) {
            return "null";
        }
        if (timestamp && v instanceof Long l) {
            return Times.format(l);
        }
        if (pattern != null && v instanceof Number n) {
            return pattern.format(n instanceof BigDecimal ? n : (Object) n.doubleValue());
        }
        if (v instanceof Double d) {
            return formatDouble(d);
        }
        if (v instanceof DecodedEvent e) {
            return e.tree().toString();
        }
        return v.toString();
    }

    private static String formatDouble(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d) || Math.abs(d) < 1e7) {
            return Double.toString(d);
        }
        return BigDecimal.valueOf(d).toPlainString();
    }
}
