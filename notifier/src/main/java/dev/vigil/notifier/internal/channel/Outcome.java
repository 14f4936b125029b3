package dev.vigil.notifier.internal.channel;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What one delivery attempt gave, as a channel saw it, before anything is decided:
 * {@link RetryPolicy} alone turns it into delivered, retry or dead letter.
 */
sealed interface Outcome {
    /** The receiver accepted it (SMTP 250, Twilio 201, the log line written). */
    record Sent() implements Outcome {
    }

    /**
     * An HTTP response.
     *
     * @param retryAfter the {@code Retry-After} header as sent, when there was one
     */
    record Http(int status, Optional<String> retryAfter) implements Outcome {
        public Http {
            requireNonNull(retryAfter, "retryAfter is null");
        }
    }

    /** A negative SMTP reply: 4xx is transient, 5xx permanent (RFC 5321, 4.2.1). */
    record SmtpReply(int code, String text) implements Outcome {
    }

    /** No answer: connection refused or reset, unknown host, TLS handshake failed. */
    record Unreachable(String detail) implements Outcome {
    }

    /** The receiver did not answer within the channel's timeout. */
    record TimedOut(String detail) implements Outcome {
    }

    /** It can never be sent as configured (an address the server rejects, a bad login). */
    record Refused(String detail) implements Outcome {
    }

    /**
     * The channel itself failed unexpectedly: a bug, which the same attempt would repeat, so it is
     * given up at once (see {@link ChannelWorker}).
     */
    record Crashed(RuntimeException error) implements Outcome {
    }
}
