package dev.vigil.notifier;

import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import dev.vigil.rules.ast.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The configuration records: routing, and the invariants each record checks when built. */
class NotifierConfigTest {
    private static final Duration DAY = Duration.ofHours(24);
    private static final Duration TEN_S = Duration.ofSeconds(10);
    private static final URI URL = URI.create("https://example.org/hook");

    private static ChannelConfig.Sms sms(String from, List<String> to, int maxSegments) {
        return new ChannelConfig.Sms("s", "twilio", ChannelConfig.Sms.TWILIO_BASE_URL, "AC1", Secret.of("t"), from, to,
                maxSegments, TEN_S, DAY, 1);
    }

    private static ChannelConfig.Email email(Optional<String> user, Optional<Secret> password, String from,
            List<String> to, int port) {
        return new ChannelConfig.Email("m", "smtp.example.org", port, ChannelConfig.Security.PLAIN, user, password,
                from, to, TEN_S, DAY, 1);
    }

    private static ChannelConfig.Webhook webhook(URI url, Optional<String> secret, Map<String, String> headers) {
        return new ChannelConfig.Webhook("w", url, secret.map(Secret::of), TEN_S, headers, DAY, 1);
    }

    static Stream<Arguments> invalidRecords() {
        return Stream.<Arguments>of(
                Arguments.of((Supplier<Object>) () -> new ChannelConfig.Log("c", Duration.ZERO, 1),
                        "maxAge must be positive: PT0S"),
                Arguments.of((Supplier<Object>) () -> new ChannelConfig.Log("c", DAY, 65),
                        "workers must be between 1 and 64: 65"),
                Arguments.of((Supplier<Object>) () -> webhook(URI.create("ftp://x/y"), Optional.empty(), Map.of()),
                        "url must be an http or https URL: ftp://x/y"),
                Arguments.of((Supplier<Object>) () -> webhook(URL, Optional.of("whsec_abc!"), Map.of()),
                        "secret is not a Standard Webhooks secret (whsec_ followed by the base64 of 24 to 64 random"
                                + " bytes): not base64 after \"whsec_\""),
                Arguments.of((Supplier<Object>) () -> webhook(URL, Optional.of("plain-text-key"), Map.of()),
                        "secret is not a Standard Webhooks secret (whsec_ followed by the base64 of 24 to 64 random"
                                + " bytes): no \"whsec_\" prefix"),
                Arguments.of((Supplier<Object>) () -> webhook(URL, Optional.of("whsec_VE9QU0VDUkVU"), Map.of()),
                        "secret is not a Standard Webhooks secret (whsec_ followed by the base64 of 24 to 64 random"
                                + " bytes): 9 bytes after \"whsec_\", too few"),
                Arguments.of((Supplier<Object>) () -> webhook(URL, Optional.empty(), Map.of("Host", "x")),
                        "headers: Host cannot be configured: the webhook channel or the HTTP client sets it"),
                Arguments.of((Supplier<Object>) () -> webhook(URL, Optional.empty(), Map.of("X Team", "x")),
                        "headers: not a valid header name: \"X Team\""),
                Arguments.of((Supplier<Object>) () -> new ChannelConfig.Webhook("w", URL, Optional.empty(),
                        Duration.ofMillis(-1), Map.of(), DAY, 1), "timeout must be positive: PT-0.001S"),
                Arguments.of((Supplier<Object>) () -> sms("+15550000", List.of("555-0100"), 1),
                        "to[0] is not a phone number in E.164 form: 555-0100"),
                Arguments.of((Supplier<Object>) () -> sms("+15550000", List.of(), 1), "to must not be empty"),
                Arguments.of((Supplier<Object>) () -> sms("no way, too long", List.of("+15550100"), 1),
                        "from is not a phone number in E.164 form nor an alphanumeric sender id: no way, too long"),
                Arguments.of((Supplier<Object>) () -> sms("+15550000", List.of("+15550100"), 11),
                        "maxSegments must be between 1 and 10: 11"),
                Arguments.of((Supplier<Object>) () -> new ChannelConfig.Sms("s", "twillio",
                        ChannelConfig.Sms.TWILIO_BASE_URL, "AC1", Secret.of("t"), "+15550000", List.of("+15550100"), 1,
                        TEN_S, DAY, 1), "provider must be one of twilio: twillio"),
                Arguments.of((Supplier<Object>) () -> email(Optional.of("u"), Optional.empty(), "a@b.org",
                        List.of("c@d.org"), 25), "username and password go together: password is missing"),
                Arguments.of((Supplier<Object>) () -> email(Optional.empty(), Optional.empty(), "nobody",
                        List.of("c@d.org"), 25), "from is not an email address: nobody"),
                Arguments.of((Supplier<Object>) () -> email(Optional.empty(), Optional.empty(), "a@b.org",
                        List.of("c@d.org", "not an address"), 25), "to[1] is not an email address: not an address"),
                Arguments.of((Supplier<Object>) () -> email(Optional.empty(), Optional.empty(),
                        "Vigil Alerts <alerts@example.org", List.of("c@d.org"), 25),
                        "from is not an email address: Vigil Alerts <alerts@example.org"),
                Arguments.of((Supplier<Object>) () -> email(Optional.empty(), Optional.empty(), "a@b.org",
                        List.of("a@b.org, c@d.org"), 25), "to[0] is not an email address: a@b.org, c@d.org"),
                Arguments.of((Supplier<Object>) () -> email(Optional.empty(), Optional.empty(), "a@b.org",
                        List.of("c@d.org"), 70000), "port must be between 1 and 65535: 70000"),
                Arguments.of((Supplier<Object>) () -> new Route(Route.Match.ANY, List.of()),
                        "a route must name at least one channel"),
                Arguments.of((Supplier<Object>) () -> new NotifierConfig(Map.of("a", Configs.log("b")), List.of(),
                        StoreConfig.defaults()), "channels: the channel under \"a\" is named \"b\""),
                Arguments.of((Supplier<Object>) () -> new NotifierConfig(Map.of("a", Configs.log("a")),
                        List.of(new Route(Route.Match.ANY, List.of("a", "b"))), StoreConfig.defaults()),
                        "routes[0] names an unknown channel: \"b\""));
    }

