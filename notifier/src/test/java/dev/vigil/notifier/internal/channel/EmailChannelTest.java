package dev.vigil.notifier.internal.channel;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.vigil.engine.Alert;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.ChannelStats;
import dev.vigil.notifier.Notifier;
import dev.vigil.notifier.Secret;
import dev.vigil.notifier.testing.Alerts;
import dev.vigil.notifier.testing.Configs;
import dev.vigil.notifier.testing.Outbox;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;
import jakarta.mail.Address;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class EmailChannelTest {
    @RegisterExtension
    static final GreenMailExtension GREENMAIL = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("alerts@example.org", "alerts", "pw"))
            .withPerMethodLifecycle(true);

    /** Real retries, short: 10 ms doubling to 40 ms. */
    private static final Duration FAST_BASE = Duration.ofMillis(10);
    private static final Duration FAST_CAP = Duration.ofMillis(40);

    private static Notifier start(ChannelConfig.Email channel, Path dir) {
        return Notifier.newBuilder(Configs.of(dir.resolve("vigil.db"), channel))
                .backoff(FAST_BASE, FAST_CAP).pollInterval(Duration.ofMillis(20)).start();
    }

    /** {@code ops_email: { type: email, host: 127.0.0.1, port: ..., from: alerts@example.org, ... }}. */
    private static ChannelConfig.Email email(int port, Duration timeout, Optional<String> username,
            Optional<String> password, String... to) {
        return new ChannelConfig.Email("ops_email", "127.0.0.1", port, ChannelConfig.Security.PLAIN, username,
                password.map(Secret::of), "alerts@example.org", List.of(to), timeout, ChannelConfig.DEFAULT_MAX_AGE,
                ChannelConfig.DEFAULT_WORKERS);
    }

    /** {@code ops_email: { type: email, host: 127.0.0.1, port: ..., from: FROM, to: [...] }}. */
    private static ChannelConfig.Email emailFrom(int port, String from, String... to) {
        return new ChannelConfig.Email("ops_email", "127.0.0.1", port, ChannelConfig.Security.PLAIN, Optional.empty(),
                Optional.empty(), from, List.of(to), Duration.ofSeconds(5), ChannelConfig.DEFAULT_MAX_AGE,
                ChannelConfig.DEFAULT_WORKERS);
    }

    private static ChannelConfig.Email email(int port, Duration timeout, String... to) {
        return email(port, timeout, Optional.empty(), Optional.empty(), to);
    }

    /** An alert with two matched events and markup in its message, built by the real decoder. */
    private static Alert alertWithEvents() {
        EventDecoder decoder = EventDecoder.of(RulesCompiler.compile(new SourceFile("t.rules", """
                event Transaction {
                    cardId string
                    amount double
                    merchant string
                }
                """)).orThrow(), Clock.systemUTC());
        List<Event> events = java.util.stream.Stream.of(
                decoder.decodeJson("{\"type\":\"Transaction\",\"id\":\"tx-1\",\"time\":\"2026-11-21T10:00:00Z\","
                        + "\"data\":{\"cardId\":\"c-1001\",\"amount\":1.0,\"merchant\":\"m-7\"}}", "line 1"),
                decoder.decodeJson("{\"type\":\"Transaction\",\"id\":\"tx-2\",\"time\":\"2026-11-21T10:04:12.345Z\","
                        + "\"data\":{\"cardId\":\"c-1001\",\"amount\":812.5,\"merchant\":\"<b>m-9</b>\"}}", "line 2"))
                .map(d -> ((Decoded.Accepted) d).event()).toList();
        Alert a = Alerts.alert("5b1f0d3c9a2e4f70b8c1d2e3f4a5b6c7", "ops_email");
        return new Alert(a.id(), a.rule(), a.title(), a.status(), a.severity(), a.key(),
                "Card c-1001: test charge 1.0, then 812.5 at <b>m-9</b> & co", a.time(), a.raisedAt(),
                Map.of("team", "fraud"), a.values(), events, a.channels(), 0);
    }

    @Test
    void alert_isMailedWithSubjectBothBodiesAndEveryRecipient(@TempDir Path dir) throws Exception {
        int port = GREENMAIL.getSmtp().getPort();
        try (Notifier n = start(email(port, Duration.ofSeconds(5), "ops@example.org", "oncall@example.org"), dir)) {
            Alert alert = alertWithEvents();
            n.onAlert(alert);
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
        }
        MimeMessage[] received = GREENMAIL.getReceivedMessages();
        assertThat(received).hasSize(2);
        MimeMessage m = received[0];
        assertThat(m.getSubject()).isEqualTo("[CRITICAL] Tiny test charge, then a large purchase (cardId=c-1001)");
        assertThat(Arrays.stream(m.getRecipients(Message.RecipientType.TO)).map(Address::toString))
                .containsExactly("ops@example.org", "oncall@example.org");
        assertThat(m.getFrom()[0].toString()).isEqualTo("alerts@example.org");
        assertThat(m.getMessageID()).isEqualTo("<5b1f0d3c9a2e4f70b8c1d2e3f4a5b6c7.ops_email@vigil>");
        MimeMultipart body = (MimeMultipart) m.getContent();
        assertThat(body.getContentType()).startsWith("multipart/alternative");
        assertThat(body.getCount()).isEqualTo(2);
        assertThat(body.getBodyPart(0).getContentType()).startsWith("text/plain");
        String text = (String) body.getBodyPart(0).getContent();
        assertThat(text).contains("Card c-1001: test charge 1.0, then 812.5 at <b>m-9</b> & co",
                "Key:      cardId=c-1001", "a.amount = 1.0", "b.amount = 812.5", "team = fraud",
                "Time:     2026-11-21T10:04:12.345Z", "Matched events (2):",
                "2026-11-21T10:00:00.000Z  Transaction  {\"cardId\":\"c-1001\",\"amount\":1.0,\"merchant\":\"m-7\"}");
        assertThat(body.getBodyPart(1).getContentType()).startsWith("text/html");
        String html = (String) body.getBodyPart(1).getContent();
        assertThat(html).contains("then 812.5 at &lt;b&gt;m-9&lt;/b&gt; &amp; co", "<th align=\"left\">Key</th><td>cardId=c-1001</td>",
                "<th align=\"left\">b.amount</th><td>812.5</td>", "<td>fraud</td>",
                "&quot;merchant&quot;:&quot;&lt;b&gt;m-9&lt;/b&gt;&quot;", "2026-11-21T10:04:12.345Z")
                .doesNotContain("<b>m-9</b>");
    }

    /**
     * A {@code from} with a display name: the SMTP envelope ({@code MAIL FROM}, which GreenMail
     * records as {@code Return-Path}) takes the address alone, the {@code From} header the full form.
     * Before, the whole text went into {@code MAIL FROM:<Vigil Alerts <...>>}, which servers refuse
     * with 501, so every mail was dead-lettered.
     */
    @Test
    void fromWithADisplayName_isTheAddressInTheEnvelopeAndInFullInTheFromHeader(@TempDir Path dir) throws Exception {
        int port = GREENMAIL.getSmtp().getPort();
        try (Notifier n = start(emailFrom(port,
                "Vigil Alerts <alerts@example.org>", "Ops Team <ops@example.org>", "oncall@example.org"), dir)) {
            n.onAlert(Alerts.alert("a1", "ops_email"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            assertThat(n.stats().channels().get(0).delivered()).isEqualTo(1);
        }
        MimeMessage[] received = GREENMAIL.getReceivedMessages();
        assertThat(received).hasSize(2);
        for (MimeMessage m : received) {
            assertThat(m.getHeader("Return-Path")).containsExactly("<alerts@example.org>");
            assertThat(m.getHeader("From")).containsExactly("Vigil Alerts <alerts@example.org>");
            assertThat(m.getHeader("To")).containsExactly("Ops Team <ops@example.org>, oncall@example.org");
            InternetAddress from = (InternetAddress) m.getFrom()[0];
            assertThat(from.getAddress()).isEqualTo("alerts@example.org");
            assertThat(from.getPersonal()).isEqualTo("Vigil Alerts");
        }
    }

    /** A display name beyond ASCII goes into the header encoded (RFC 2047), never as raw 8-bit text. */
    @Test
    void displayNameBeyondAscii_isEncodedInTheFromHeader(@TempDir Path dir) throws Exception {
        int port = GREENMAIL.getSmtp().getPort();
        try (Notifier n = start(emailFrom(port,
                "Équipe Vigil <alerts@example.org>", "ops@example.org"), dir)) {
            n.onAlert(Alerts.alert("a1", "ops_email"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
        }
        MimeMessage m = GREENMAIL.getReceivedMessages()[0];
        assertThat(m.getHeader("Return-Path")).containsExactly("<alerts@example.org>");
        assertThat(m.getHeader("From")).containsExactly("=?UTF-8?Q?=C3=89quipe_Vigil?= <alerts@example.org>");
        assertThat(((InternetAddress) m.getFrom()[0]).getPersonal()).isEqualTo("Équipe Vigil");
    }

    @Test
    void smtpLogin_isUsedWhenConfigured_andAWrongPasswordIsADeadLetter(@TempDir Path dir) throws Exception {
        int port = GREENMAIL.getSmtp().getPort();
        try (Notifier n = start(email(port, ChannelConfig.DEFAULT_TIMEOUT, Optional.of("alerts"), Optional.of("pw"),
                "ops@example.org"), dir.resolve("a"))) {
            n.onAlert(Alerts.alert("a1", "ops_email"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            assertThat(n.stats().channels().get(0).delivered()).isEqualTo(1);
        }
        try (Notifier n = start(email(port, ChannelConfig.DEFAULT_TIMEOUT, Optional.of("alerts"), Optional.of("wrong"),
                "ops@example.org"), dir.resolve("b"))) {
            n.onAlert(Alerts.alert("a2", "ops_email"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            assertThat(n.history().deadLetters()).singleElement()
                    .satisfies(d -> assertThat(d.lastError()).startsWith("SMTP login to 127.0.0.1:" + port + " refused"));
        }
        assertThat(GREENMAIL.getReceivedMessages()).hasSize(1);
    }

    @Test
    void smtpServerThatRejectsThenAccepts_getsTheMailOnce(@TempDir Path dir) throws Exception {
        try (FakeSmtp smtp = new FakeSmtp(2, "451 4.3.0 try again later");
                Notifier n = start(email(smtp.port(), Duration.ofSeconds(5), "ops@example.org"), dir)) {
            n.onAlert(Alerts.alert("a1", "ops_email"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            assertThat(smtp.transactions()).isEqualTo(3);
            assertThat(smtp.accepted()).singleElement().satisfies(d -> assertThat(d).contains("X-Vigil-Alert-Id: a1"));
            assertThat(n.stats().channels().get(0)).isEqualTo(new ChannelStats("ops_email", 1, 2, 0, 0));
        }
    }

    @Test
    void permanentSmtpRejection_isADeadLetterAtOnce(@TempDir Path dir) throws Exception {
        try (FakeSmtp smtp = new FakeSmtp(1, "550 5.7.1 relaying denied");
                Notifier n = start(email(smtp.port(), ChannelConfig.DEFAULT_TIMEOUT, "ops@example.org"), dir)) {
            n.onAlert(Alerts.alert("a1", "ops_email"));
            assertThat(n.awaitOutboxEmpty(Duration.ofSeconds(10))).isTrue();
            assertThat(n.history().deadLetters()).singleElement().satisfies(d -> {
                assertThat(d.lastError()).startsWith("SMTP 550").contains("relaying denied");
                assertThat(d.attempts()).isEqualTo(1);
            });
            assertThat(smtp.accepted()).isEmpty();
        }
    }

    @Test
    void unreachableSmtpServer_isRetried(@TempDir Path dir) throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (Notifier n = start(email(port, Duration.ofSeconds(1), "ops@example.org"), dir)) {
            n.onAlert(Alerts.alert("a1", "ops_email"));
            await().atMost(Duration.ofSeconds(10)).until(() -> n.stats().channels().get(0).retried() >= 2);
            assertThat(Outbox.of(dir.resolve("vigil.db"))).singleElement()
                    .satisfies(e -> assertThat(e.lastError().orElseThrow()).startsWith("SMTP 127.0.0.1:" + port));
        }
    }
}
