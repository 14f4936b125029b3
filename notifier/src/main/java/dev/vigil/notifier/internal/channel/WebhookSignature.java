package dev.vigil.notifier.internal.channel;

import dev.vigil.notifier.ChannelConfig;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures: {@code v1,} and the base64 HMAC-SHA256 of
 * {@code "{id}.{timestamp}.{body}"}. A secret {@code whsec_<base64>} is keyed with the decoded
 * bytes, as the Standard Webhooks libraries do; any other secret with its UTF-8 bytes.
 */
final class WebhookSignature {
    static final String PREFIX = ChannelConfig.Webhook.SECRET_PREFIX;

    private final SecretKeySpec key;

    /** @throws IllegalArgumentException when a {@code whsec_} secret is not base64 after the prefix */
    WebhookSignature(String secret) {
        this.key = new SecretKeySpec(keyBytes(secret), "HmacSHA256");
    }

    static byte[] keyBytes(String secret) {
        if (secret.startsWith(PREFIX)) {
            return Base64.getDecoder().decode(secret.substring(PREFIX.length()));
        }
        return secret.getBytes(StandardCharsets.UTF_8);
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
