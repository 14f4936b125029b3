package dev.vigil.rules;

import static java.util.Objects.requireNonNull;

/**
 * One error in a rule file: where it is, what it is, and the source line it is on.
 *
 * @param line 1-based
 * @param column 1-based, counted in characters
 * @param sourceLine the text of that line, without its line break
 */
public record Diagnostic(String file, int line, int column, ErrorCode code, String message, String sourceLine) {
    public Diagnostic {
        requireNonNull(file, "file is null");
        requireNonNull(code, "code is null");
        requireNonNull(message, "message is null");
        requireNonNull(sourceLine, "sourceLine is null");
    }

    /**
     * The diagnostic as printed for people: {@code file:line:column: message}, then the source line
     * and a caret under the column.
     */
    public String format() {
        StringBuilder caret = new StringBuilder();
        for (int i = 0; i < column - 1 && i < sourceLine.length(); i++) {
            caret.append(sourceLine.charAt(i) == '\t' ? '\t' : ' ');
        }
        caret.append('^');
        return file + ":" + line + ":" + column + ": " + message + "\n    " + sourceLine + "\n    " + caret;
    }
}
