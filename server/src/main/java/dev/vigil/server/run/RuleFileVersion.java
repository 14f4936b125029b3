package dev.vigil.server.run;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/**
 * One saved version of a rule file (for the admin API's audit and rollback).
 *
 * @param version 1 for the first save of a name, then one more per changed save
 * @param deleted the file was deleted at this version ({@code text} is then empty)
 */
record RuleFileVersion(String name, int version, String hash, String text, Instant savedAt, boolean deleted) {
    RuleFileVersion {
        requireNonNull(name, "name is null");
        requireNonNull(hash, "hash is null");
        requireNonNull(text, "text is null");
        requireNonNull(savedAt, "savedAt is null");
    }
}
