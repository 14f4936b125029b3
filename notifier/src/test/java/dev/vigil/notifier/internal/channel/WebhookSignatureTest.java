package dev.vigil.notifier.internal.channel;

import dev.vigil.testing.WebhookReceiver;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookSignatureTest {
    /** The Standard Webhooks specification's published test vector (also in the Svix libraries' tests). */
    @Test
    void standardWebhooksTestVector_reproducesExactly() {
        WebhookSignature s = new WebhookSignature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String sig = s.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8));
        assertThat(sig).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void standardWebhooksTestVector_verifiesWithTheTestReceiver() {
        assertThat(WebhookReceiver.verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                "1614265330", "v1,bm9wZQ== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8))).isTrue();
    }

    @Test
    void secretNotInTheStandardWebhooksForm_isRefused_thereIsNoPlainTextKey() {
        assertThatThrownBy(() -> new WebhookSignature("plain-text-key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a Standard Webhooks secret: no \"whsec_\" prefix");
        assertThatThrownBy(() -> new WebhookSignature("whsec_not base64!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a Standard Webhooks secret: not base64 after \"whsec_\"");
        assertThatThrownBy(() -> new WebhookSignature("whsec_VE9QU0VDUkVU"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a Standard Webhooks secret: 9 bytes after \"whsec_\", too few");
    }
}
