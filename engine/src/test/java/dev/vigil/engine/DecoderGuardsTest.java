package dev.vigil.engine;

import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** What the decoder refuses instead of half-processing: unrepresentable times, non-finite numbers, trailing data, bad UTF-8, far-future times. */
class DecoderGuardsTest {
    private static final RuleSet RULES = RulesCompiler.compile(List.of(new SourceFile("t.rules", """
            event Tx {
                card   string
                amount double
                at     timestamp
            }
            event Ping {
                source string
            }
            rule big { when Tx(amount > 100) key card }
            """))).orThrow();
    private static final Clock WALL = Clock.fixed(Instant.parse("2026-11-21T10:00:00Z"), ZoneOffset.UTC);
    private final EventDecoder decoder = EventDecoder.of(RULES, WALL);

    private String reason(Decoded d) {
        assertThat(d).isInstanceOf(Decoded.Rejected.class);
        return ((Decoded.Rejected) d).rejection().toString();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"type":"Tx","data":{"card":"c","amount":1,"at":"+1000000000-01-01T00:00:00Z"}} | l: field `at` of Tx: time +1000000000-01-01T00:00:00Z is out of range (years 0001 to 9999)
            {"type":"Tx","data":{"card":"c","amount":1,"at":"+10000-01-01T00:00:00Z"}}      | l: field `at` of Tx: time +10000-01-01T00:00:00Z is out of range (years 0001 to 9999)
            {"type":"Tx","data":{"card":"c","amount":1,"at":"0000-12-31T23:59:59Z"}}        | l: field `at` of Tx: time 0000-12-31T23:59:59Z is out of range (years 0001 to 9999)
            {"type":"Tx","data":{"card":"c","amount":1,"at":9223372036854775807}}           | l: field `at` of Tx: 9223372036854775807 ms is out of range (years 0001 to 9999)
            {"type":"Tx","data":{"card":"c","amount":1,"at":99999999999999999999}}          | l: field `at` of Tx: 99999999999999999999 ms is out of range (years 0001 to 9999)
            {"type":"Ping","time":"+1000000000-01-01T00:00:00Z","data":{"source":"s"}}      | l: `time`: time +1000000000-01-01T00:00:00Z is out of range (years 0001 to 9999)
            {"type":"Ping","time":-9223372036854775808,"data":{"source":"s"}}               | l: `time`: -9223372036854775808 ms is out of range (years 0001 to 9999)
            {"type":"Tx","data":{"card":"c","amount":1e400,"at":"2026-11-21T10:00:00Z"}}    | l: field `amount` of Tx: number beyond the range of a double (about 1.8e308)
            {"type":"Tx","data":{"card":"c","amount":-1e400,"at":"2026-11-21T10:00:00Z"}}   | l: field `amount` of Tx: number beyond the range of a double (about 1.8e308)
            {"type":"Ping","data":{"source":"s"}} {"type":"Ping","data":{"source":"t"}}     | l: trailing data after the JSON value at column 39; one event per line
            {"type":"Ping","data":{"source":"s"}}x                                          | l: not valid JSON: Unrecognized token 'x': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')
            """)
    void jsonEvent_thatCannotBeRepresented_isRejectedWithItsReason(String json, String expected) {
        assertThat(reason(decoder.decodeJson(json, "l"))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            lone 0xff                  | ff                | not valid UTF-8: byte 0xff at offset 36
            overlong slash             | c0af              | not valid UTF-8: byte 0xc0 at offset 36
            CESU-8 surrogate           | eda080edb080      | not valid UTF-8: byte 0xed at offset 36
            truncated three-byte       | e282              | not valid UTF-8: byte 0xe2 at offset 36
            """)
    void jsonBytes_notValidUtf8_areRejected_neverReplaced(String name, String hex, String expected) {
        byte[] head = "{\"type\":\"Ping\",\"data\":{\"source\":\"ab".getBytes(StandardCharsets.UTF_8);
        byte[] bad = HexFormat.of().parseHex(hex);
        byte[] tail = "\"}}".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + bad.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bad, 0, all, head.length, bad.length);
        System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
        assertThat(head.length).isEqualTo(35);
        assertThat(reason(decoder.decodeJson(all, 0, all.length, "l"))).isEqualTo("l: " + expected.replace("36", "35"));
    }

    @Test
    void jsonBytes_validUtf8_decodeAsText() {
        byte[] ok = "{\"type\":\"Ping\",\"data\":{\"source\":\"Zürich €\"}}".getBytes(StandardCharsets.UTF_8);
        Decoded d = decoder.decodeJson(ok, 0, ok.length, "l");
        assertThat(((Decoded.Accepted) d).event().data().get("source").asText()).isEqualTo("Zürich €");
    }

    @Test
    void csvRow_timeOutOfRangeAndInfiniteNumber_areRejected() {
        assertThat(reason(decoder.decodeText("Tx", Map.of("card", "c", "amount", "1", "at", "99999999999999999999"),
                "f.csv:2"))).isEqualTo("f.csv:2: field `at` of Tx: 99999999999999999999 ms is out of range (years 0001 to 9999)");
        assertThat(reason(decoder.decodeText("Tx", Map.of("card", "c", "amount", "1e400", "at", "2026-11-21T10:00:00Z"),
                "f.csv:3"))).isEqualTo("f.csv:3: field `amount` of Tx: expected a number, got \"1e400\"");
    }

    @Test
    void times_fromYear1ToYear9999_areAccepted() {
        for (String at : List.of("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.9999999Z")) {
            Decoded d = decoder.decodeJson("{\"type\":\"Tx\",\"data\":{\"card\":\"c\",\"amount\":1,\"at\":\"" + at + "\"}}", "l");
            assertThat(d).as(at).isInstanceOf(Decoded.Accepted.class);
        }
        assertThat(Times.parse("0001-01-01T00:00:00Z")).isEqualTo(Times.MIN);
        assertThat(Times.parse("9999-12-31T23:59:59.999Z")).isEqualTo(Times.MAX);
    }

    @Test
    void liveEventTime_anEventFarAhead_isRejected_andLaterEventsStillAlert() throws Exception {
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        EngineOptions options = EngineOptions.newBuilder().live(true).clock(WALL).maxFuture(Duration.ofMinutes(5)).build();
        try (Engine engine = Engine.start(options, alerts::add)) {
            engine.deploy(RULES);
            Ingested result = engine.ingest(List.of(
                    new EventInput.JsonText("{\"type\":\"Tx\",\"data\":{\"card\":\"future\",\"amount\":500,"
                            + "\"at\":\"2027-11-21T10:00:00Z\"}}", "index 0"),
                    new EventInput.JsonText("{\"type\":\"Tx\",\"data\":{\"card\":\"soon\",\"amount\":500,"
                            + "\"at\":\"2026-11-21T10:04:59Z\"}}", "index 1"),
                    new EventInput.JsonText("{\"type\":\"Tx\",\"data\":{\"card\":\"now\",\"amount\":500,"
                            + "\"at\":\"2026-11-21T09:59:00Z\"}}", "index 2")));
            assertThat(reason(result.decoded().get(0))).isEqualTo("index 0: event time 2027-11-21T10:00:00.000Z is more "
                    + "than 300 s ahead of the wall clock 2026-11-21T10:00:00.000Z (time.maxFuture)");
            assertThat(result.events()).hasSize(2);
            engine.finish();
        }
        assertThat(alerts).extracting(a -> a.key().get("card")).contains("soon");
    }

    @Test
    void replay_isNotLive_soFutureTimesAreAccepted() {
        Decoded d = decoder.decodeJson("{\"type\":\"Tx\",\"data\":{\"card\":\"c\",\"amount\":1,\"at\":\"2030-01-01T00:00:00Z\"}}", "l");
        assertThat(d).isInstanceOf(Decoded.Accepted.class);
    }
}
