package dev.vigil.rules.ast;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** A message template: literal text and {@code {EXPR}} or {@code {EXPR:PATTERN}} placeholders. */
public record MessageTemplate(List<Part> parts, Position pos) implements Node {
    public MessageTemplate {
        parts = List.copyOf(parts);
        requireNonNull(pos, "pos is null");
    }

    public sealed interface Part {
    }

    /** Literal text, with {@code {{} and {@code }}} already turned into single braces. */
    public record Text(String text) implements Part {
        public Text {
            requireNonNull(text, "text is null");
        }
    }

    /**
     * A placeholder; {@code text} is the expression as written, {@code pattern} a
     * {@link java.text.DecimalFormat} pattern.
     */
    public record Placeholder(Expr expr, String text, Optional<String> pattern) implements Part {
        public Placeholder {
            requireNonNull(expr, "expr is null");
            requireNonNull(text, "text is null");
            requireNonNull(pattern, "pattern is null");
        }
    }
}
