package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Who may talk to the admin API: token, loopback, Host. */
class AuthTest {
    private static VigilConfig config(Path dir, String server) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("vigil.yaml"), "rules: { dir: rules }\nserver: " + server
                + "\nstore: { path: vigil.db }\n");
        return new ConfigLoader(Map.of("TOKEN", "s3cret-token")).load(dir.resolve("vigil.yaml"));
    }

    /** The status line of a raw GET with the given Host header (HttpClient will not send a foreign Host). */
    private static String get(int port, String path, String host, String token) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n")
                    + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    @Test
    void noToken_onEveryInterface_refusesToStart_namingBothSettings(@TempDir Path dir) throws Exception {
        VigilConfig c = config(dir, "{ host: 0.0.0.0, port: 0 }");
        assertThatThrownBy(() -> VigilServer.start(c, Clock.systemUTC()))
                .isInstanceOf(VigilServer.StartException.class)
                .hasMessage("server.host is 0.0.0.0 but no server.adminToken is set: the admin API would be open to"
                        + " the network without a token; set server.adminToken (for example \"${VIGIL_ADMIN_TOKEN}\")"
                        + " or listen on 127.0.0.1");
    }

    @Test
    void noToken_onLoopback_answersOnlyLoopbackHostNames(@TempDir Path dir) throws Exception {
        try (VigilServer server = VigilServer.start(config(dir, "{ port: 0 }"), Clock.systemUTC())) {
            int port = server.port();
            assertThat(get(port, "/api/rules", "localhost:" + port, null)).contains(" 200");
            assertThat(get(port, "/api/rules", "127.0.0.1:" + port, null)).contains(" 200");
            assertThat(get(port, "/api/rules", "[::1]:" + port, null)).contains(" 200");
            assertThat(get(port, "/api/rules", "attacker.example", null)).contains(" 403");
            assertThat(get(port, "/api/rules", "attacker.example:" + port, null)).contains(" 403");
            assertThat(get(port, "/api/rules", "localhost.attacker.example", null)).contains(" 403");
            assertThat(get(port, "/api/rules", "127.0.0.1.nip.io", null)).contains(" 403");
            assertThat(get(port, "/events", "attacker.example", null)).contains(" 403");
        }
    }

    @Test
    void withToken_missingIs401_wrongIs403_rightIs200_andAnyHostIsServed(@TempDir Path dir) throws Exception {
        try (VigilServer server = VigilServer.start(config(dir, "{ host: 0.0.0.0, port: 0, adminToken: \"${TOKEN}\" }"),
                Clock.systemUTC())) {
            int port = server.port();
            assertThat(get(port, "/api/rules", "vigil.internal", null)).contains(" 401");
            assertThat(get(port, "/api/rules", "vigil.internal", "s3cret-toke")).contains(" 403");
            assertThat(get(port, "/api/rules", "vigil.internal", "s3cret-token-and-more")).contains(" 403");
            assertThat(get(port, "/api/rules", "vigil.internal", "s3cret-token")).contains(" 200");
            assertThat(get(port, "/health", "vigil.internal", null)).contains(" 200");
        }
    }

    @Test
    void loopbackNames_parseWithAndWithoutPorts() {
        assertThat(HttpApi.isLoopbackName("localhost")).isTrue();
        assertThat(HttpApi.isLoopbackName("LOCALHOST:8080")).isTrue();
        assertThat(HttpApi.isLoopbackName("127.1.2.3:1")).isTrue();
        assertThat(HttpApi.isLoopbackName("[::1]")).isTrue();
        assertThat(HttpApi.isLoopbackName("localhost:80x")).isFalse();
        assertThat(HttpApi.isLoopbackName("[::1]x")).isFalse();
        assertThat(HttpApi.isLoopbackName("example.org")).isFalse();
    }
}
