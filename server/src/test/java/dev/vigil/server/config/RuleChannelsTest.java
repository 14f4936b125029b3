package dev.vigil.server.config;

import dev.vigil.notifier.NotifierConfig;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RuleChannelsTest {
    @Test
    void ruleNotify_namingAnUnknownChannel_isReportedAtItsFileAndLine() throws Exception {
        NotifierConfig c = NotifierSectionsTest.parse("channels:\n  fraud_sms: { type: log }\n  console: { type: log }");
        RuleSet rules = RulesCompiler.compile(new SourceFile("rules/fraud.rules", """
                event Transaction {
                    cardId string
                    amount double
                }
                rule big {
                    when Transaction(amount > 100)
                    notify fraud_smss, console
                }
                """)).orThrow();
        assertThat(RuleChannels.problems(c, rules)).extracting(ConfigProblem::toString).containsExactly(
                "rules/fraud.rules:7:12: rule big: unknown channel \"fraud_smss\"; did you mean \"fraud_sms\"?");
        assertThatThrownBy(() -> RuleChannels.check(c, rules)).isInstanceOf(ConfigException.class);
    }
}
