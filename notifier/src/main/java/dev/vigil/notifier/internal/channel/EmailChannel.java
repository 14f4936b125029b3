package dev.vigil.notifier.internal.channel;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.notifier.ChannelConfig;
import dev.vigil.notifier.Secret;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.util.MailConnectException;

import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code type: email}: SMTP through Angus Mail, plain, STARTTLS (required, not opportunistic) or
 * TLS, with optional login. {@code from} and {@code to} may carry display names
 * ({@code Vigil Alerts <alerts@example.org>}): the headers show them, the SMTP envelope has the bare
 * addresses. Subject {@code [SEVERITY] title (key)}; a multipart/alternative body,
 * text and HTML, with the message, key, values, labels, time and matched events. The
 * {@code Message-ID} is derived from the alert id, so mail systems can drop a repeat.
 */
final class EmailChannel implements Channel {
    private final ChannelConfig.Email config;
    private final Clock clock;
    private final Session session;
    private final InternetAddress from;
    private final List<InternetAddress> to;

    EmailChannel(ChannelConfig.Email config, Clock clock) {
        this.config = config;
        this.clock = clock;
        String protocol = protocol();
        String p = "mail." + protocol + ".";
        Properties props = new Properties();
        props.setProperty(p + "host", config.host());
        props.setProperty(p + "port", Integer.toString(config.port()));
        // Jakarta Mail waits forever by default: a stuck server would hold the worker for good.
        String timeout = Long.toString(config.timeout().toMillis());
        props.setProperty(p + "connectiontimeout", timeout);
        props.setProperty(p + "timeout", timeout);
        props.setProperty(p + "writetimeout", timeout);
        props.setProperty(p + "auth", Boolean.toString(config.username().isPresent()));
        switch (config.security()) {
            case PLAIN -> {
            }
            case STARTTLS -> {
                props.setProperty(p + "starttls.enable", "true");
                props.setProperty(p + "starttls.required", "true");
                props.setProperty(p + "ssl.checkserveridentity", "true");
            }
            case TLS -> props.setProperty(p + "ssl.checkserveridentity", "true");
        }
        // The envelope sender (MAIL FROM) is the bare address: the display name belongs in the
        // From header only, and servers refuse MAIL FROM:<Vigil Alerts <alerts@example.org>>.
        this.from = address(config.from());
        this.to = config.to().stream().map(EmailChannel::address).toList();
        props.setProperty(p + "from", from.getAddress());
        this.session = Session.getInstance(props);
    }

    /**
     * An address of the configuration (RFC 5322, with or without a display name), its display name
     * re-encoded for a header (RFC 2047 when it is not ASCII).
     */
    static InternetAddress address(String text) {
        try {
            InternetAddress parsed = new InternetAddress(text, true);
            return parsed.getPersonal() == null ? parsed
                    : new InternetAddress(parsed.getAddress(), parsed.getPersonal(), "UTF-8");
        } catch (AddressException | UnsupportedEncodingException e) {
            // ChannelConfig.Email checked every address with the same parser.
            throw new IllegalArgumentException("not an email address: " + text, e);
        }
    }

    private String protocol() {
        return switch (config.security()) {
            case PLAIN, STARTTLS -> "smtp";
            case TLS -> "smtps";
        };
    }

