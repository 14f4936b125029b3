package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rule alone and the same rule among a thousand others (of its own shape with other literals,
 * and of every other form) raise exactly the same alerts, ids included, on the same events: for
 * each condition form. The others share the rule's compiled shape, its windows' type and key.
 * {@code VIGIL_MANY_RULES_FORM} runs one form, {@code VIGIL_MANY_RULES_OTHERS} changes the count.
 */
class ManyRulesTest {
    private static final String EVENTS = """
            event Transaction { cardId string  amount double  merchant string  country string  at timestamp }
            """;
    private static final int OTHERS = Integer.parseInt(System.getenv().getOrDefault("VIGIL_MANY_RULES_OTHERS", "999"));
    private static final String[] COUNTRIES = {"DE", "FR", "US", "GB", "NL"};

    /** The forms, each a template over literals: {@code %1$d} an integer, {@code %2$s} a country, {@code %3$d} a second integer. */
    private static final List<String> FORMS = List.of(
            "when Transaction(amount > %1$d and country == \"%2$s\")",
            "when a: Transaction(amount < %3$d) -> b: Transaction(amount > %1$d) by cardId within 10 min",
            "when Transaction by cardId over sliding 5 min having count() >= %3$d",
            "when Transaction(country != \"%2$s\") by merchant over sliding 10 min having sum(amount) > %1$d",
            "when Transaction by cardId over tumbling 5 min having sum(amount) > %1$d",
            "when Transaction by merchant over hopping 10 min every 5 min having count() >= %3$d",
            "when Transaction by cardId over session 3 min having count() >= %3$d",
            "when Transaction by cardId over last %3$d events having avg(amount) > %1$d for 2 min",
            "when absent Transaction(country == \"%2$s\") by merchant for %3$d min");

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 6, 7, 8})
    void aRuleAlone_andAmongAThousandOthers_raiseTheSameAlerts(int form) throws Exception {
        String only = System.getenv("VIGIL_MANY_RULES_FORM");
        org.junit.jupiter.api.Assumptions.assumeTrue(only == null || only.equals(Integer.toString(form)));
        Random random = new Random(42 + form);
        String target = rule("target", form, 300, "DE", 3);
        StringBuilder many = new StringBuilder(EVENTS);
        for (int i = 0; i < OTHERS; i++) {
            int f = i % 3 == 0 ? form : random.nextInt(FORMS.size());
            many.append(rule("r" + i, f, 100 + random.nextInt(900), COUNTRIES[random.nextInt(COUNTRIES.length)],
                    2 + random.nextInt(4)));
            if (i == OTHERS / 2) {
                many.append(target);
            }
        }
        List<String> events = events(new Random(7));
        List<String> alone = run(EVENTS + target, events);
        List<String> among = run(many.toString(), events);
        assertThat(alone).as("the target raises alerts on these events").isNotEmpty();
        assertThat(among).isEqualTo(alone);
    }

    private static String rule(String id, int form, int amount, String country, int small) {
        return "rule " + id + " { " + FORMS.get(form).formatted(amount, country, small)
                + " message \"" + id + " {cardId}\" }\n".replace("{cardId}", form == 3 || form == 5 || form == 8 ? "{merchant}"
                : form == 1 ? "{a.cardId}" : "{cardId}");
    }

    private static List<String> events(Random random) {
        List<String> out = new ArrayList<>();
        long t = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
        for (int i = 0; i < 800; i++) {
            t += random.nextInt(4000);
            double amount = random.nextInt(10) == 0 ? random.nextInt(5) : random.nextInt(1000);
            out.add("{\"type\":\"Transaction\",\"time\":" + t + ",\"data\":{\"cardId\":\"c" + random.nextInt(40)
                    + "\",\"amount\":" + amount + ",\"merchant\":\"m" + random.nextInt(8) + "\",\"country\":\""
                    + COUNTRIES[random.nextInt(COUNTRIES.length)] + "\",\"at\":" + t + "}}");
        }
        return out;
    }

    /** The target rule's alerts: id, status, time and key. */
    private static List<String> run(String rules, List<String> events) throws Exception {
        List<String> out = new ArrayList<>();
        AlertSink sink = new AlertSink() {
            @Override
            public void onAlert(Alert a) {
                if (a.rule().equals("target")) {
                    out.add(a.id() + " " + a.status() + " " + a.time() + " " + a.key() + " " + a.message()
                            + " " + a.values() + " " + a.events().size());
                }
            }

            @Override
            public void onSuppressed(Alert a, String reason) {
                onAlert(a);
            }
        };
        try (InlineEngine engine = InlineEngine.create(EngineOptions.newBuilder()
                .clock(Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC)).build(), sink)) {
            long started = System.nanoTime();
            engine.deploy(TestRules.compile(rules));
            long deployed = System.nanoTime();
            for (String line : events) {
                engine.submit(((Decoded.Accepted) engine.decoder().decodeJson(line, "test")).event());
            }
            // No finish(): at the end of input the clock advances by the longest duration of any rule
            // (language spec, "Time"), which depends on the rule set; alerts while events flow do not.
            engine.now();
            System.out.printf("%s rules: deploy %d ms, run %d ms, %d target alerts%n",
                    rules.lines().filter(l -> l.startsWith("rule ")).count(), (deployed - started) / 1_000_000,
                    (System.nanoTime() - deployed) / 1_000_000, out.size());
        }
        return out;
    }
}
