package dev.vigil.rules;

import static java.util.Objects.requireNonNull;

/** A rule file to compile: the name diagnostics use (usually its path) and its text. */
public record SourceFile(String name, String text) {
    public SourceFile {
        requireNonNull(name, "name is null");
        requireNonNull(text, "text is null");
    }
}