    /** The message as sent, for a delivery. */
    MimeMessage message(Delivery delivery) throws MessagingException {
        JsonNode alert = delivery.alert();
        String messageId = "<" + delivery.alertId() + "." + config.name() + "@vigil>";
        MimeMessage m = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", messageId);
            }
        };
        m.setFrom(from);
        m.setRecipients(Message.RecipientType.TO, to.toArray(InternetAddress[]::new));
        m.setSubject(AlertText.subject(alert), "UTF-8");
        m.setSentDate(Date.from(clock.instant()));
        m.setHeader("X-Vigil-Alert-Id", delivery.alertId());
        MimeBodyPart text = new MimeBodyPart();
        text.setText(text(alert), "UTF-8", "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(html(alert), "UTF-8", "html");
        MimeMultipart body = new MimeMultipart("alternative");
        body.addBodyPart(text);
        body.addBodyPart(html);
        m.setContent(body);
        return m;
    }

    @Override
    public Outcome send(Delivery delivery) throws InterruptedException {
        MimeMessage m;
        try {
            m = message(delivery);
        } catch (MessagingException e) {
            return new Outcome.Refused("cannot build the message: " + e.getMessage());
        }
        try (Transport t = session.getTransport(protocol())) {
            t.connect(config.host(), config.port(), config.username().orElse(null),
                    config.password().map(Secret::reveal).orElse(null));
            t.sendMessage(m, m.getAllRecipients());
            return new Outcome.Sent();
        } catch (MessagingException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException("stopped while sending mail");
            }
            return outcome(e);
        }
    }

    /** Sorts Jakarta Mail's exceptions into outcomes; {@link RetryPolicy} decides from there. */
    private Outcome outcome(MessagingException e) {
        String where = config.host() + ":" + config.port();
        for (Throwable c = e; c != null; c = next(c)) {
            if (c instanceof SMTPSendFailedException s && s.getReturnCode() > 0) {
                return new Outcome.SmtpReply(s.getReturnCode(), oneLine(s.getMessage()));
            }
            if (c instanceof SMTPAddressFailedException a && a.getReturnCode() > 0) {
                return new Outcome.SmtpReply(a.getReturnCode(), oneLine(a.getMessage()));
            }
            if (c instanceof AuthenticationFailedException a) {
                return new Outcome.Refused("SMTP login to " + where + " refused: " + oneLine(a.getMessage()));
            }
            if (c instanceof SocketTimeoutException) {
                return new Outcome.TimedOut("no answer from " + where + " within " + config.timeout().toMillis() + " ms");
            }
            if (c instanceof MailConnectException || c instanceof IOException) {
                return new Outcome.Unreachable("SMTP " + where + ": " + oneLine(c.getMessage()));
            }
        }
        // Anything else (a greeting refused, STARTTLS unsupported): a network-level failure.
        return new Outcome.Unreachable("SMTP " + where + ": " + oneLine(e.getMessage()));
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null) {
            return m.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    // ---------------------------------------------------------------- bodies

    static String text(JsonNode alert) {
        StringBuilder b = new StringBuilder();
        b.append(alert.path("message").asText("")).append("\n\n");
        b.append("Rule:     ").append(alert.path("rule").asText("")).append(" (").append(alert.path("title").asText(""))
                .append(")\n");
        b.append("Status:   ").append(alert.path("status").asText("")).append('\n');
        b.append("Severity: ").append(alert.path("severity").asText("")).append('\n');
        b.append("Time:     ").append(alert.path("time").asText("")).append('\n');
        b.append("Key:      ").append(AlertText.key(alert)).append('\n');
        appendFields(b, "Values", alert.path("values"));
        appendFields(b, "Labels", alert.path("labels"));
        JsonNode events = alert.path("events");
        b.append("\nMatched events (").append(events.size()).append("):\n");
        for (JsonNode e : events) {
            b.append("  ").append(e.path("time").asText("")).append("  ").append(e.path("type").asText(""))
                    .append("  ").append(e.path("data").toString()).append('\n');
        }
        b.append("\nAlert id: ").append(alert.path("id").asText("")).append('\n');
        return b.toString();
    }

    private static void appendFields(StringBuilder b, String title, JsonNode fields) {
        b.append('\n').append(title).append(":\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.append("  ").append(e.getKey()).append(" = ").append(AlertText.value(e.getValue())).append('\n');
        }
    }

    static String html(JsonNode alert) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html><body style=\"font-family: sans-serif\">\n");
        b.append("<h2>").append(esc(AlertText.subject(alert))).append("</h2>\n");
        b.append("<p>").append(esc(alert.path("message").asText(""))).append("</p>\n");
        b.append("<table>\n");
        row(b, "Rule", alert.path("rule").asText("") + " (" + alert.path("title").asText("") + ")");
        row(b, "Status", alert.path("status").asText(""));
        row(b, "Severity", alert.path("severity").asText(""));
        row(b, "Time", alert.path("time").asText(""));
        row(b, "Key", AlertText.key(alert));
        b.append("</table>\n");
        fieldTable(b, "Values", alert.path("values"));
        fieldTable(b, "Labels", alert.path("labels"));
        JsonNode events = alert.path("events");
        b.append("<h3>Matched events (").append(events.size()).append(")</h3>\n<table>\n");
        b.append("<tr><th>time</th><th>type</th><th>data</th></tr>\n");
        for (JsonNode e : events) {
            b.append("<tr><td>").append(esc(e.path("time").asText(""))).append("</td><td>")
                    .append(esc(e.path("type").asText(""))).append("</td><td><code>")
                    .append(esc(e.path("data").toString())).append("</code></td></tr>\n");
        }
        b.append("</table>\n<p><small>Alert id ").append(esc(alert.path("id").asText(""))).append("</small></p>\n");
        b.append("</body></html>\n");
        return b.toString();
    }

    private static void fieldTable(StringBuilder b, String title, JsonNode fields) {
        b.append("<h3>").append(title).append("</h3>\n<table>\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            row(b, e.getKey(), AlertText.value(e.getValue()));
        }
        b.append("</table>\n");
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append("<tr><th align=\"left\">").append(esc(name)).append("</th><td>").append(esc(value))
                .append("</td></tr>\n");
    }

    /** HTML text escaping: the five characters that can open markup or end an attribute. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
