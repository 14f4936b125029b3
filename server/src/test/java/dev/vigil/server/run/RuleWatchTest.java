package dev.vigil.server.run;

import dev.vigil.rules.ast.Rule;
import dev.vigil.server.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code rules.watch: true}: files changed on disk are deployed with the same all-or-nothing rule as the API. */
class RuleWatchTest {
    @TempDir
    Path dir;

    @Test
    void watchedFolder_validChangeDeploys_brokenChangeChangesNothing() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/a.rules"), "event E { k string }\nrule one { when E key k }\n");
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules, watch: true }
                server: { port: 0 }
                sources: { http: { enabled: false } }
                store: { path: data/test.db }
                """);
        try (VigilServer server = VigilServer.start(new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml")),
                Clock.systemUTC())) {
            RuleLibrary library = server.library();
            assertThat(library.rules()).extracting(Rule::id).containsExactly("one");

            Files.writeString(dir.resolve("rules/b.rules"), "rule two { when E(k == \"x\") key k }\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> library.rules().size() == 2);
            assertThat(library.rules()).extracting(Rule::id).containsExactly("one", "two");

            Files.writeString(dir.resolve("rules/b.rules"), "rule two { when E(kk == \"x\") key k }\n");
            Files.writeString(dir.resolve("rules/c.rules"), "rule three { when E key k }\n");
            // A later valid change of the folder is deployed; the broken one before it never was.
            Files.writeString(dir.resolve("rules/b.rules"), "rule two { when E(k == \"y\") key k }\n");
            await().atMost(Duration.ofSeconds(20)).until(() -> library.rules().size() == 3);
            assertThat(library.text("b.rules")).hasValue("rule two { when E(k == \"y\") key k }\n");
        }
    }

    @Test
    void watchedFolder_misnamedFile_changesNothing_untilItIsRenamed() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/a.rules"), "event E { k string }\nrule one { when E key k }\n");
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules, watch: true }
                server: { port: 0 }
                sources: { http: { enabled: false } }
                store: { path: data/test.db }
                """);
        try (VigilServer server = VigilServer.start(new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml")),
                Clock.systemUTC())) {
            RuleLibrary library = server.library();
            // Refused (and logged, naming the file and the name rule) by the reload the watcher tries.
            Files.writeString(dir.resolve("rules/b c.rules"), "rule two { when E key k }\n");
            assertThat(library.diskChanged()).isTrue();
            assertThatThrownBy(() -> library.reload(RuleLibrary.FOLDER)).isInstanceOf(RuleLibrary.RejectedException.class)
                    .hasMessageStartingWith("b c.rules: not a valid rule file name; rename it");
            Files.move(dir.resolve("rules/b c.rules"), dir.resolve("rules/b-c.rules"));
            await().atMost(Duration.ofSeconds(20)).until(() -> library.rules().size() == 2);
            assertThat(library.rules()).extracting(Rule::id).containsExactly("one", "two");
        }
    }
}
