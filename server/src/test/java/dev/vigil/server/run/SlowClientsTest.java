package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Clients that send their bodies slowly, or stall, do not starve the API of threads. */
class SlowClientsTest {
    private static final int SLOW_CLIENTS = 300;

    @Test
    void threeHundredStalledBodies_healthStillAnswersWithinASecond(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                server: { port: 0 }
                store: { path: vigil.db }
                """);
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        List<Socket> slow = new ArrayList<>();
        try (VigilServer server = VigilServer.start(config, Clock.systemUTC())) {
            byte[] head = ("POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 90000\r\n\r\n[{\"type\":").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                OutputStream out = s.getOutputStream();
                out.write(head);
                out.flush();
                slow.add(s);
            }
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                    .timeout(Duration.ofSeconds(5)).build();
            long worst = 0;
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                HttpResponse<String> r = http.send(health, HttpResponse.BodyHandlers.ofString());
                worst = Math.max(worst, System.nanoTime() - start);
                assertThat(r.statusCode()).isEqualTo(200);
            }
            assertThat(Duration.ofNanos(worst)).isLessThan(Duration.ofSeconds(1));
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }
}
