package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Paths the configuration names are checked at start: one clear message, never a stack trace. */
class StartChecksTest {
    private static void refused(Path dir, String yaml, String message) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("vigil.yaml"), "rules: { dir: rules }\nserver: { port: 0 }\n" + yaml);
        var config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        assertThatThrownBy(() -> VigilServer.start(config, Clock.systemUTC()))
                .isInstanceOf(VigilServer.StartException.class)
                .hasMessage(message.replace("DIR", dir.toString()));
    }

    @Test
    void storePathADirectory_isRefused(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("data"));
        refused(dir, "store: { path: data }\n",
                "store.path DIR/data is a directory: name a database file (it is created when missing)");
    }

    @Test
    void storePathNotASqliteFile_isRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("notes.db"), "shopping list\n");
        refused(dir, "store: { path: notes.db }\n", "store.path DIR/notes.db is not a SQLite database (Vigil's"
                + " store); name another file, or move this one away");
    }

    @Test
    void missingFileSource_isRefused_unlessFollowed(@TempDir Path dir) throws Exception {
        refused(dir, "store: { path: x.db }\nsources:\n  files:\n    - { path: missing.jsonl }\n",
                "sources.files[0].path: no such file: DIR/missing.jsonl (with follow: true Vigil waits for it to appear)");
    }
}
