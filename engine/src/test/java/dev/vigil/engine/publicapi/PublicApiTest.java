package dev.vigil.engine.publicapi;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.DeployException;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.EngineStats;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.EventInput;
import dev.vigil.engine.Ingested;
import dev.vigil.engine.InlineEngine;
import dev.vigil.engine.Json;
import dev.vigil.engine.Rejection;
import dev.vigil.engine.Times;
import dev.vigil.rules.CompileResult;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The engine as connectors, notifier and server use it: through its public package only. */
class PublicApiTest {
    private static final EngineOptions RAW = EngineOptions.newBuilder().allowRawEpl(true).build();
    private static final String RULES = """
            event Transaction {
                cardId string
                amount double
                at     timestamp
            }
            rule big_purchase "Big purchase" {
                when Transaction(amount > 1000)
                key cardId
                severity high
                message "Card {cardId}: {amount}"
            }
            rule velocity {
                when Transaction by cardId over sliding 10 min having count() >= 2
                severity warning
            }
            """;

    private static RuleSet compile(String text) {
        CompileResult r = RulesCompiler.compile(List.of(new SourceFile("fraud.rules", text)));
        return r.orThrow();
    }

    private static String tx(String card, double amount, String at) {
        return "{\"type\":\"Transaction\",\"data\":{\"cardId\":\"" + card + "\",\"amount\":" + amount
                + ",\"at\":\"" + at + "\"}}";
    }

    @Test
    void engine_deploysDecodesIngestsAndRaisesAlerts_throughThePublicTypes() throws Exception {
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        List<Rejection> rejections = new CopyOnWriteArrayList<>();
        AlertSink sink = alerts::add;
        EngineOptions options = EngineOptions.newBuilder().lateness(Duration.ZERO).rejections(rejections::add).build();
        try (Engine engine = Engine.start(options, sink)) {
            DeployResult deployed = engine.deploy(compile(RULES));
            assertThat(deployed.added()).containsExactly("big_purchase", "velocity");
            assertThat(engine.decoder().types()).containsExactly("Transaction");

            Ingested batch = engine.ingest(List.of(
                    new EventInput.JsonText(tx("c-1", 1500, "2026-11-21T10:00:00Z"), "index 0"),
                    new EventInput.JsonText("{\"type\":\"Transaction\",\"data\":{\"cardId\":7}}", "index 1"),
                    new EventInput.Envelope(Json.mapper().readTree(tx("c-1", 20, "2026-11-21T10:01:00Z")), "index 2")));
            assertThat(batch.queued()).isTrue();
            assertThat(batch.events()).hasSize(2);
            assertThat(batch.decoded().get(1)).isInstanceOfSatisfying(Decoded.Rejected.class, r -> {
                assertThat(r.rejection().where()).isEqualTo("index 1");
                assertThat(r.rejection().kind()).isEqualTo(Rejection.Kind.INVALID);
            });
            engine.finish();

            assertThat(alerts).extracting(Alert::rule, Alert::status)
                    .contains(org.assertj.core.groups.Tuple.tuple("big_purchase", Alert.Status.FIRING),
                            org.assertj.core.groups.Tuple.tuple("velocity", Alert.Status.FIRING));
            Alert big = alerts.stream().filter(a -> a.rule().equals("big_purchase")).findFirst().orElseThrow();
            assertThat(big.message()).isEqualTo("Card c-1: 1500.0");
            assertThat(big.time()).isEqualTo(Times.parse("2026-11-21T10:00:00Z"));
            JsonNode json = Json.mapper().readTree(big.toJson());
            assertThat(json.get("events").get(0).get("data").get("amount").asDouble()).isEqualTo(1500.0);

            EngineStats stats = engine.stats();
            assertThat(stats.eventsProcessed()).isEqualTo(2);
            assertThat(stats.rules()).extracting(EngineStats.RuleStats::id).containsExactly("big_purchase", "velocity");
        }
    }

    @Test
    void deploy_aRuleEsperRefuses_changesNothing_andNamesTheRule() throws Exception {
        try (Engine engine = Engine.start(EngineOptions.newBuilder().allowRawEpl(true).build(), alert -> { })) {
            engine.deploy(compile(RULES));
            RuleSet bad = compile(RULES + "rule raw { when epl \"\"\"select nosuch from Transaction\"\"\" }\n");
            assertThatThrownBy(() -> engine.deploy(bad)).isInstanceOfSatisfying(DeployException.class, e ->
                    assertThat(e.problems()).extracting(DeployException.Problem::rule).containsExactly("raw"));
            assertThat(engine.stats().rules()).hasSize(2);
        }
    }

    @Test
    void check_aRuleEsperRefuses_namesTheRule_withoutAnEngine() throws Exception {
        Engine.check(compile(RULES), RAW);
        RuleSet bad = compile(RULES + "rule raw { when epl \"\"\"select nosuch from Transaction\"\"\" }\n");
        assertThatThrownBy(() -> Engine.check(bad, RAW)).isInstanceOfSatisfying(DeployException.class, e ->
                assertThat(e.problems()).extracting(DeployException.Problem::rule).containsExactly("raw"));
    }

    @Test
    void inlineEngine_andAStandaloneDecoder_runFiniteInputOnTheCallersThread() throws Exception {
        RuleSet rules = compile(RULES);
        EventDecoder decoder = EventDecoder.of(rules, Clock.systemUTC());
        Decoded d = decoder.decodeText("Transaction", Map.of("cardId", "c-2", "amount", "5000",
                "at", "2026-11-21T10:00:00Z"), "line 2");
        Event event = ((Decoded.Accepted) d).event();
        assertThat(event.type()).isEqualTo("Transaction");
        assertThat(event.id()).isEmpty();
        assertThat(event.effectiveId()).hasSize(32);

        List<Alert> alerts = new CopyOnWriteArrayList<>();
        try (InlineEngine engine = InlineEngine.create(EngineOptions.newBuilder().build(), alerts::add)) {
            engine.deploy(rules);
            engine.submit(((Decoded.Accepted) engine.decoder().decodeJson(tx("c-2", 5000, "2026-11-21T10:00:00Z"),
                    "line 1")).event());
            engine.finish();
            assertThat(engine.processed()).isEqualTo(1);
        }
        assertThat(alerts).extracting(Alert::rule).containsExactly("big_purchase");
        assertThat(Engine.explain(rules)).containsKeys("event Transaction", "big_purchase", "velocity");
    }
}
