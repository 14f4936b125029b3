package dev.vigil.rules;

import dev.vigil.rules.ast.Rule;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The horizon of every rule form, through the public compiler as a user writes rules. */
class HorizonTest {
    private static final String EVENTS = """
            event Tx {
                card   string
                amount double
                at     timestamp
            }
            event Ack {
                card string
                at   timestamp
            }
            """;

    private static final Duration DAY = Duration.ofHours(24);

    private static Rule rule(String when) {
        return rule(when, "");
    }

    private static Rule rule(String when, String more) {
        String text = EVENTS + "rule r {\n    when " + when + "\n" + more + "}\n";
        CompileResult result = RulesCompiler.compile(new SourceFile("h.rules", text));
        assertThat(result.diagnostics()).as(when).isEmpty();
        return result.orThrow().rule("r").orElseThrow();
    }

    @ParameterizedTest(name = "{0} -> {1} ms")
    @CsvSource(delimiter = '|', value = {
            "Tx(amount > 10)                                                            | 0",
            "Tx                                                                         | 0",
            "a: Tx(amount < 2) -> b: Tx(amount > 500) by card within 10 min            | 600000",
            "a: Tx times 3 by card within 1 min                                         | 60000",
            "(a: Tx and b: Ack) by card within 30 s                                     | 30000",
            "a: Tx -> absent Ack for 1 h by card within 2 h                             | 7200000",
            "a: Tx -> absent Ack for 1 h by card                                        | 3600000",
            "a: Tx -> absent Ack for 1 h -> absent Tx for 30 min by card                | 5400000",
            "(a: Tx or b: Ack) -> absent Tx for 5 min by card                           | 300000",
            "Tx by card over sliding 5 min having count() >= 5                          | 300000",
            "Tx by card over tumbling 1 h having sum(amount) > 100                      | 3600000",
            "Tx by card over hopping 10 min every 2 min having count() > 1              | 600000",
            "Tx by card over sliding 2 min having avg(amount) > 110 for 1 min           | 180000",
            "Tx by card over tumbling 1 min having count() > 3 for 10 min               | 660000",
            "absent Tx by card for 2 min                                                | 120000",
    })
    void millis_boundedForms(String when, long expected) {
        Rule r = rule(when);

        assertThat(Horizon.millis(r)).isEqualTo(OptionalLong.of(expected));
        assertThat(Horizon.unboundedBecause(r)).isEmpty();
        assertThat(Horizon.cappedMillis(r, DAY)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "a: Tx(amount < 2) -> b: Tx(amount > 500) by card                 | a pattern without `within`",
            "a: Tx times 3 by card                                            | a pattern without `within`",
            "(a: Tx and b: Ack) by card                                       | a pattern without `within`",
            "a: Tx times 2 -> absent Ack for 1 h by card                      | a pattern without `within`",
            "a: Tx -> b: Ack -> absent Tx for 1 h by card                     | a pattern without `within`",
            "(a: Tx and b: Ack) -> absent Tx for 1 h by card                  | a pattern without `within`",
            "Tx by card over session 10 min having sum(amount) > 3000         | a session window",
            "Tx by card over last 1 events having last(amount) < 5            | a `last N events` window",
    })
    void millis_unboundedForms_sayWhy(String when, String because) {
        Rule r = rule(when);

        assertThat(Horizon.millis(r)).isEmpty();
        assertThat(Horizon.unboundedBecause(r)).contains(because);
        assertThat(Horizon.cappedMillis(r, DAY)).isEqualTo(DAY.toMillis());
    }

    @Test
    void millis_rawEpl_isUnbounded() {
        Rule r = rule("epl \"\"\"\n select card from Tx#time(1 min)\n\"\"\"", "    key card\n");

        assertThat(Horizon.millis(r)).isEmpty();
        assertThat(Horizon.unboundedBecause(r)).contains("raw EPL");
    }

    @Test
    void millis_throttleDoesNotCount() {
        Rule r = rule("a: Tx -> b: Tx by card within 10 min", "    throttle 2 h\n");

        assertThat(Horizon.millis(r)).hasValue(600_000);
    }

    @Test
    void cappedMillis_aHorizonLongerThanTheMax_countsAsTheMax() {
        Rule r = rule("Tx by card over sliding 2 d having count() > 1");

        assertThat(Horizon.millis(r)).hasValue(Duration.ofDays(2).toMillis());
        assertThat(Horizon.cappedMillis(r, DAY)).isEqualTo(DAY.toMillis());
        assertThat(Horizon.cappedMillis(r, Duration.ofDays(3))).isEqualTo(Duration.ofDays(2).toMillis());
    }

    @Test
    void longestMillis_isTheLongestCappedHorizon() {
        Rule filter = rule("Tx");
        Rule sliding = rule("Tx by card over sliding 5 min having count() >= 5");
        Rule session = rule("Tx by card over session 10 min having count() > 3");
        Duration max = Duration.ofHours(1);

        assertThat(Horizon.longestMillis(List.of(), max)).isZero();
        assertThat(Horizon.longestMillis(List.of(filter), max)).isZero();
        assertThat(Horizon.longestMillis(List.of(filter, sliding), max)).isEqualTo(300_000);
        assertThat(Horizon.longestMillis(List.of(sliding, session, filter), max)).isEqualTo(3_600_000);
    }

    @Test
    void cappedMillis_aMaxThatIsNotPositive_isRefused() {
        Rule r = rule("Tx");

        assertThatThrownBy(() -> Horizon.cappedMillis(r, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("max must be positive: PT0S");
        assertThatThrownBy(() -> Horizon.longestMillis(List.of(), Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("max must be positive: PT-0.001S");
    }
}