    @ParameterizedTest
    @MethodSource("invalidRecords")
    void invalidRecord_isRefusedNamingTheFieldAndTheValue(Supplier<Object> build, String message) {
        assertThatThrownBy(build::get).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void secrets_neverAppearInToString() {
        NotifierConfig c = Configs.of(java.nio.file.Path.of("v.db"),
                webhook(URL, Optional.of("whsec_ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoM="), Map.of()),
                email(Optional.of("u"), Optional.of(Secret.of("PASSWORDVALUE")), "a@b.org", List.of("c@d.org"), 25));
        assertThat(c.toString()).doesNotContain("ZGVmZ2hpamtsbW5v", "PASSWORDVALUE").contains("******");
    }

    @Test
    void routing_rulesNotifyFirst_thenFirstMatchingRoute_elseNothing() {
        Map<String, ChannelConfig> channels = Map.of("a", Configs.log("a"), "b", Configs.log("b"), "c", Configs.log("c"));
        NotifierConfig c = new NotifierConfig(channels, List.of(
                new Route(new Route.Match(Set.of(Severity.CRITICAL, Severity.HIGH), Set.of(), Map.of("team", "fraud")),
                        List.of("a")),
                new Route(new Route.Match(Set.of(), Set.of("stock_low"), Map.of()), List.of("b"))),
                StoreConfig.defaults());
        assertThat(c.channelsFor(Alerts.alert("x", "r", Severity.CRITICAL, Map.of("team", "fraud"), List.of("c"))))
                .containsExactly("c");
        assertThat(c.channelsFor(Alerts.alert("x", "r", Severity.HIGH, Map.of("team", "fraud"), List.of())))
                .containsExactly("a");
        assertThat(c.channelsFor(Alerts.alert("x", "r", Severity.HIGH, Map.of("team", "ops"), List.of()))).isEmpty();
        assertThat(c.channelsFor(Alerts.alert("x", "stock_low", Severity.INFO, Map.of(), List.of())))
                .containsExactly("b");
    }
}
