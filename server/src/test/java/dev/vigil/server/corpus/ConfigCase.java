package dev.vigil.server.corpus;

import java.util.List;
import java.util.Map;

/**
 * One broken configuration of {@code config.yaml} and what {@code vigil run} must say of it.
 *
 * @param yaml the configuration file as UTF-8 text; or {@code bytes}, one byte per character
 * @param files other files of the case's folder, by path relative to it; a null text makes a folder.
 *     Unless {@code noRules}, the folder has {@code rules/probe.rules} (valid rules)
 * @param problems when the configuration does not read: every problem ConfigLoader reports, exactly,
 *     as {@code path: message}; unless {@code stderr} says otherwise, {@code vigil run} prints each
 *     after the file's path, then the count. When absent, the configuration must read: Vigil fails
 *     at start
 * @param stderr the exact standard error of {@code vigil run} (without its final line break); or
 *     {@code stderrPrefix}, a prefix of it when the rest holds a message of the operating system
 * @param exit the exit status of {@code vigil run}: 1 (the default) or 2 for a usage error
 * @param defect for a case of a known defect: what is wrong today
 */
record ConfigCase(String name, String yaml, String bytes, Map<String, String> files, Boolean noRules,
                  List<String> problems, String stderr, String stderrPrefix, Integer exit, String defect) {
    @Override
    public String toString() {
        return name;
    }
}
