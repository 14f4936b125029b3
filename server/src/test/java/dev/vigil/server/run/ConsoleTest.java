package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The console's files as {@code vigil run} serves them (issue 17, first part): the page at {@code /}
 * and its script and style, each with a content security policy that allows this server only; and
 * the script never puts data into the page as HTML. (The browser tests are still to come.)
 */
class ConsoleTest {
    @TempDir
    Path dir;

    @Test
    void theConsole_isServedAtTheRoot_withAStrictContentSecurityPolicy() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                server: { port: 0 }
                store: { path: data/vigil.db }
                """);
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        VigilServer server = VigilServer.start(config, Clock.systemUTC());
        HttpClient http = HttpClient.newHttpClient();
        try {
            String base = "http://127.0.0.1:" + server.port();
            HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
            assertThat(index.body()).contains("<title>Vigil console</title>", "src=\"/console/app.js\"");
            assertThat(index.headers().firstValue("Content-Security-Policy").orElse(""))
                    .contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'");
            for (String[] f : new String[][] {{"/console/app.js", "text/javascript"}, {"/console/app.css", "text/css"}}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + f[0])).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(f[0]).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith(f[1]);
                assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            }
        } finally {
            server.close();
        }
    }

    /** Alerts carry attacker-controlled strings: the script builds the page with DOM calls and textContent only. */
    @Test
    void theScript_neverWritesDataAsHtml() throws IOException {
        String js;
        try (InputStream in = ConsoleTest.class.getResourceAsStream("/console/app.js")) {
            js = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(js).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                "new Function");
        assertThat(js).contains("textContent", "createTextNode");
    }
}
