package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
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
 *
 * <p>Each page is photographed on the way into {@code target/console-screenshots}; with
 * {@code -Dconsole.screenshots=DIR} (the README's {@code docs/console}) into that folder instead,
 * which is how the screenshots in the docs are refreshed.
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
                table Limit { k string key  max int }
                rule big "Big value" { when E(v > 10) key k severity critical message "{k}: {v}" }
                rule over_limit "Over its own limit" {
                    when E(v > Limit[k].max) key k severity warning message "{k} over its limit"
                }
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
        // Stats sampled every 300 ms (5 s in production), so the overview's charts have a history soon.
        server = VigilServer.start(config, Clock.systemUTC(), Duration.ofMillis(300));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--user-data-dir=" + dir.resolve("chromium"));
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

    /**
     * Posts an event at the current time: when input goes quiet the engine's clock advances at
     * wall-clock pace (rules-language.md, "Time"), so an event stamped with a fixed time would soon
     * be late.
     */
    private void post(String key, int v) throws Exception {
        String k = key.replace("\\", "\\\\").replace("\"", "\\\"");
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/events")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"E\",\"data\":{\"k\":\"" + k + "\",\"v\":" + v
                        + ",\"at\":\"" + java.time.Instant.now() + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private String base() {
        return "http://127.0.0.1:" + server.port() + "/";
    }

    private Object script(String js, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(js, args);
    }

    private String pageText() {
        return browser.findElement(By.id("page")).getText();
    }

    private void screenshot(String name) throws Exception {
        Path to = Path.of(System.getProperty("console.screenshots", "target/console-screenshots"));
        Files.createDirectories(to);
        Files.write(to.resolve(name + ".png"), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
    }

    private WebDriverWait waiting() {
        return new WebDriverWait(browser, Duration.ofSeconds(20));
    }

    @Test
    void anAlertAppearsLive_opensWithItsAttempts_itsScriptShowsAsText_andADeadLetterIsRetried() throws Exception {
        browser.get(base() + "#overview");
        waiting().until(d -> pageText().contains("shards") && pageText().contains("Events per second"));

        browser.get(base() + "#alerts");
        waiting().until(d -> !d.findElements(By.id("filter-severity")).isEmpty());
        String script = "<script>alert(1)</script>";
        post(script, 50);
        post("quiet", 5);
        post("pump", 60);
        WebElement cell = waiting().until(d -> d.findElements(By.cssSelector("#page tbody td")).stream()
                .filter(td -> td.getText().equals(script + ": 50")).findFirst().orElse(null));
        assertThat(cell.getText()).isEqualTo("<script>alert(1)</script>: 50");
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat((Long) script("return document.querySelectorAll('#page script').length")).isZero();

        // The filters: by key text, and by severity (no warning alert was raised).
        waiting().until(d -> d.findElements(By.cssSelector("#page tbody tr")).size() == 2);
        browser.findElement(By.id("filter-key")).sendKeys("pump");
        waiting().until(d -> d.findElements(By.cssSelector("#page tbody tr")).size() == 1
                && pageText().contains("pump: 60"));
        browser.findElement(By.id("filter-key")).sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        waiting().until(d -> d.findElements(By.cssSelector("#page tbody tr")).size() == 2);
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-severity"))).selectByValue("warning");
        waiting().until(d -> d.findElements(By.cssSelector("#page tbody tr")).isEmpty());
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id("filter-severity"))).selectByValue("critical");
        waiting().until(d -> d.findElements(By.cssSelector("#page tbody tr")).size() == 2);
        screenshot("alerts");

        // The webhook never answers and its maxAge is 1 s: the alert becomes a dead letter, and its
        // page lists each attempt with what came back.
        browser.get(base() + "#deliveries");
        WebElement retry = waiting().until(d -> {
            d.navigate().refresh();
            return d.findElements(By.xpath("//button[text()='Retry']")).size() == 2
                    ? d.findElements(By.xpath("//button[text()='Retry']")).get(0) : null;
        });
        screenshot("deliveries");
        browser.findElement(By.linkText(alertIdOf("pump"))).click();
        waiting().until(d -> pageText().contains("Every attempt"));
        assertThat(pageText()).contains("pump: 60", "dead", "cannot connect").doesNotContain("null", "undefined");
        screenshot("alert");

        int before = attemptsOf(alertIdOf("pump"));
        browser.get(base() + "#deliveries");
        retry = waiting().until(d -> d.findElements(By.xpath("//tr[.//a[text()='" + alertIdOf("pump")
                + "']]//button[text()='Retry']")).stream().findFirst().orElse(null));
        retry.click();
        // Retried, it is attempted again (and fails again): its history grows.
        waiting().until(d -> attemptsOf(alertIdOf("pump")) > before);
    }

    /** An admin API answer (this server has no token: loopback only), which must be 200. */
    private com.fasterxml.jackson.databind.JsonNode get(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return dev.vigil.engine.Json.mapper().readTree(r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The id of the alert of rule big for key {@code k}. */
    private String alertIdOf(String k) {
        for (var a : get("api/alerts?rule=big")) {
            if (a.path("key").path("k").asText().equals(k)) {
                return a.path("id").asText();
            }
        }
        throw new AssertionError("no alert of key " + k);
    }

    /** How many delivery attempts the alert's page lists. */
    private int attemptsOf(String id) {
        return get("api/alerts/" + id).findValues("attempt").size();
    }

    private boolean enabled(String rule) {
        for (var o : get("api/rules")) {
            if (o.path("id").asText().equals(rule)) {
                return o.path("enabled").asBoolean();
            }
        }
        throw new AssertionError("no rule " + rule);
    }

    @Test
    void theEditor_showsAMisspeltFieldAtItsLine_andDeploysTheFixedVersion() throws Exception {
        post("p", 50); // an alert of version 1, in the journal for the backtest below
        browser.get(base() + "#rules");
        waiting().until(d -> pageText().contains("over_limit"));
        screenshot("rules");
        browser.findElement(By.linkText("main.rules")).click();
        WebElement editor = waiting().until(d -> d.findElements(By.id("editor")).stream().findFirst().orElse(null));
        waiting().until(d -> d.findElement(By.id("diagnostics-status")).getText().equals("No problems."));

        String text = editor.getAttribute("value");
        String misspelt = text.replace("when E(v > 10) key k severity critical message \"{k}: {v}\"",
                "when E(vv > 100) key k severity critical message \"{k} is big: {v}\"");
        assertThat(misspelt).isNotEqualTo(text);
        editor.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        editor.sendKeys(misspelt);
        WebElement problem = waiting().until(d -> d.findElements(By.cssSelector("#diagnostics li")).stream()
                .findFirst().orElse(null));
        assertThat(problem.getText()).startsWith("line 3, column 31").contains("vv", "did you mean `v`");
        assertThat(browser.findElement(By.cssSelector(".gutter .error-line")).getAttribute("data-line")).isEqualTo("3");
        assertThat(browser.findElement(By.id("diff")).getText())
                .contains("- rule big \"Big value\" { when E(v > 10)", "+ rule big \"Big value\" { when E(vv > 100)");
        screenshot("editor");

        // Deploy refuses the misspelt file and says so; nothing changes.
        browser.findElement(By.id("deploy")).click();
        waiting().until(d -> d.findElement(By.id("deploy-answer")).getText().startsWith("Not deployed"));

        // Fix it where the diagnostic points: click it, which puts the cursor there, and delete a v.
        browser.findElement(By.cssSelector("#diagnostics li button.where")).click();
        editor.sendKeys(Keys.DELETE);
        waiting().until(d -> d.findElement(By.id("diagnostics-status")).getText().equals("No problems."));
        assertThat(browser.findElements(By.cssSelector(".gutter .error-line"))).isEmpty();

        // Backtest before deploying: over the journal's last hour, the fixed text (v > 100) would not
        // have raised p's alert, which the running version (v > 10) did.
        browser.findElement(By.id("backtest")).click();
        WebElement backtest = waiting().until(d -> d.findElement(By.id("backtest-answer")).getText().contains("Per rule")
                ? d.findElement(By.id("backtest-answer")) : null);
        assertThat(backtest.getText()).doesNotContain("null");
        assertThat(backtest.getText()).contains("1 event from", "raises 0 alerts", "0 added, 1 removed, 0 unchanged",
                "big changed 0 1 0", "over_limit same 0 0 0");
        screenshot("backtest");

        browser.findElement(By.id("deploy")).click();
        WebElement answer = waiting().until(d -> d.findElement(By.id("deploy-answer")).getText().startsWith("Deployed")
                ? d.findElement(By.id("deploy-answer")) : null);
        assertThat(answer.getText()).contains("changed: big", "unchanged: over_limit", "removed: none");

        // The new version's alert: 50 no longer passes, 150 does, with the new message.
        post("a", 50);
        post("b", 150);
        browser.get(base() + "#alerts");
        waiting().until(d -> pageText().contains("b is big: 150"));
        assertThat(pageText()).doesNotContain("a: 50", "a is big");

        // Undo: roll back to version 1 from the file's versions; the old threshold is back.
        browser.get(base() + "#file/main.rules");
        WebElement rollback = waiting().until(d -> d.findElements(By.cssSelector("button.rollback[data-version='1']"))
                .stream().findFirst().orElse(null));
        assertThat(browser.findElement(By.id("versions")).getText()).contains("local", "changed: big");
        rollback.click();
        waiting().until(d -> d.findElement(By.id("deploy-answer")).getText()
                .startsWith("Rolled back to version 1, deployed as version 3."));
        assertThat(browser.findElement(By.id("editor")).getAttribute("value")).contains("when E(v > 10)");
        post("c", 50);
        browser.get(base() + "#alerts");
        waiting().until(d -> pageText().contains("c: 50"));
        browser.get(base() + "#audit");
        waiting().until(d -> pageText().contains("rollback"));
        assertThat(pageText()).contains("local rollback main.rules 3", "local put main.rules 2");
        screenshot("audit");
    }

    @Test
    void aRuleIsSwitchedOff_andATableRowIsLookedUp() throws Exception {
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(base() + "api/tables/Limit"))
                .header("Content-Type", "text/csv").PUT(HttpRequest.BodyPublishers.ofString("k,max\npump,40\n")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        browser.get(base() + "#rules");
        WebElement box = waiting().until(d -> d.findElements(By.id("enabled-big")).stream().findFirst().orElse(null));
        assertThat(box.isSelected()).isTrue();
        box.click();
        waiting().until(d -> !enabled("big"));
        post("pump", 60);
        browser.get(base() + "#alerts");
        waiting().until(d -> pageText().contains("pump over its limit"));
        assertThat(pageText()).doesNotContain("pump: 60");

        browser.get(base() + "#tables");
        WebElement key = waiting().until(d -> d.findElements(By.id("lookup-Limit-k")).stream().findFirst().orElse(null));
        key.sendKeys("pump", Keys.ENTER);
        waiting().until(d -> pageText().contains("\"max\": 40"));
        key.sendKeys(Keys.chord(Keys.CONTROL, "a"), "nobody", Keys.ENTER);
        waiting().until(d -> pageText().contains("no row"));
        screenshot("tables");

        // The overview's charts, once the sampler has a few samples and the page has redrawn (every 5 s).
        browser.get(base() + "#overview");
        waiting().until(d -> pageText().contains("Events per second")
                && d.findElements(By.cssSelector(".chart polyline")).stream()
                        .anyMatch(p -> p.getAttribute("points").split(" ").length >= 5));
        screenshot("overview");
    }
}
