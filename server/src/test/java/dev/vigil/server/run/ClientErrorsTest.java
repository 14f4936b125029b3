package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests that are broken on the wire are the client's error: 4xx with a reason, never 500. */
class ClientErrorsTest {
    @TempDir
    Path dir;
    private VigilServer server;

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/t.rules"), "event Ping {\n    source string\n}\n"
                + "rule ping { when Ping(source == \"x\") key source }\n");
        Files.writeString(dir.resolve("vigil.yaml"), "rules: { dir: rules }\nserver: { port: 0 }\nstore: { path: vigil.db }\n");
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Sends raw bytes, half-closes, and returns the whole answer. */
    private String raw(String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            in.transferTo(answer);
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void truncatedBody_is400() throws Exception {
        String a = raw("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"type\":\"Ping\"");
        assertThat(a).startsWith("HTTP/1.1 400");
        assertThat(a).doesNotContain("internal error");
    }

    @Test
    void badChunkedEncoding_is400() throws Exception {
        String a = raw("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
        assertThat(a).startsWith("HTTP/1.1 400");
        assertThat(a).doesNotContain("internal error");
    }

    @Test
    void unknownCharset_is415_withTheReason() throws Exception {
        String body = "{\"type\":\"Ping\",\"data\":{\"source\":\"x\"}}";
        String a = raw("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json; charset=ebcdic\r\n"
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
        assertThat(a).startsWith("HTTP/1.1 415");
        assertThat(a).contains("unsupported charset `ebcdic`: events are UTF-8");
    }

    @Test
    void invalidUtf8InAJsonBody_is400_andAGoodEventAfterItIsAccepted() throws Exception {
        String a = raw("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: 39\r\nConnection: close\r\n\r\n{\"type\":\"Ping\",\"data\":{\"source\":\"x\u00ff\u00fe\"}}");
        assertThat(a).startsWith("HTTP/1.1 400");
        assertThat(a).contains("body is not valid UTF-8");
        String body = "{\"type\":\"Ping\",\"data\":{\"source\":\"x\"}}";
        String ok = raw("POST /events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
        assertThat(ok).startsWith("HTTP/1.1 202");
    }
}
