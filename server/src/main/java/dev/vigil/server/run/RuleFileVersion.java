package dev.vigil.server.run;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * One saved version of a rule file (for the admin API's audit and rollback).
 *
 * @param version 1 for the first save of a name, then one more per changed save
 * @param deleted the file was deleted at this version ({@code text} is then empty)
 * @param who the admin token's name, {@code folder} for a change seen in the rules folder,
 *     {@code start} for the files read at start ({@code unknown} for versions saved before authors were kept)
 * @param summary what the version changed, in words ("changed: velocity; unchanged: big")
 */
record RuleFileVersion(String name, int version, String hash, String text, Instant savedAt, boolean deleted,
                       String who, String summary) {
    RuleFileVersion {
        requireNonNull(who, "who is null");
        requireNonNull(summary, "summary is null");
        requireNonNull(name, "name is null");
        requireNonNull(hash, "hash is null");
        requireNonNull(text, "text is null");
        requireNonNull(savedAt, "savedAt is null");
    }
}
