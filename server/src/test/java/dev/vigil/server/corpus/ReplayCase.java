package dev.vigil.server.corpus;

import java.util.List;

/**
 * One recorded file of {@code replay.yaml} with bad lines, and what {@code vigil replay} must do with it.
 *
 * @param file the file's name ({@code events.jsonl}, {@code Tx.csv}, {@code events.jsonl.gz}): its
 *     extension picks the reader, a CSV file's name its type
 * @param text the content as UTF-8 text, where {@code {good:N}} is a JSONL line of a good event for
 *     probe N; or {@code bytes}, one byte per character
 * @param gzipCut for a {@code .gz} file, bytes cut from the end of the compressed file (-1: the content
 *     is written as it is, not compressed)
 * @param args more arguments of {@code vigil replay}
 * @param rejected the exact rejection lines on standard error, in order ({@code {file}} is the file's path)
 * @param alerts the probe numbers whose alerts standard output holds, in order: the good lines
 * @param summary the summary line up to its timing ({@code N events (R rejected, L late), A alerts})
 * @param stderr instead of rejected and summary: all of standard error, exactly
 * @param exit the exit status, 0 when absent
 * @param defect for a case of a known defect: what is wrong today
 */
record ReplayCase(String name, String file, String text, String bytes, Integer gzipCut, List<String> args,
                  List<String> rejected, List<Integer> alerts, String summary, String stderr, Integer exit,
                  String defect) {
    @Override
    public String toString() {
        return name;
    }
}
