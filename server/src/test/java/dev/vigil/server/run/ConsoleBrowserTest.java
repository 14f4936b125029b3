package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The console in a real browser: Debian's Chromium, headless, driven through its ChromeDriver by
 * Selenium (nothing is downloaded; {@code .ci/run} installs both). Under {@code CI=true} a missing
 * browser fails the test; elsewhere it is skipped.
 */
class ConsoleBrowserTest {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    Path dir;
    private VigilServer server;
    private WebDriver browser;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        boolean present = CHROMIUM.canExecute() && DRIVER.canExecute();
        if (!present && !"true".equals(System.getenv("CI"))) {
            Assumptions.abort("Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        }
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/main.rules"), """
                event E { k string  v int  at timestamp }
                rule big "Big value" { when E(v > 10) key k severity critical message "{k}: {v}" }
                """);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                channels:
                  hook: { type: webhook, url: "http://127.0.0.1:9/never", maxAge: 1s }
                routes:
                  - { notify: [hook] }
                store: { path: data/vigil.db }
                """);
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,800", "--user-data-dir=" + dir.resolve("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER)
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    private void post(String key, int v) throws Exception {
        String k = key.replace("\\", "\\\\").replace("\"", "\\\"");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/events")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"E\",\"data\":{\"k\":\"" + k + "\",\"v\":" + v
                        + ",\"at\":\"2026-12-01T10:00:00Z\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @Test
    void anAlertAppearsLive_itsScriptShowsAsText_andADeadLetterIsRetried() throws Exception {
        String base = "http://127.0.0.1:" + server.port() + "/";
        browser.get(base + "#overview");
        waiting().until(d -> d.findElement(By.id("page")).getText().contains("shards"));

        browser.get(base + "#alerts");
        waiting().until(d -> !d.findElements(By.id("filter-rule")).isEmpty());
        String script = "<script>alert(1)</script>";
        post(script, 50);
        WebElement cell = waiting().until(d -> d.findElements(By.cssSelector("#page tbody td")).stream()
                .filter(td -> td.getText().equals(script + ": 50")).findFirst().orElse(null));
        assertThat(cell.getText()).isEqualTo("<script>alert(1)</script>: 50");
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat((Long) ((org.openqa.selenium.JavascriptExecutor) browser)
                .executeScript("return document.querySelectorAll('#page script').length")).isZero();

        // The webhook never answers and its maxAge is 1 s: the alert becomes a dead letter; retry it.
        browser.get(base + "#deliveries");
        WebElement retry = waiting().until(d -> {
            d.navigate().refresh();
            return d.findElements(By.xpath("//button[text()='Retry']")).stream().findFirst().orElse(null);
        });
        retry.click();
        waiting().until(d -> d.findElement(By.id("page")).getText().contains("None."));
    }
}
