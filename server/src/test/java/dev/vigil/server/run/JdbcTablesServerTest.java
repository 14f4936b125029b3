package dev.vigil.server.run;

import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import dev.vigil.testing.TestPostgres;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A table loaded from a database over JDBC (interfaces.md, "Tables"), SQLite and a real PostgreSQL
 * started by the test (Debian's package, which .ci/run installs): the query's rows
 * at start (a column label matched to the field case-insensitively, a bad row refused), and again
 * every {@code refresh}; the rules' lookups follow.
 */
class JdbcTablesServerTest {
    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    private int status(VigilServer server, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private String body(VigilServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sqlite", "postgresql"})
    void aQuerysRows_loadAtStart_andAgainEveryRefresh(String database) throws Exception {
        if (database.equals("postgresql")) {
            boolean ci = "true".equals(System.getenv("CI"));
            if (TestPostgres.installed().isEmpty() && !ci) {
                Assumptions.abort("PostgreSQL is not installed here (.ci/run installs it; under CI=true this fails)");
            }
            try (TestPostgres pg = TestPostgres.start()) {
                run(pg.url());
            }
        } else {
            run("jdbc:sqlite:" + dir.resolve("shop.db"));
        }
    }

    private void run(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            // max_amount is text so that one row can hold a value that is not a number.
            st.executeUpdate("create table merchants (merchant_id text primary key, risk_class text, max_amount text)");
            st.executeUpdate("insert into merchants values ('m-1', 'high', '500'), ('m-2', 'low', '100'), ('m-3', 'high', 'x')");
        }
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(Path.of("src/test/resources/tables/fraud.rules"), dir.resolve("rules/fraud.rules"));
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                tables:
                  Merchant:
                    jdbc: { url: "%s", refresh: 1s,
                            query: 'select merchant_id as MERCHANT, risk_class as risk, max_amount as "limit" from merchants' }
                channels:
                  quiet: { type: log }
                routes:
                  - { notify: [quiet] }
                store: { path: data/vigil.db }
                """.formatted(url));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        VigilServer server = VigilServer.start(config, Clock.systemUTC());
        try {
            assertThat(body(server, "/api/tables/Merchant?key=m-1"))
                    .isEqualTo("{\"merchant\":\"m-1\",\"risk\":\"high\",\"limit\":500.0}");
            assertThat(status(server, "/api/tables/Merchant?key=m-3")).isEqualTo(404); // its limit is not a number
            assertThat(body(server, "/api/tables")).contains("\"source\":\"jdbc " + url + " (every 1 s)\"");

            try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
                st.executeUpdate("update merchants set risk_class = 'low' where merchant_id = 'm-1'");
                st.executeUpdate("insert into merchants values ('m-4', 'high', '10')");
            }
            org.awaitility.Awaitility.await("the next refresh").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> status(server, "/api/tables/Merchant?key=m-4") == 200);
            assertThat(body(server, "/api/tables/Merchant?key=m-1")).contains("\"risk\":\"low\"");
        } finally {
            server.close();
        }
    }

    /** {@code lookup: true}: each key read on demand, cached; the hit rate in the API and the metrics. */
    @Test
    void aLookupTable_readsKeysOnDemand_throughItsCache() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("big.db");
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.executeUpdate("create table merchants (merchant_id text primary key, risk_class text, max_amount text)");
            st.executeUpdate("insert into merchants values ('m-1', 'high', '500'), ('m-2', 'low', '100')");
        }
        Files.createDirectories(dir.resolve("rules"));
        Files.copy(Path.of("src/test/resources/tables/fraud.rules"), dir.resolve("rules/fraud.rules"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules }
                time: { mode: event, lateness: 0s }
                server: { port: 0 }
                tables:
                  Merchant:
                    jdbc: { url: "%s", lookup: true, cacheSize: 1000, cacheTtl: 10m,
                            query: 'select merchant_id as merchant, risk_class as risk, max_amount as "limit" from merchants where merchant_id = ?' }
                channels:
                  quiet: { type: log }
                routes:
                  - { notify: [quiet] }
                store: { path: data/vigil2.db }
                """.formatted(url));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        VigilServer server = VigilServer.start(config, Clock.systemUTC());
        try {
            for (int i = 0; i < 4; i++) {
                var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/events"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"Transaction\",\"data\":{\"cardId\":\"c-"
                                + i + "\",\"amount\":600,\"merchant\":\"" + (i % 2 == 0 ? "m-1" : "m-9")
                                + "\",\"at\":\"2026-12-01T10:00:0" + i + "Z\"}}")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(202);
            }
            server.engine().now();
            server.notifier().orElseThrow().flush().get();
            // c-0 and c-2 at m-1 (high, limit 500); m-9 has no row.
            assertThat(body(server, "/api/alerts?rule=risky_merchant")).contains("c-0", "c-2").doesNotContain("c-1");
            // Several lookups per event (the filter's and the alert's columns) of two keys: each key is
            // read from the database once, every other lookup is a hit.
            String tables = body(server, "/api/tables");
            assertThat(tables).contains("\"source\":\"jdbc " + url + " (read through, cached 600 s)\"");
            double hit = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tables).get(0).get("cacheHitRate")
                    .asDouble();
            assertThat(hit).isGreaterThan(0.5).isLessThan(1.0);
            assertThat(body(server, "/metrics")).contains("vigil_table_cache_hit_ratio{table=\"Merchant\"} "
                    + hit);
        } finally {
            server.close();
        }
    }
}
