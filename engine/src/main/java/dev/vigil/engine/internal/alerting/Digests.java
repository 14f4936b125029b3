package dev.vigil.engine.internal.alerting;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Deterministic digests for alert and event ids. */
public final class Digests {
    private Digests() {
    }

    /** The first 128 bits of SHA-256, as 32 lower-case hex characters. */
    public static String hex128(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
