package dev.vigil.server.corpus;

import java.util.List;

/**
 * One broken rule file of {@code rule-files.yaml} and what each reader of rule files must say of it.
 *
 * @param text the file as UTF-8 text; or {@code bytes}, one byte per character (not valid text)
 * @param diagnostics for a text: every diagnostic, in order, as {@code line:column: message}
 * @param check for bytes: the one error line {@code vigil check} prints ({@code {file}} is the path)
 * @param defect for a case of a known defect: what is wrong today
 */
record RuleCase(String name, String text, String bytes, List<String> diagnostics, String check, String defect) {
    @Override
    public String toString() {
        return name;
    }
}
