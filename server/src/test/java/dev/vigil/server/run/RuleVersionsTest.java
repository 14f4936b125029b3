package dev.vigil.server.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Json;
import dev.vigil.server.config.ConfigLoader;
import dev.vigil.server.config.VigilConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rule-file versions, their diffs, rollback (all or nothing, keeping the state of unchanged rules),
 * named admin tokens, and the audit log of changes through the API and the watched folder.
 */
class RuleVersionsTest {
    private static final String V1 = """
            event E { k string  v int  at timestamp }
            rule velocity { when E by k over sliding 1 h having count() >= 3 }
            rule big { when E(v > 100) key k }
            """;
    private static final String V2 = V1.replace("v > 100", "v > 200");
    private static final String ALICE = "alice-token-0123456789";
    private static final String BOB = "bob-token-0123456789";
    private static final String ROOT = "root-token-0123456789";

    @TempDir
    Path dir;
    private VigilServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("rules"));
        Files.writeString(dir.resolve("rules/main.rules"), V1);
        Files.writeString(dir.resolve("vigil.yaml"), """
                rules: { dir: rules, watch: true }
                time: { mode: event, lateness: 0s }
                server:
                  port: 0
                  host: 127.0.0.1
                  adminToken: "%s"
                  adminTokens:
                    - { name: alice, token: "%s" }
                    - { name: bob, token: "%s" }
                channels:
                  quiet: { type: log }
                routes:
                  - { notify: [quiet] }
                store: { path: data/vigil.db }
                """.formatted(ROOT, ALICE, BOB));
        VigilConfig config = new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml"));
        server = VigilServer.start(config, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> call(String method, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String method, String path, String token, String body) throws Exception {
        HttpResponse<String> r = call(method, path, token, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return Json.mapper().readTree(r.body());
    }

    private void post(String k, int v, String at) throws Exception {
        HttpResponse<String> r = call("POST", "/events", null, "{\"type\":\"E\",\"data\":{\"k\":\"" + k + "\",\"v\":" + v
                + ",\"at\":\"" + at + "\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    }

    private List<String> alertsOf(String rule) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode a : ok("GET", "/api/alerts?rule=" + rule, ROOT, null)) {
            out.add(a.path("status").asText() + " " + a.path("key").path("k").asText());
        }
        return out;
    }

    @Test
    void versions_diff_rollbackKeepingState_andWhoDidWhat() throws Exception {
        // v2 by alice: big's threshold raised.
        JsonNode put = ok("PUT", "/api/rule-files/main.rules", ALICE, V2);
        assertThat(put.path("version").asInt()).isEqualTo(2);

        JsonNode versions = ok("GET", "/api/rule-files/main.rules/versions", BOB, null);
        assertThat(versions).hasSize(2);
        assertThat(versions.get(0).path("who").asText()).isEqualTo("start");
        assertThat(versions.get(1).path("who").asText()).isEqualTo("alice");
        assertThat(versions.get(1).path("summary").asText()).isEqualTo("changed: big; unchanged: velocity");
        assertThat(versions.get(1).path("hash").asText()).matches("[0-9a-f]{16}");
        assertThat(versions.get(1).path("deleted").asBoolean()).isFalse();
        assertThat(versions.get(1).path("time").asText()).endsWith("Z");

        assertThat(call("GET", "/api/rule-files/main.rules/versions/1", BOB, null).body()).isEqualTo(V1);
        HttpResponse<String> diff = call("GET", "/api/rule-files/main.rules/versions/2/diff", BOB, null);
        assertThat(diff.statusCode()).isEqualTo(200);
        assertThat(diff.body()).isEqualTo("""
                --- main.rules@1
                +++ main.rules@2
                @@ -1,3 +1,3 @@
                 event E { k string  v int  at timestamp }
                 rule velocity { when E by k over sliding 1 h having count() >= 3 }
                -rule big { when E(v > 100) key k }
                +rule big { when E(v > 200) key k }
                """);
        assertThat(call("GET", "/api/rule-files/main.rules/versions/1/diff?against=2", BOB, null).body())
                .contains("--- main.rules@2", "+++ main.rules@1", "-rule big { when E(v > 200) key k }");
        assertThat(call("GET", "/api/rule-files/main.rules/versions/1/diff", BOB, null).body())
                .startsWith("--- /dev/null\n+++ main.rules@1\n@@ -0,0 +1,3 @@\n+event E");
        assertThat(call("GET", "/api/rule-files/main.rules/versions/2/diff?against=2", BOB, null).body()).isEmpty();

        // Unknown versions and files, bad numbers and names.
        assertThat(call("GET", "/api/rule-files/main.rules/versions/9", BOB, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/rule-files/main.rules/versions/2/diff?against=7", BOB, null).statusCode())
                .isEqualTo(404);
        assertThat(call("GET", "/api/rule-files/main.rules/versions/two", BOB, null).statusCode()).isEqualTo(400);
        assertThat(call("GET", "/api/rule-files/other.rules/versions", BOB, null).statusCode()).isEqualTo(404);
        assertThat(call("GET", "/api/rule-files/..bad/versions", BOB, null).statusCode()).isEqualTo(400);
        assertThat(call("POST", "/api/rule-files/main.rules/rollback", BOB, "{\"version\": 9}").statusCode())
                .isEqualTo(404);
        assertThat(call("POST", "/api/rule-files/main.rules/rollback", BOB, "{\"version\": \"1\"}").statusCode())
                .isEqualTo(400);
        assertThat(call("POST", "/api/rule-files/main.rules/rollback", BOB, "{}").statusCode()).isEqualTo(400);

        // Auth: every new call needs a token, and a wrong one is refused.
        for (String[] c : new String[][] {{"GET", "/api/rule-files/main.rules/versions"},
                {"GET", "/api/rule-files/main.rules/versions/1"}, {"GET", "/api/rule-files/main.rules/versions/2/diff"},
                {"POST", "/api/rule-files/main.rules/rollback"}, {"GET", "/api/audit"}}) {
            assertThat(call(c[0], c[1], null, "{\"version\": 1}").statusCode()).as(c[1]).isEqualTo(401);
            assertThat(call(c[0], c[1], "wrong-token", "{\"version\": 1}").statusCode()).as(c[1]).isEqualTo(403);
        }

        // Two events in velocity's window, then bob rolls back to v1: velocity is unchanged, so its
        // window is kept and the third event fires it; big is back at > 100.
        post("a", 150, "2026-12-01T10:00:00Z");
        post("a", 150, "2026-12-01T10:01:00Z");
        assertThat(alertsOf("big")).isEmpty();
        JsonNode back = ok("POST", "/api/rule-files/main.rules/rollback", BOB, "{\"version\": 1}");
        assertThat(back.path("version").asInt()).isEqualTo(3);
        assertThat(back.path("rolledBackTo").asInt()).isEqualTo(1);
        assertThat(back.path("changed").toString()).isEqualTo("[\"big\"]");
        assertThat(back.path("unchanged").toString()).isEqualTo("[\"velocity\"]");
        assertThat(call("GET", "/api/rule-files/main.rules", BOB, null).body()).isEqualTo(V1);
        assertThat(Files.readString(dir.resolve("rules/main.rules"))).isEqualTo(V1);
        post("a", 150, "2026-12-01T10:02:00Z");
        await().atMost(Duration.ofSeconds(20)).until(() -> alertsOf("velocity").contains("firing a")
                && alertsOf("big").contains("firing a"));
        assertThat(ok("GET", "/api/rule-files/main.rules/versions", BOB, null).get(2).path("summary").asText())
                .isEqualTo("rollback to version 1; changed: big; unchanged: velocity");

        // A rollback to a version that no longer compiles with the other files is refused, and nothing changes.
        ok("PUT", "/api/rule-files/types.rules", ROOT, "event F { x int }\n");
        ok("PUT", "/api/rule-files/extra.rules", ROOT, "rule fx { when F(x > 1) }\n");
        assertThat(call("DELETE", "/api/rule-files/extra.rules", ROOT, null).statusCode()).isEqualTo(200);
        ok("PUT", "/api/rule-files/types.rules", ROOT, "event F { y int }\nrule fy { when F(y > 1) }\n");
        // extra.rules v1 (fx over F.x) cannot come back: F has no x now.
        HttpResponse<String> refused = call("POST", "/api/rule-files/extra.rules/rollback", ROOT, "{\"version\": 1}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422);
        assertThat(refused.body()).contains("\"file\":\"extra.rules\"", "unknown field `x`");
        assertThat(call("GET", "/api/rule-files/extra.rules", ROOT, null).statusCode()).isEqualTo(404);
        // Its version 2 is the deletion: nothing to roll back to.
        assertThat(call("POST", "/api/rule-files/extra.rules/rollback", ROOT, "{\"version\": 2}").body())
                .contains("is its deletion");

        // Alice switches big off; then the folder changes under Vigil (the watcher deploys it).
        ok("PATCH", "/api/rules/big", ALICE, "{\"enabled\": false}");
        Files.writeString(dir.resolve("rules/watched.rules"), "rule w { when E(v > 5) key k }\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> ok("GET", "/api/audit", ROOT, null).get(0)
                .path("who").asText().equals("folder"));
        ok("POST", "/api/reload", ROOT, null);

        JsonNode audit = ok("GET", "/api/audit", ALICE, null);
        List<String> entries = new ArrayList<>();
        for (JsonNode e : audit) {
            entries.add(e.path("who").asText() + " " + e.path("action").asText() + " " + e.path("target").asText()
                    + (e.path("version").isNull() ? "" : " v" + e.path("version").asInt()));
        }
        assertThat(entries).containsExactly(
                "admin reload (rules folder)",
                "folder folder watched.rules v1",
                "alice disable big",
                "admin put types.rules v2",
                "admin delete extra.rules v2",
                "admin put extra.rules v1",
                "admin put types.rules v1",
                "bob rollback main.rules v3",
                "alice put main.rules v2",
                "start start main.rules v1");
        assertThat(audit.get(0).path("summary").asText()).isEqualTo("no file changed");
        // A folder change's summary is about that file's rules only.
        assertThat(audit.get(1).path("summary").asText()).isEqualTo("changed: w");
        assertThat(audit.get(0).path("seq").asLong()).isGreaterThan(audit.get(1).path("seq").asLong());
        // Paging: before an entry's seq.
        JsonNode older = ok("GET", "/api/audit?limit=2&before=" + audit.get(1).path("seq").asLong(), ALICE, null);
        assertThat(older).hasSize(2);
        assertThat(older.get(0).path("target").asText()).isEqualTo("big");
        assertThat(call("GET", "/api/audit?before=x", ALICE, null).statusCode()).isEqualTo(400);

        // A restart keeps versions and the audit log, and records nothing new for unchanged files.
        server.close();
        server = VigilServer.start(new ConfigLoader(Map.of()).load(dir.resolve("vigil.yaml")), Clock.systemUTC());
        assertThat(ok("GET", "/api/audit", ROOT, null)).hasSize(audit.size());
        assertThat(ok("GET", "/api/rule-files/main.rules/versions", ROOT, null)).hasSize(3);
    }
}
