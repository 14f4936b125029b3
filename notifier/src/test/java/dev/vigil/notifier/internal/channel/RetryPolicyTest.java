package dev.vigil.notifier.internal.channel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

class RetryPolicyTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private static final Duration DAY = Duration.ofHours(24);
    /** Jitter at its top: always the nominal delay. */
    private static final RandomGenerator MAX = new RandomGenerator() {
        @Override
        public long nextLong() {
            return 0;
        }

        @Override
        public long nextLong(long bound) {
            return bound - 1;
        }
    };

    private final RetryPolicy policy = new RetryPolicy(Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5), MAX));

    private Decision decide(Outcome o) {
        return policy.decide(o, T0, 1, T0, DAY);
    }

    @ParameterizedTest(name = "SMTP {0} -> {1}")
    @CsvSource({"421, retry", "450, retry", "451, retry", "452, retry", "550, dead", "552, dead", "554, dead"})
    void smtpReplies_4xxRetried_5xxDeadLettered(int code, String expected) {
        Decision d = decide(new Outcome.SmtpReply(code, "x"));
        assertThat(d instanceof Decision.RetryAt ? "retry" : d instanceof Decision.Failed ? "dead" : "delivered")
                .isEqualTo(expected);
    }

    @Test
    void networkErrorsAndTimeouts_areRetried_refusalsAndChannelBugsAreNot() {
        assertThat(decide(new Outcome.Unreachable("refused"))).isInstanceOf(Decision.RetryAt.class);
        assertThat(decide(new Outcome.TimedOut("slow"))).isInstanceOf(Decision.RetryAt.class);
        assertThat(decide(new Outcome.Crashed(new IllegalStateException("bug"))))
                .isEqualTo(new Decision.Failed("channel failed: java.lang.IllegalStateException: bug"));
        assertThat(decide(new Outcome.Refused("bad login"))).isEqualTo(new Decision.Failed("bad login"));
        assertThat(decide(new Outcome.Sent())).isEqualTo(new Decision.Delivered());
    }

    @Test
    void retryAfterInSeconds_isHonoured() {
        assertThat(decide(new Outcome.Http(429, Optional.of("120"))))
                .isEqualTo(new Decision.RetryAt(T0.plusSeconds(120), "HTTP 429 (Retry-After: 120)"));
    }

    @Test
    void retryAfterAsHttpDate_isHonoured() {
        assertThat(decide(new Outcome.Http(503, Optional.of("Sat, 21 Nov 2026 10:05:00 GMT"))))
                .isEqualTo(new Decision.RetryAt(T0.plusSeconds(300), "HTTP 503 (Retry-After: Sat, 21 Nov 2026 10:05:00 GMT)"));
    }

    @Test
    void retryAfterUnreadable_fallsBackToTheBackoff() {
        assertThat(decide(new Outcome.Http(429, Optional.of("soon"))))
                .isEqualTo(new Decision.RetryAt(T0.plusMillis(1000), "HTTP 429 (Retry-After: soon)"));
    }

    @Test
    void backoff_doublesFromOneSecondToFiveMinutes() {
        Backoff b = Backoff.exponential(Duration.ofSeconds(1), Duration.ofMinutes(5), MAX);
        assertThat(b.delay(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.delay(9)).isEqualTo(Duration.ofSeconds(256));
        assertThat(b.delay(10)).isEqualTo(Duration.ofMinutes(5));
        assertThat(b.delay(1000)).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void backoffJitter_staysBetweenHalfAndAllOfTheNominalDelay() {
        Backoff b = Backoff.standard();
        for (int attempt = 1; attempt <= 12; attempt++) {
            long nominal = Math.min(300_000, 1000L << (attempt - 1));
            for (int i = 0; i < 50; i++) {
                assertThat(b.delay(attempt).toMillis()).isBetween(nominal / 2, nominal);
            }
        }
    }

    @Test
    void retryNeverPassesMaxAge_andAfterItTheDeliveryIsDeadLettered() {
        Instant late = T0.plus(DAY).minusMillis(300);
        assertThat(policy.decide(new Outcome.Http(500, Optional.empty()), T0, 200, late, DAY))
                .isEqualTo(new Decision.RetryAt(T0.plus(DAY), "HTTP 500"));
        assertThat(policy.decide(new Outcome.Http(500, Optional.empty()), T0, 201, T0.plus(DAY), DAY))
                .isEqualTo(new Decision.Failed("gave up after 201 attempts in 24 h: HTTP 500"));
    }
}
