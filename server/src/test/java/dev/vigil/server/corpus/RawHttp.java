package dev.vigil.server.corpus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, so a case can send exactly the bytes it means: a foreign
 * {@code Host}, a {@code Content-Length} that lies, broken chunked encoding, invalid UTF-8. The
 * request is written whole, the socket's output half-closed (a server waiting for more of a
 * truncated body sees the end at once), and the answer read to the end.
 */
final class RawHttp {
    /** How long a case may wait for an answer: far longer than any answer takes, far shorter than a hang. */
    private static final int READ_TIMEOUT_MILLIS = 20_000;

    /** An answer: status, headers (names in lower case) and body (decoded from chunks when chunked). */
    record Response(int status, Map<String, String> headers, String body, String raw) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /**
     * A request with the given head and body; {@code Content-Length} is added for the body unless
     * the headers hold one, or {@code chunked} sends the body as chunks of at most 8 KiB.
     * A header whose value is null is left out.
     */
    static byte[] request(String method, String path, Map<String, String> headers, byte[] body, boolean chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
        boolean length = false;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getValue() != null) {
                head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
                length |= h.getKey().equalsIgnoreCase("Content-Length") || h.getKey().equalsIgnoreCase("Transfer-Encoding");
            }
        }
        if (chunked) {
            head.append("Transfer-Encoding: chunked\r\n");
        } else if (!length) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (chunked) {
            for (int i = 0; i < body.length; i += 8192) {
                int n = Math.min(8192, body.length - i);
                out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body, i, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    /** Sends the bytes to the loopback port and reads the whole answer. */
    static Response exchange(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(READ_TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                s.shutdownOutput();
            } catch (IOException e) {
                // The server may answer (413, 400) and close before it has read everything: read what it said.
            }
            InputStream in = s.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            try {
                in.transferTo(answer);
            } catch (java.net.SocketException e) {
                if (answer.size() == 0) {
                    throw e;
                }
            }
            return parse(answer.toByteArray());
        }
    }

    static Response parse(byte[] bytes) {
        String raw = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = raw.indexOf("\r\n\r\n");
        if (!raw.startsWith("HTTP/1.1 ") || end < 0) {
            return new Response(0, Map.of(), "", raw);
        }
        String[] lines = raw.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        byte[] rest = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        byte[] body = rest;
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(rest);
        } else if (headers.containsKey("content-length")) {
            int n = Integer.parseInt(headers.get("content-length"));
            body = java.util.Arrays.copyOf(rest, Math.min(n, rest.length));
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8), raw);
    }

    private static byte[] dechunk(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int eol = indexOf(in, i);
            if (eol < 0) {
                break;
            }
            String size = new String(in, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int n = Integer.parseInt(size, 16);
            if (n == 0) {
                break;
            }
            out.write(in, eol + 2, Math.min(n, in.length - eol - 2));
            i = eol + 2 + n + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
