package dev.vigil.engine;

import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine's horizon: the longest of its deployed rules, unbounded ones counted as maxHorizon. */
class EngineHorizonTest {
    private static final String TX = """
            event Transaction { cardId string  amount double  at timestamp }
            """;
    private static final AlertSink NOWHERE = new AlertSink() {
        @Override
        public void onAlert(Alert alert) {
        }

        @Override
        public void onSuppressed(Alert alert, String reason) {
        }
    };

    private static Engine engine(Duration maxHorizon) {
        return Engine.start(EngineOptions.newBuilder().maxHorizon(maxHorizon).build(), NOWHERE);
    }

    @Test
    void horizonMillis_followsEachDeploy_andEachRuleReportsItsOwn() throws Exception {
        try (Engine engine = engine(Duration.ofHours(1))) {
            assertThat(engine.horizonMillis()).isZero();

            engine.deploy(TestRules.compile(TX + """
                    rule big { when Transaction(amount > 100) key cardId }
                    rule velocity { when Transaction by cardId over sliding 10 min having count() >= 3 for 1 min }
                    """));
            assertThat(engine.horizonMillis()).isEqualTo(660_000);
            assertThat(engine.stats().rules()).extracting(r -> r.id() + " " + r.horizonMillis())
                    .containsExactly("big 0", "velocity 660000");

            engine.deploy(TestRules.compile(TX + """
                    rule big { when Transaction(amount > 100) key cardId }
                    rule spree { when Transaction by cardId over session 10 min having count() > 5 }
                    """));
            assertThat(engine.horizonMillis()).isEqualTo(3_600_000);
            assertThat(engine.stats().rules()).extracting(r -> r.id() + " " + r.horizonMillis())
                    .containsExactly("big 0", "spree 3600000");
        }
    }

    @Test
    void horizonMillis_aRuleLongerThanMaxHorizon_countsAsMaxHorizon() throws Exception {
        try (Engine engine = engine(Duration.ofHours(24))) {
            engine.deploy(TestRules.compile(TX + """
                    rule weekly { when Transaction by cardId over tumbling 7 d having count() > 100 }
                    """));
            assertThat(engine.horizonMillis()).isEqualTo(Duration.ofHours(24).toMillis());
        }
    }

    @Test
    void horizonMillis_disabledRulesDoNotCount() throws Exception {
        try (Engine engine = engine(Duration.ofHours(24))) {
            engine.deploy(TestRules.compile(TX + """
                    rule velocity { when Transaction by cardId over sliding 5 min having count() >= 3 }
                    rule testing { when a: Transaction -> b: Transaction by cardId  enabled false }
                    """));
            assertThat(engine.horizonMillis()).isEqualTo(300_000);
        }
    }

    @Test
    void horizonMillis_aRefusedDeploy_changesNothing() throws Exception {
        try (Engine engine = engine(Duration.ofHours(24))) {
            engine.deploy(TestRules.compile(TX + """
                    rule velocity { when Transaction by cardId over sliding 5 min having count() >= 3 }
                    """));
            assertThatThrownBy(() -> engine.deploy(TestRules.compile(TX + """
                    rule raw { when epl \"""select cardId from Transaction#time(1 min)\""" }
                    """))).isInstanceOf(DeployException.class);
            assertThat(engine.horizonMillis()).isEqualTo(300_000);
        }
    }

    @Test
    void maxHorizon_defaultsToADay_andMustBePositiveAndAtMostAYear() {
        assertThat(EngineOptions.newBuilder().build().maxHorizon()).isEqualTo(Duration.ofHours(24));
        assertThat(EngineOptions.newBuilder().maxHorizon(Duration.ofDays(365)).build().maxHorizon())
                .isEqualTo(Duration.ofDays(365));
        assertThatThrownBy(() -> EngineOptions.newBuilder().maxHorizon(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxHorizon must be positive and at most 365 days: PT0S");
        assertThatThrownBy(() -> EngineOptions.newBuilder().maxHorizon(Duration.ofDays(366)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxHorizon must be positive and at most 365 days: PT8784H");
    }
}
