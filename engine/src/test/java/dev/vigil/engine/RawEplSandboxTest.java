package dev.vigil.engine;

import dev.vigil.rules.RuleSet;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Raw EPL is off unless allowed, and when allowed reaches no more of the JVM than plain values. */
class RawEplSandboxTest {
    private static final String TYPES = """
            event Probe {
                k string
                n long
            }
            """;

    private static RuleSet raw(String epl) {
        return TestRules.compile(TYPES + "rule raw { when epl \"\"\"" + epl + "\"\"\" }\n");
    }

    private static String refusal(Engine engine, RuleSet rules) {
        List<String> messages = new ArrayList<>();
        assertThatThrownBy(() -> engine.deploy(rules)).isInstanceOfSatisfying(DeployException.class,
                e -> e.problems().forEach(p -> messages.add(p.message())));
        return String.join("\n", messages);
    }

    @Test
    void rawEpl_offByDefault_isRefusedNamingTheSetting() throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().build(), a -> { })) {
            assertThat(refusal(engine, raw("select k from Probe"))).isEqualTo("raw EPL is off: `when epl` rules run only"
                    + " with rules.allowRawEpl: true in the configuration (they then run sandboxed)");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "select k, java.lang.Runtime.getRuntime().exec('touch pwned') as p from Probe",
            "select Runtime.getRuntime() as p from Probe",
            "select System.exit(0) as p from Probe",
            "select java.lang.System.getProperty('user.home') as p from Probe",
            "select new java.io.File('/tmp').delete() as p from Probe",
            "select cast(k, java.io.File) as p from Probe",
            "select Class.forName('java.lang.Runtime') as p from Probe",
            "select java.nio.file.Files.readString(java.nio.file.Path.of('/etc/passwd')) as p from Probe",
            "select k.getClass().forName('java.lang.Runtime') as p from Probe",
            "select k.getClass().getMethod('length').invoke(k) as p from Probe",
            "select ('abc').getClass().getClassLoader() as p from Probe",
            "expression js:hack() [ java.lang.Runtime.getRuntime() ] select hack() as p from Probe",
    })
    void rawEpl_reachingTheJvm_isRefusedAtDeploy_andNothingRuns(String epl, @TempDir Path dir) throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().allowRawEpl(true).build(), a -> { })) {
            engine.deploy(TestRules.compile(TYPES + "rule ok { when Probe(n > 0) key k }\n"));
            RuleSet attack = TestRules.compile(TYPES + "rule ok { when Probe(n > 0) key k }\nrule raw { when epl \"\"\""
                    + epl.replace("pwned", dir.resolve("pwned").toString()) + "\"\"\" }\n");
            assertThat(refusal(engine, attack)).isNotBlank();
            assertThat(engine.stats().rules()).extracting(EngineStats.RuleStats::id).containsExactly("ok");
        }
        assertThat(Files.exists(dir.resolve("pwned"))).isFalse();
    }

    @Test
    void rawEpl_reflectionThroughAValue_isRefusedNamingWhatItReaches() throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().allowRawEpl(true).build(), a -> { })) {
            String message = refusal(engine, raw("select k.getClass().forName('java.lang.Runtime') as p from Probe"));
            assertThat(message).startsWith("raw EPL may not reach java.lang.Class.forName")
                    .endsWith("(the sandbox allows plain values, EPL's functions and the engine's)");
        }
    }

    @Test
    void rawEpl_ordinaryStatements_stillRunAndAlert() throws Exception {
        List<Alert> alerts = new ArrayList<>();
        try (Engine engine = Engine.start(EngineOptions.newBuilder().allowRawEpl(true).build(), alerts::add)) {
            engine.deploy(TestRules.compile(TYPES + """
                    rule drop { when epl \"""
                        select k, prev(1, n) as before, n as now, Math.abs(n) as a, vigil_lower(k) as low
                        from Probe#groupwin(k)#length(2)
                        where n < prev(1, n) * 0.5
                    \""" key k message "{k}: {before} -> {now}" }
                    rule counted { when epl \"""select k, count(*) as c from Probe#time(1 min) group by k having count(*) >= 2\""" key k }
                    """));
            for (String line : List.of("{\"type\":\"Probe\",\"time\":1000,\"data\":{\"k\":\"A\",\"n\":100}}",
                    "{\"type\":\"Probe\",\"time\":2000,\"data\":{\"k\":\"A\",\"n\":10}}")) {
                engine.submit(((Decoded.Accepted) engine.decoder().decodeJson(line, "l")).event());
            }
            engine.finish();
        }
        assertThat(alerts).extracting(Alert::rule).contains("drop", "counted");
        assertThat(alerts.stream().filter(a -> a.rule().equals("drop")).findFirst().orElseThrow().message())
                .isEqualTo("A: 100 -> 10");
    }
}
