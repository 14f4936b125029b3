package dev.vigil.notifier;

import java.nio.file.Path;

import static java.util.Objects.requireNonNull;

/**
 * The configuration's {@code store} section.
 *
 * @param path the SQLite database file; its folder is created when missing
 */
public record StoreConfig(Path path) {
    /** Where the store lives when the configuration does not say (the spec's example). */
    public static final Path DEFAULT_PATH = Path.of("data", "vigil.db");

    public StoreConfig {
        requireNonNull(path, "path is null");
    }

    public static StoreConfig defaults() {
        return new StoreConfig(DEFAULT_PATH);
    }
}
