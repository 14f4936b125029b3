package dev.vigil.server.run;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.server.config.ConfigException;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {
    private static final Path BASE = Path.of("/etc/vigil");

    private static VigilConfig parse(String yaml, Map<String, String> env) throws Exception {
        return new ConfigLoader(env).parse(new YAMLMapper().readTree(yaml), BASE);
    }

    @Test
    void fullExample_isReadWithVariablesAndDefaults() throws Exception {
        VigilConfig c = parse("""
                rules: { dir: rules, watch: true }
                time: { mode: event, lateness: 2s }
                server:
                  port: ${PORT:-8080}
                  adminToken: ${VIGIL_ADMIN_TOKEN}
                sources:
                  http: { enabled: true, token: "${VIGIL_INGEST_TOKEN:-}", maxBodyBytes: 10485760, queue: 100000 }
                  kafka:
                    - { bootstrapServers: "localhost:9092", topics: [transactions], groupId: vigil }
                  files:
                    - { path: examples/fraud/events.jsonl, speed: max }
                channels:
                  console: { type: log }
                routes:
                  - { notify: [console] }
                store:
                  path: data/vigil.db
                """, Map.of("VIGIL_ADMIN_TOKEN", "s3cret"));
        assertThat(c.rules().dir()).isEqualTo(Path.of("/etc/vigil/rules"));
        assertThat(c.rules().watch()).isTrue();
        assertThat(c.time().lateness()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.server().port()).isEqualTo(8080);
        assertThat(c.server().adminTokens()).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("admin");
            assertThat(t.token().reveal()).isEqualTo("s3cret");
            assertThat(t.token().toString()).doesNotContain("s3cret");
        });
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.sources().http().token()).isEmpty();
        assertThat(c.sources().kafka()).hasSize(1);
        assertThat(c.sources().files().get(0).path()).isEqualTo(Path.of("/etc/vigil/examples/fraud/events.jsonl"));
        assertThat(c.sources().files().get(0).speed()).isZero();
        assertThat(c.notifier().store().path()).isEqualTo(Path.of("/etc/vigil/data/vigil.db"));
    }

    @Test
    void stateMaxHorizon_defaultsToADay_andTakesTheDurationGrammar() throws Exception {
        assertThat(parse("server: { port: 9000 }", Map.of()).state().maxHorizon()).isEqualTo(Duration.ofHours(24));
        assertThat(parse("state: { maxHorizon: 90 min }", Map.of()).state().maxHorizon())
                .isEqualTo(Duration.ofMinutes(90));
        assertThat(parse("state: { maxHorizon: 365d }", Map.of()).state().maxHorizon())
                .isEqualTo(Duration.ofDays(365));
    }

    @Test
    void noAdminToken_listensOnLoopbackOnly() throws Exception {
        assertThat(parse("server: { port: 9000 }", Map.of()).server().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void webhookSecret_isTakenFromTheEnvironment() throws Exception {
        String yaml = """
                channels:
                  fraud_hook: { type: webhook, url: "https://example.org/hook", secret: "${FRAUD_HOOK_SECRET}" }
                """;
        VigilConfig c = parse(yaml, Map.of("FRAUD_HOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        ChannelConfig.Webhook w = (ChannelConfig.Webhook) c.notifier().channels().get("fraud_hook");
        assertThat(w.secret().orElseThrow().reveal()).isEqualTo("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThatThrownBy(() -> parse(yaml, Map.of("FRAUD_HOOK_SECRET", "hook-secret")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("channels.fraud_hook.secret: not a Standard Webhooks secret (whsec_ followed by the base64"
                        + " of 24 to 64 random bytes): no \"whsec_\" prefix; run \"vigil secret\" to make one");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            server: { prot: 80 }                         | server.prot: unknown key; did you mean "port"?
            server: { port: eighty }                     | server.port: expected a whole number, got "eighty"
            server: { port: 70000 }                      | server.port: must be between 0 and 65535: 70000
            time: { mode: wall }                         | time.mode: expected event or processing, got "wall"
            time: { lateness: 2 parsecs }                | time.lateness: unknown unit "parsecs" in duration "2 parsecs" (expected ms, s, min, h or d)
            sources: { files: [ { speed: 2 } ] }         | sources.files[0].path: missing
            sources: { files: [ { path: x, speed: fast } ] } | sources.files[0].speed: expected max or a positive number, got "fast"
            sources: { kafka: [ { groupId: g } ] }       | sources.kafka[0]: needs topics or a topicPattern
            rulez: { dir: x }                            | rulez: unknown key; did you mean "rules"?
            server: { adminToken: "${NOPE}" }            | server.adminToken: environment variable NOPE is not set (write ${NOPE:-default} for a default)
            channels: { c: { type: webhok } }            | channels.c.type: unknown channel type "webhok"; did you mean "webhook"?
            state: { maxHorizon: 0s }                    | state.maxHorizon: must be a positive whole number of milliseconds: "0s"
            state: { maxHorizon: -1h }                   | state.maxHorizon: not a duration: "-1h" (expected a number and a unit: ms, s, min, h, d)
            state: { maxHorizon: 400 d }                 | state.maxHorizon: at most 365 d, got "400 d"
            state: { maxHorizn: 1h }                     | state.maxHorizn: unknown key; did you mean "maxHorizon"?
            """)
    void mistakes_nameTheirPath(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml, Map.of()))
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).extracting(Object::toString)
                        .contains(message));
    }

    @Test
    void serverBacktest_defaultsAndValues() throws Exception {
        assertThat(parse("server: { port: 9000 }", Map.of()).server().backtest())
                .isEqualTo(new VigilConfig.Backtest(1_000_000, Duration.ofSeconds(30), Duration.ofHours(24), 2));
        assertThat(parse("server: { backtest: { maxEvents: 5000, timeLimit: 5s, maxWindow: 2h, concurrent: 1 } }",
                Map.of()).server().backtest())
                .isEqualTo(new VigilConfig.Backtest(5000, Duration.ofSeconds(5), Duration.ofHours(2), 1));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            server: { backtest: { maxEvent: 5 } }        | server.backtest.maxEvent: unknown key; did you mean "maxEvents"?
            server: { backtest: { maxEvents: 0 } }       | server.backtest.maxEvents: must be between 1 and 100000000: 0
            server: { backtest: { timeLimit: 1h } }      | server.backtest.timeLimit: must be at most 10m (a backtest holds two engines and a request): "1h"
            server: { backtest: { maxWindow: 400d } }    | server.backtest.maxWindow: must be at most 365d: "400d"
            server: { backtest: { concurrent: 9 } }      | server.backtest.concurrent: must be between 1 and 8: 9
            server: { backtest: 5 }                      | server.backtest: expected a mapping, got a number
            """)
    void serverBacktest_mistakes_nameTheirPath(String yaml, String message) {
        mistakes_nameTheirPath(yaml, message);
    }
}
