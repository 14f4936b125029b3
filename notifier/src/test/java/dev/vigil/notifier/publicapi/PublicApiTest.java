package dev.vigil.notifier.publicapi;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.engine.Alert;
import dev.vigil.notifier.AlertQuery;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.NotifierStats;
import dev.vigil.notifier.Route;
import dev.vigil.notifier.StoreConfig;
import dev.vigil.notifier.StoredAlert;
import dev.vigil.rules.ast.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The notifier as the server uses it, through its public package only. */
class PublicApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Alert alert(String id, Severity severity, Alert.Status status) {
        return new Alert(id, "velocity", "Too many purchases on one card", status, severity, Map.of("cardId", "c-7"),
                "Card c-7: 5 purchases", 1_795_255_452_345L, 1_795_255_452_351L, Map.of("team", "fraud"),
                Map.of("count", 5), List.of(), List.of(), 0);
    }

    @Test
    void configOfRecords_routesAlertsToALogChannel_andTheStoreAnswersQueries(@TempDir Path dir) throws Exception {
        Map<String, ChannelConfig> channels = new LinkedHashMap<>();
        channels.put("console", new ChannelConfig.Log("console", ChannelConfig.DEFAULT_MAX_AGE, 1));
        channels.put("pager", new ChannelConfig.Log("pager", ChannelConfig.DEFAULT_MAX_AGE, 1));
        NotifierConfig config = new NotifierConfig(channels, List.of(
                new Route(new Route.Match(Set.of(Severity.CRITICAL), Set.of(), Map.of()), List.of("pager")),
                new Route(Route.Match.ANY, List.of("console"))), new StoreConfig(dir.resolve("vigil.db")));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Notifier notifier = Notifier.newBuilder(config).stdout(new PrintStream(out, true, StandardCharsets.UTF_8))
                .start()) {
            notifier.onAlert(alert("a1", Severity.WARNING, Alert.Status.FIRING));
            notifier.onAlert(alert("a2", Severity.CRITICAL, Alert.Status.FIRING));
            notifier.onSuppressed(alert("a3", Severity.WARNING, Alert.Status.FIRING), "throttle 5 min");
            notifier.onAlert(alert("a4", Severity.WARNING, Alert.Status.RESOLVED));
            assertThat(notifier.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();

            NotifierStats stats = notifier.stats();
            assertThat(stats.received()).isEqualTo(3);
            assertThat(stats.suppressed()).isEqualTo(1);
            assertThat(stats.channels()).containsExactly(new ChannelStats("console", 2, 0, 0, 0),
                    new ChannelStats("pager", 1, 0, 0, 0));
            assertThat(notifier.history().alerts(AlertQuery.newest())).extracting(StoredAlert::id)
                    .containsExactly("a4", "a3", "a2", "a1");
            assertThat(notifier.history().alerts(AlertQuery.newest().withStatus("resolved"))).extracting(StoredAlert::id)
                    .containsExactly("a4");
            assertThat(notifier.history().deadLetters()).isEmpty();
            assertThat(notifier.retryDeadLetter(1)).isFalse();
            assertThat(notifier.history().pending()).isZero();
            assertThat(notifier.history().counts().alerts()).isEqualTo(4);
            assertThat(notifier.history().path()).isEqualTo(dir.resolve("vigil.db"));
        }
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            assertThat(JSON.readTree(line).get("rule").asText()).isEqualTo("velocity");
        }
        assertThat(lines.stream().map(l -> l.substring(0, 11))).containsExactlyInAnyOrder(
                "{\"id\":\"a1\",", "{\"id\":\"a2\",", "{\"id\":\"a4\",");
    }

    @Test
    void configRecords_refuseWhatTheNotifierCannotUse_namingTheValue() {
        assertThatThrownBy(() -> new ChannelConfig.Webhook("ops", URI.create("ftp://x/y"), Optional.empty(),
                Duration.ofSeconds(10), Map.of(), Duration.ofHours(24), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("url must be an http or https URL: ftp://x/y");
        assertThatThrownBy(() -> new ChannelConfig.Log("console", Duration.ofHours(24), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("workers must be between 1 and 64: 0");
        assertThatThrownBy(() -> new NotifierConfig(Map.of(), List.of(new Route(Route.Match.ANY, List.of("consol"))),
                StoreConfig.defaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("routes[0] names an unknown channel: \"consol\"");
    }
}
