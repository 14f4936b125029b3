package dev.vigil.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.engine.Alert;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.NotifierConfig;
import dev.vigil.notifier.Route;
import dev.vigil.notifier.StoreConfig;
import dev.vigil.rules.ast.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NotifierSectionsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Alert alert(String id, String rule, Severity severity, Map<String, String> labels,
            List<String> channels) {
        return new Alert(id, rule, "Tiny test charge, then a large purchase", Alert.Status.FIRING, severity,
                Map.of("cardId", "c-1001"), "Card c-1001", 1_795_255_452_345L, 1_795_255_452_351L, labels, Map.of(),
                List.of(), channels, 0);
    }

    static NotifierConfig parse(String yaml) throws Exception {
        JsonNode root = YAML.readTree(yaml);
        if (root == null) {
            root = YAML.createObjectNode();
        }
        return NotifierSections.parse(root.get("channels"), root.get("routes"), root.get("store"));
    }

    static List<String> problems(String yaml) {
        try {
            parse(yaml);
            return List.of();
        } catch (ConfigException e) {
            return e.problems().stream().map(ConfigProblem::toString).toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void specExample_parsesEveryChannelRouteAndTheStore() throws Exception {
        NotifierConfig c = parse("""
                channels:
                  fraud_webhook: { type: webhook, url: "https://example.org/hooks/fraud", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }
                  fraud_sms: { type: sms, provider: twilio, accountSid: "AC1", authToken: "tok", from: "+15550000", to: ["+15550100"] }
                  ops_email: { type: email, host: smtp.example.org, port: 587, startTls: true, from: alerts@example.org, to: [ops@example.org] }
                  console: { type: log }
                routes:
                  - { match: { severity: critical }, notify: [fraud_sms, fraud_webhook] }
                  - { notify: [console] }
                store:
                  path: data/vigil.db
                """);
        assertThat(c.channels()).containsOnlyKeys("fraud_webhook", "fraud_sms", "ops_email", "console");
        ChannelConfig.Webhook w = (ChannelConfig.Webhook) c.channels().get("fraud_webhook");
        assertThat(w.url()).isEqualTo(URI.create("https://example.org/hooks/fraud"));
        assertThat(w.secret().orElseThrow().reveal()).isEqualTo("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(w.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(w.maxAge()).isEqualTo(Duration.ofHours(24));
        ChannelConfig.Sms s = (ChannelConfig.Sms) c.channels().get("fraud_sms");
        assertThat(s.baseUrl()).isEqualTo(URI.create("https://api.twilio.com"));
        assertThat(s.to()).containsExactly("+15550100");
        assertThat(s.maxSegments()).isEqualTo(1);
        ChannelConfig.Email e = (ChannelConfig.Email) c.channels().get("ops_email");
        assertThat(e.security()).isEqualTo(ChannelConfig.Security.STARTTLS);
        assertThat(e.port()).isEqualTo(587);
        assertThat(c.routes()).hasSize(2);
        assertThat(c.routes().get(0).match().severities()).containsExactly(Severity.CRITICAL);
        assertThat(c.routes().get(1).match()).isEqualTo(Route.Match.ANY);
        assertThat(c.store().path()).isEqualTo(Path.of("data/vigil.db"));
    }

    @Test
    void absentSections_giveNoChannelsNoRoutesAndTheDefaultStore() throws Exception {
        NotifierConfig c = NotifierSections.parse(null, null, null);
        assertThat(c.channels()).isEmpty();
        assertThat(c.routes()).isEmpty();
        assertThat(c.store().path()).isEqualTo(StoreConfig.DEFAULT_PATH);
    }

    @Test
    void substitutedText_isAcceptedForNumbersBooleansAndDurations() throws Exception {
        NotifierConfig c = parse("""
                channels:
                  mail: { type: email, host: localhost, port: "2525", tls: "true", from: a@b.org, to: c@d.org, timeout: "1500ms", maxAge: 2h }
                """);
        ChannelConfig.Email e = (ChannelConfig.Email) c.channels().get("mail");
        assertThat(e.port()).isEqualTo(2525);
        assertThat(e.security()).isEqualTo(ChannelConfig.Security.TLS);
        assertThat(e.to()).containsExactly("c@d.org");
        assertThat(e.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(e.maxAge()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void emailAddresses_mayCarryADisplayName() throws Exception {
        NotifierConfig c = parse("""
                channels:
                  mail: { type: email, host: h, from: "Vigil Alerts <alerts@example.org>", to: ["Ops Team <ops@example.org>", "\\"Doe, Jane\\" <jane@example.org>"] }
                """);
        ChannelConfig.Email e = (ChannelConfig.Email) c.channels().get("mail");
        assertThat(e.from()).isEqualTo("Vigil Alerts <alerts@example.org>");
        assertThat(e.to()).containsExactly("Ops Team <ops@example.org>", "\"Doe, Jane\" <jane@example.org>");
    }

    @Test
    void secrets_neverAppearInToString() throws Exception {
        NotifierConfig c = parse("""
                channels:
                  hook: { type: webhook, url: "http://localhost/x", secret: "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=" }
                  sms: { type: sms, accountSid: AC1, authToken: "TOKENVALUE", from: "+15550000", to: ["+15550100"] }
                  mail: { type: email, host: h, username: u, password: "PASSWORDVALUE", from: a@b.org, to: [c@d.org] }
                """);
        assertThat(c.toString()).doesNotContain("ZGVmZ2hpamtsbW5v", "TOKENVALUE", "PASSWORDVALUE").contains("******");
    }

    @Test
    void durations_takeTheUnitsOfEveryOtherDurationOfTheConfiguration() throws Exception {
        NotifierConfig c = parse("""
                channels:
                  a: { type: webhook, url: "http://x/", timeout: 1.5 s, maxAge: 2 hours }
                  b: { type: log, maxAge: 90 min }
                """);
        ChannelConfig.Webhook a = (ChannelConfig.Webhook) c.channels().get("a");
        assertThat(a.timeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(a.maxAge()).isEqualTo(Duration.ofHours(2));
        assertThat(c.channels().get("b").maxAge()).isEqualTo(Duration.ofMinutes(90));
        assertThat(problems("channels:\n  c: { type: log, maxAge: 0.5ms }"))
                .containsExactly("channels.c.maxAge: must be a positive whole number of milliseconds: \"0.5ms\"");
    }

    @Test
    void badConfiguration_isOneExceptionListingEveryProblemWithItsPath() throws Exception {
        JsonNode root = new ObjectMapper().readTree("""
                {"channels": {"ops": {"type": "webhok", "url": "http://x"}, "fraud_sms": {"type": "sms",
                  "accountSid": "AC1", "authToken": "t", "from": "+15550000", "to": ["555-0100"]}},
                 "routes": [{"notify": ["consol"]}]}""");
        assertThatThrownBy(() -> NotifierSections.parse(root.get("channels"), root.get("routes"), null))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(Object::toString).containsExactly(
                                "channels.ops.type: unknown channel type \"webhok\"; did you mean \"webhook\"?",
                                "channels.fraud_sms.to[0]: not a phone number in E.164 form: \"555-0100\"",
                                "routes[0].notify[0]: unknown channel \"consol\"; configured: ops, fraud_sms"));
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("channels:\n  ops: { type: webhok, url: 'http://x' }",
                        List.of("channels.ops.type: unknown channel type \"webhok\"; did you mean \"webhook\"?")),
                Arguments.of("channels:\n  ops: { type: pager }",
                        List.of("channels.ops.type: unknown channel type \"pager\"; expected one of webhook, sms, email, log")),
                Arguments.of("channels:\n  ops: { url: 'http://x' }",
                        List.of("channels.ops.type: missing; expected one of webhook, sms, email, log")),
                Arguments.of("channels:\n  ops: { type: webhook }",
                        List.of("channels.ops.url: missing")),
                Arguments.of("channels:\n  ops: { type: webhook, url: 'ftp://x/y' }",
                        List.of("channels.ops.url: not an http or https URL: \"ftp://x/y\"")),
                Arguments.of("channels:\n  ops: { type: webhook, url: 'http://x', timout: 5s }",
                        List.of("channels.ops.timout: unknown key; did you mean \"timeout\"?")),
                Arguments.of("channels:\n  ops: { type: webhook, url: 'http://x', timeout: 5 }",
                        List.of("channels.ops.timeout: expected a duration such as \"10s\", got 5")),
                Arguments.of("channels:\n  ops: { type: webhook, url: 'http://x', timeout: 5 secs }",
                        List.of("channels.ops.timeout: unknown unit \"secs\" in duration \"5 secs\" (expected ms, s, min, h or d)")),
                Arguments.of("channels:\n  ops: { type: webhook, url: 'http://x', headers: { Host: y, webhook-id: z } }",
                        List.of("channels.ops.headers.Host: cannot be configured: the webhook channel or the HTTP client sets it",
                                "channels.ops.headers.webhook-id: cannot be configured: the webhook channel or the HTTP client sets it")),
                Arguments.of("channels:\n  fraud_sms: { type: sms, accountSid: AC1, authToken: t, from: '+15550000', to: ['555-0100'] }",
                        List.of("channels.fraud_sms.to[0]: not a phone number in E.164 form: \"555-0100\"")),
                Arguments.of("channels:\n  fraud_sms: { type: sms, accountSid: AC1, authToken: t, from: '+15550000', tos: ['+15550100'] }",
                        List.of("channels.fraud_sms.tos: unknown key; did you mean \"to\"?",
                                "channels.fraud_sms.to: missing")),
                Arguments.of("channels:\n  s: { type: sms, provider: twillio, accountSid: AC1, authToken: t, from: '+15550000', to: ['+15550100'], maxSegments: 11 }",
                        List.of("channels.s.provider: unknown SMS provider \"twillio\"; did you mean \"twilio\"?",
                                "channels.s.maxSegments: must be between 1 and 10: 11")),
                Arguments.of("channels:\n  s: { type: sms, to: ['+15550100'] }",
                        List.of("channels.s.accountSid: missing", "channels.s.authToken: missing", "channels.s.from: missing")),
                Arguments.of("channels:\n  m: { type: email, host: h, from: nobody, to: [ops@example.org, 'not an address'] }",
                        List.of("channels.m.from: not an email address: \"nobody\"",
                                "channels.m.to[1]: not an email address: \"not an address\"")),
                Arguments.of("channels:\n  m: { type: email, host: h, from: 'Vigil Alerts <alerts@example.org', to: ['Ops <ops@>', 'a@b.org, c@d.org'] }",
                        List.of("channels.m.from: not an email address: \"Vigil Alerts <alerts@example.org\"",
                                "channels.m.to[0]: not an email address: \"Ops <ops@>\"",
                                "channels.m.to[1]: not an email address: \"a@b.org, c@d.org\"")),
                Arguments.of("channels:\n  m: { type: email, host: h, from: 'Vigil Alerts alerts@example.org', to: [ops@example.org] }",
                        List.of("channels.m.from: not an email address: \"Vigil Alerts alerts@example.org\"")),
                Arguments.of("channels:\n  m: { type: email, host: h, startTls: true, tls: true, username: u, from: a@b.org, to: [c@d.org], port: 70000 }",
                        List.of("channels.m.tls: tls and startTls exclude each other: choose one",
                                "channels.m.port: must be between 1 and 65535: 70000",
                                "channels.m.password: missing (username and password go together)")),
                Arguments.of("channels:\n  m: { type: email, host: h, startTls: yes please, from: a@b.org, to: [] }",
                        List.of("channels.m.startTls: expected true or false, got \"yes please\"",
                                "channels.m.to: must not be empty")),
                Arguments.of("channels:\n  console: { type: log }\nroutes:\n  - { notify: [console] }\n  - { notify: [consol] }",
                        List.of("routes[1].notify[0]: unknown channel \"consol\"; did you mean \"console\"?")),
                Arguments.of("routes:\n  - { notify: [console] }",
                        List.of("routes[0].notify[0]: unknown channel \"console\"; no channels are configured")),
                Arguments.of("channels:\n  console: { type: log }\nroutes:\n  - { match: { severity: critcal, team: fraud }, notify: [console] }",
                        List.of("routes[0].match.team: unknown key; expected one of severity, rule, labels",
                                "routes[0].match.severity: unknown severity \"critcal\"; did you mean \"critical\"?")),
                Arguments.of("channels:\n  console: { type: log }\nroutes:\n  - { match: { severity: critical } }\n  - { notfiy: [console] }",
                        List.of("routes[0].notify: missing",
                                "routes[1].notfiy: unknown key; did you mean \"notify\"?",
                                "routes[1].notify: missing")),
                Arguments.of("routes: { notify: [x] }", List.of("routes: expected a list, got a mapping")),
                Arguments.of("channels: [a, b]", List.of("channels: expected a mapping, got a list")),
                Arguments.of("store: { path: x.db, wal: true }", List.of("store.wal: unknown key; expected one of path, journal")),
                Arguments.of("channels:\n  c: { type: log, workers: 0, maxAge: 0s }",
                        List.of("channels.c.maxAge: must be a positive whole number of milliseconds: \"0s\"",
                                "channels.c.workers: must be between 1 and 64: 0")));
    }

    /** A secret (YAML, single-quoted) and the whole message about it, which never quotes it. */
    static Stream<Arguments> badSecrets() {
        String form = "channels.fraud_hook.secret: not a Standard Webhooks secret"
                + " (whsec_ followed by the base64 of 24 to 64 random bytes): ";
        String fix = "; run \"vigil secret\" to make one";
        return Stream.of(
                Arguments.of("s3cret", form + "no \"whsec_\" prefix" + fix),
                // The Standard Webhooks test vector's key, without its prefix.
                Arguments.of("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", form + "no \"whsec_\" prefix" + fix),
                Arguments.of("WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", form + "no \"whsec_\" prefix" + fix),
                Arguments.of("whsec_abc!", form + "not base64 after \"whsec_\"" + fix),
                // base64url (- and _) is not what the reference libraries decode.
                Arguments.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa-_", form + "not base64 after \"whsec_\"" + fix),
                // 23 bytes without the padding that the reference libraries require.
                Arguments.of("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRY", form + "not base64 after \"whsec_\"" + fix),
                Arguments.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ", form + "not base64 after \"whsec_\"" + fix),
                Arguments.of("whsec_", form + "0 bytes after \"whsec_\", too few" + fix),
                Arguments.of("whsec_VE9QU0VDUkVU", form + "9 bytes after \"whsec_\", too few" + fix),
                Arguments.of("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRY=", form + "23 bytes after \"whsec_\", too few" + fix),
                Arguments.of("whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0A=",
                        form + "65 bytes after \"whsec_\", too many" + fix));
    }

    @ParameterizedTest
    @MethodSource("badSecrets")
    void webhookSecretNotInTheStandardWebhooksForm_isAnErrorNamingTheChannelAndHowToMakeOne(String secret,
            String message) {
        List<String> problems = problems("channels:\n  fraud_hook: { type: webhook, url: 'http://x', secret: '"
                + secret + "' }");
        assertThat(problems).containsExactly(message);
        if (secret.length() > 6) {
            assertThat(problems.get(0)).doesNotContain(secret.substring(6));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // 24 bytes: the Standard Webhooks test vector
            "whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM=", // 32 bytes, what vigil secret prints
            "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==", // 64
    })
    void webhookSecretOf24To64Bytes_isTaken(String secret) throws Exception {
        NotifierConfig c = parse("channels:\n  fraud_hook: { type: webhook, url: 'http://x', secret: '" + secret + "' }");
        ChannelConfig.Webhook w = (ChannelConfig.Webhook) c.channels().get("fraud_hook");
        assertThat(w.secret().orElseThrow().reveal()).isEqualTo(secret);
    }

    @ParameterizedTest
    @MethodSource("badConfigs")
    void badConfiguration_failsAtLoadNamingThePath(String yaml, List<String> expected) {
        assertThat(problems(yaml)).containsExactlyElementsOf(expected);
    }

    @Test
    void configException_messageListsEveryProblemOnItsOwnLine() {
        assertThatThrownBy(() -> parse("channels:\n  a: { type: webhook }\n  b: { type: smss }"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("channels.a.url: missing\nchannels.b.type: unknown channel type \"smss\"; did you mean \"sms\"?");
    }

    @Test
    void routing_rulesNotifyFirst_thenFirstMatchingRoute_elseNothing() throws Exception {
        NotifierConfig c = parse("""
                channels:
                  a: { type: log }
                  b: { type: log }
                  c: { type: log }
                routes:
                  - { match: { severity: [critical, high], labels: { team: fraud } }, notify: [a] }
                  - { match: { rule: stock_low }, notify: [b] }
                """);
        assertThat(c.channelsFor(alert("x", "r", Severity.CRITICAL, Map.of("team", "fraud"), List.of("c"))))
                .containsExactly("c");
        assertThat(c.channelsFor(alert("x", "r", Severity.HIGH, Map.of("team", "fraud"), List.of())))
                .containsExactly("a");
        assertThat(c.channelsFor(alert("x", "r", Severity.HIGH, Map.of("team", "ops"), List.of()))).isEmpty();
        assertThat(c.channelsFor(alert("x", "stock_low", Severity.INFO, Map.of(), List.of())))
                .containsExactly("b");
        assertThat(c.routes().get(0).match().severities()).isEqualTo(Set.of(Severity.CRITICAL, Severity.HIGH));
        assertThat(c.channels().get("a")).isEqualTo(new ChannelConfig.Log("a", Duration.ofHours(24), 1));
        assertThat(Optional.of(c.store())).contains(StoreConfig.defaults());
    }
}
