package dev.vigil.engine;

import dev.vigil.rules.RuleSet;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The translation of every condition form, as golden EPL text, which must also compile and deploy
 * on the real Esper runtime. To accept a deliberate change of the translation, run with
 * {@code -Dvigil.golden.update=true} and review the diff of all-forms.epl.
 */
class EplGoldenTest {
    private static final Path DIR = Path.of("src/test/resources/golden");

    @Test
    void allForms_translateToTheGoldenEpl_andDeploy() throws Exception {
        RuleSet rules = TestRules.compile(Files.readString(DIR.resolve("all-forms.rules")));
        StringBuilder actual = new StringBuilder();
        for (Map.Entry<String, String> e : Engine.explain(rules).entrySet()) {
            actual.append("-- ").append(e.getKey()).append('\n').append(e.getValue()).append(";\n\n");
        }
        Path golden = DIR.resolve("all-forms.epl");
        if (Boolean.getBoolean("vigil.golden.update")) {
            Files.writeString(golden, actual);
        }
        assertThat(actual.toString()).isEqualTo(Files.readString(golden));

        try (Engine engine = Engine.start(EngineOptions.newBuilder().allowRawEpl(true).build(), alert -> { })) {
            DeployResult result = engine.deploy(rules);
            assertThat(result.deployed()).hasSize(rules.rules().size());
        }
    }
}
