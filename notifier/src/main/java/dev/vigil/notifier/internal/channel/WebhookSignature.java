package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} and the base64 HMAC-SHA256 of
 * {@code "{id}.{timestamp}.{body}"}, keyed with the bytes the secret {@code whsec_<base64>} decodes
 * to, as the Standard Webhooks libraries verify them. There is no other kind of secret.
 */
final class WebhookSignature {
    static final String PREFIX = ChannelConfig.Webhook.SECRET_PREFIX;

    private final SecretKeySpec key;

    /** @throws IllegalArgumentException when {@code secret} is not a Standard Webhooks secret */
    WebhookSignature(String secret) {
        ChannelConfig.Webhook.secretProblem(secret).ifPresent(p -> {
            throw new IllegalArgumentException("not a Standard Webhooks secret: " + p);
        });
        this.key = new SecretKeySpec(Base64.getDecoder().decode(secret.substring(PREFIX.length())), "HmacSHA256");
    }

    /** The {@code webhook-signature} header value. */
    String sign(String id, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            mac.update(body);
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
