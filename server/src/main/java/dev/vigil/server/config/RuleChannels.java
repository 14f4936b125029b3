package dev.vigil.server.config;

import dev.vigil.notifier.NotifierConfig;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Ident;
import dev.vigil.rules.ast.Rule;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * The check that ties the rule files to the configuration: every {@code notify} of every rule
 * names a configured channel. Run when rules are loaded or changed, since either side may change
 * without the other.
 */
public final class RuleChannels {
    private RuleChannels() {
    }

    /**
     * Every {@code notify} of every rule that names a channel {@code config} lacks, located at the
     * channel's name in its rule file: {@code rules/fraud.rules:12:10: rule card_testing: unknown
     * channel "fraud_smss"; did you mean "fraud_sms"?}. Empty when all is well.
     */
    public static List<ConfigProblem> problems(NotifierConfig config, RuleSet rules) {
        requireNonNull(config, "config is null");
        requireNonNull(rules, "rules is null");
        List<ConfigProblem> out = new ArrayList<>();
        for (Rule rule : rules.rules()) {
            for (Ident c : rule.channels()) {
                if (!config.channels().containsKey(c.name())) {
                    out.add(new ConfigProblem(rule.file() + ":" + c.pos().line() + ":" + c.pos().column(),
                            "rule " + rule.id() + ": " + unknownChannel(c.name(), config.channels().keySet())));
                }
            }
        }
        return out;
    }

    /**
     * Checks that every rule's {@code notify} names a configured channel.
     *
     * @throws ConfigException with {@link #problems}
     */
    public static void check(NotifierConfig config, RuleSet rules) throws ConfigException {
        List<ConfigProblem> problems = problems(config, rules);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /** What is said of a channel name not among {@code known}, in a rule or a route. */
    static String unknownChannel(String name, Set<String> known) {
        if (known.isEmpty()) {
            return "unknown channel \"" + name + "\"; no channels are configured";
        }
        return "unknown channel \"" + name + "\"" + Suggest.nearest(name, known).map(c -> "; did you mean \"" + c + "\"?")
                .orElse("; configured: " + String.join(", ", known));
    }
}
