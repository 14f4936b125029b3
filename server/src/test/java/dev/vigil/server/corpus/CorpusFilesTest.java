package dev.vigil.server.corpus;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** The corpus files themselves: every case loads, the tables are as large as issue 12 asks, defects are marked. */
class CorpusFilesTest {
    private static <T> void marked(List<T> cases, Function<T, String> defect, boolean known) {
        for (T c : cases) {
            if (known) {
                assertThat(defect.apply(c)).as("a known defect says what happens today: %s", c).isNotBlank();
            } else {
                assertThat(defect.apply(c)).as("a passing case is no known defect: %s", c).isNull();
            }
        }
    }

    @Test
    void everyCategory_hasItsCases_andOnlyKnownDefectsSayDefect() {
        List<HttpCase> ingest = HttpIngestCorpusTest.cases();
        List<HttpCase> admin = AdminApiCorpusTest.cases();
        List<RuleCase> rules = RuleFileCorpusTest.cases();
        List<ConfigCase> configs = ConfigCorpusTest.cases();
        List<ReplayCase> replays = ReplayCorpusTest.cases();
        List<KafkaCase> kafka = KafkaCorpusTest.cases();
        marked(ingest, HttpCase::defect, false);
        marked(admin, HttpCase::defect, false);
        marked(rules, RuleCase::defect, false);
        marked(configs, ConfigCase::defect, false);
        marked(replays, ReplayCase::defect, false);
        marked(kafka, KafkaCase::defect, false);
        marked(HttpIngestCorpusTest.knownDefects(), HttpCase::defect, true);
        marked(AdminApiCorpusTest.knownDefects(), HttpCase::defect, true);
        marked(RuleFileCorpusTest.knownDefects(), RuleCase::defect, true);
        marked(ConfigCorpusTest.knownDefects(), ConfigCase::defect, true);
        marked(ReplayCorpusTest.knownDefects(), ReplayCase::defect, true);

        assertThat(configs).as("broken configurations").hasSizeGreaterThanOrEqualTo(40);
        assertThat(ingest.size() + admin.size() + rules.size() + configs.size() + replays.size() + kafka.size())
                .as("cases that pass").isGreaterThanOrEqualTo(300);
    }
}
