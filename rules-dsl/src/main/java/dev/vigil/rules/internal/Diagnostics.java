package dev.vigil.rules.internal;

import dev.vigil.rules.Diagnostic;
import dev.vigil.rules.ErrorCode;
import dev.vigil.rules.ast.Position;

import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/** The diagnostics of one rule file, with the file's lines to quote. */
final class Diagnostics {
    private final String file;
    private final List<String> lines;
    private final List<Diagnostic> list = new ArrayList<>();

    Diagnostics(String file, String text) {
        this.file = requireNonNull(file, "file is null");
        this.lines = splitLines(text);
    }

    String file() {
        return file;
    }

    void add(ErrorCode code, Position pos, String message) {
        int line = Math.max(1, pos.line());
        int column = Math.max(1, pos.column());
        String source = line <= lines.size() ? lines.get(line - 1) : "";
        list.add(new Diagnostic(file, line, column, code, message, source));
    }

    int count() {
        return list.size();
    }

    List<Diagnostic> all() {
        return List.copyOf(list);
    }

    /** Lines split at {@code \n} (as the lexer counts them), without a trailing {@code \r}. */
    static List<String> splitLines(String text) {
        List<String> result = new ArrayList<>();
        int start = 0;
        while (true) {
            int end = text.indexOf('\n', start);
            String line = end < 0 ? text.substring(start) : text.substring(start, end);
            result.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            if (end < 0) {
                return result;
            }
            start = end + 1;
        }
    }
}
