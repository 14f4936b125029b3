package dev.vigil.engine;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8, as every source reads events: malformed input (a lone {@code 0xff}, an overlong
 * form, an encoded surrogate as CESU-8 writes them, a sequence cut short) is an error naming the
 * byte, never replaced by U+FFFD.
 */
public final class Utf8 {
    /** Bytes that are not UTF-8; the message names the offset of the first bad byte. */
    public static final class MalformedException extends Exception {
        private static final long serialVersionUID = 1L;
        private final int offset;

        MalformedException(int offset, int value) {
            super("not valid UTF-8: byte 0x" + String.format("%02x", value & 0xff) + " at offset " + offset);
            this.offset = offset;
        }

        /** Offset of the first malformed byte, from the start of the decoded range. */
        public int offset() {
            return offset;
        }
    }

    private Utf8() {
    }

    /** Decodes {@code length} bytes from {@code offset}. */
    public static String decode(byte[] bytes, int offset, int length) throws MalformedException {
        boolean ascii = true;
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer out = CharBuffer.allocate(length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            throw new MalformedException(in.position() - offset, bytes[in.position()]);
        }
        r = decoder.flush(out);
        if (r.isError()) {
            throw new MalformedException(in.position() - offset, bytes[Math.max(offset, in.position() - 1)]);
        }
        return out.flip().toString();
    }

    /** Decodes all of {@code bytes}. */
    public static String decode(byte[] bytes) throws MalformedException {
        return decode(bytes, 0, bytes.length);
    }
}
