package dev.vigil.engine;

import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.testing.TestRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EventDecoderTest {
    private static final long ARRIVAL = Instant.parse("2030-01-01T00:00:00Z").toEpochMilli();
    private final EventDecoder decoder = EventDecoder.of(TestRules.compile("""
            event Transaction { cardId string  amount double  count int  big long  ok boolean  at timestamp }
            event Ping { source string }
            """), Clock.fixed(Instant.ofEpochMilli(ARRIVAL), ZoneOffset.UTC));

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not json                                                  | not valid JSON: Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')
            [1, 2]                                                    | expected a JSON object, got an array
            {"data": {}}                                              | missing `type`
            {"type": 5, "data": {}}                                   | `type`: expected a string, got a number
            {"type": "Nope", "data": {}}                              | unknown event type `Nope` (declared: Ping, Transaction)
            {"type": "Ping"}                                          | missing `data`
            {"type": "Ping", "data": [1]}                             | `data`: expected an object, got an array
            {"type": "Ping", "data": {}, "specversion": "0.3"}        | `specversion`: expected "1.0", got a string "0.3"
            {"type": "Ping", "data": {}, "time": "yesterday"}         | `time`: expected an ISO-8601 time or epoch milliseconds, got a string "yesterday"
            {"type": "Ping", "data": {}, "id": 7}                     | `id`: expected a string, got a number
            {"type": "Transaction", "data": {"cardId": 12}}           | field `cardId` of Transaction: expected a string, got a number 12
            {"type": "Transaction", "data": {"amount": "12"}}         | field `amount` of Transaction: expected a number, got a string "12"
            {"type": "Transaction", "data": {"count": 1.5}}           | field `count` of Transaction: expected an int (whole number), got a number 1.5
            {"type": "Transaction", "data": {"count": 3000000000}}    | field `count` of Transaction: expected an int (whole number), got a number 3000000000
            {"type": "Transaction", "data": {"ok": "yes"}}            | field `ok` of Transaction: expected true or false, got a string "yes"
            {"type": "Transaction", "data": {"at": "noon"}}           | field `at` of Transaction: expected a timestamp (ISO-8601 or epoch milliseconds), got a string "noon"
            """)
    void badEvents_areRejectedWithTheReason(String json, String reason) {
        Decoded d = decoder.decodeJson(json, "f.jsonl:3");
        assertThat(d).isInstanceOf(Decoded.Rejected.class);
        Rejection r = ((Decoded.Rejected) d).rejection();
        assertThat(r.toString()).isEqualTo("f.jsonl:3: " + reason);
    }

    @Test
    void time_comesFromTheTimestampField_elseTheEnvelope_elseArrival() {
        Event a = accepted("{\"type\": \"Transaction\", \"time\": 5, \"data\": {\"at\": \"2026-11-21T10:00:00+01:00\"}}");
        Event b = accepted("{\"type\": \"Transaction\", \"time\": \"2026-11-21T10:00:00Z\", \"data\": {}}");
        Event c = accepted("{\"type\": \"Ping\", \"data\": {\"source\": \"x\"}}");
        Event d = accepted("{\"type\": \"Transaction\", \"data\": {\"at\": 1700000000000}}");
        assertThat(a.time()).isEqualTo(Instant.parse("2026-11-21T09:00:00Z").toEpochMilli());
        assertThat(b.time()).isEqualTo(Instant.parse("2026-11-21T10:00:00Z").toEpochMilli());
        assertThat(c.time()).isEqualTo(ARRIVAL);
        assertThat(d.time()).isEqualTo(1700000000000L);
    }

    @Test
    void missingFieldsAreNull_undeclaredFieldsAreKept_idIsTheEnvelopeIdElseADigest() {
        Event e = accepted("{\"type\": \"Transaction\", \"id\": \"tx-1\", \"data\": {\"cardId\": \"c\", \"extra\": [1]}}");
        assertThat(((DecodedEvent) e).row()[0]).isEqualTo("c");
        assertThat(((DecodedEvent) e).row()[1]).isNull();
        assertThat(e.data().get("extra").toString()).isEqualTo("[1]");
        assertThat(e.effectiveId()).isEqualTo("tx-1");
        Event f = accepted("{\"type\": \"Ping\", \"data\": {\"source\": \"x\"}}");
        Event g = accepted("{\"type\": \"Ping\", \"data\": {\"source\": \"x\"}}");
        assertThat(f.effectiveId()).hasSize(32).isEqualTo(g.effectiveId());
    }

    @Test
    void textRecords_areConverted_andBadValuesRejected() {
        Map<String, String> row = new LinkedHashMap<>();
        row.put("cardId", "c1");
        row.put("amount", "2.5");
        row.put("ok", "TRUE");
        row.put("at", "2026-11-21T10:00:00Z");
        row.put("note", "kept");
        Decoded d = decoder.decodeText("Transaction", row, "t.csv:2");
        Event e = ((Decoded.Accepted) d).event();
        assertThat(((DecodedEvent) e).row()[1]).isEqualTo(2.5);
        assertThat(((DecodedEvent) e).row()[4]).isEqualTo(true);
        assertThat(e.data().get("note").asText()).isEqualTo("kept");
        row.put("big", "x");
        assertThat(decoder.decodeText("Transaction", row, "t.csv:3").toString())
                .contains("t.csv:3", "field `big` of Transaction: expected a long (whole number), got \\\"x\\\"".replace("\\\"", "\""));
    }

    private Event accepted(String json) {
        Decoded d = decoder.decodeJson(json, "x");
        assertThat(d).isInstanceOf(Decoded.Accepted.class);
        return ((Decoded.Accepted) d).event();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "2026-11-21T10:04:12.345Z, 2026-11-21T10:04:12.345Z",
            "2026-11-21T10:04:12Z, 2026-11-21T10:04:12Z",
            "2024-02-29T23:59:59.999Z, 2024-02-29T23:59:59.999Z",
            "1969-12-31T23:59:59.000Z, 1969-12-31T23:59:59Z",
            "2026-11-21T11:04:12.5+01:00, 2026-11-21T10:04:12.500Z",
            "2026-11-21T10:04:12.123456Z, 2026-11-21T10:04:12.123Z"})
    void times_parseLikeTheJdk(String text, String instant) {
        assertThat(Times.parse(text)).isEqualTo(Instant.parse(instant).toEpochMilli());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"2026-02-30T10:00:00.000Z", "2026-13-01T10:00:00Z", "2026-11-21 10:00:00Z"})
    void times_invalidDatesAreRefused(String text) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Times.parse(text))
                .isInstanceOf(java.time.format.DateTimeParseException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"type": "Transaction", "id": "a", "data": {"cardId": "c", "amount": 2, "count": 3, "big": 9007199254740993, "ok": true, "at": "2026-11-21T10:00:00.5Z", "x": {"y": [1, 2]}}}
            {"data": {"cardId": "c", "amount": 2.5}, "type": "Transaction", "time": 5}
            {"type": "Transaction", "data": {"cardId": null, "amount": -1e3}, "time": "2026-11-21T10:00:00Z", "extra": [1, {"a": 2}]}
            {"specversion": "1.0", "type": "Ping", "data": {"source": "s"}, "id": null}
            {"type": "Transaction", "data": {"at": 7, "ok": false, "x": 1, "big": 4, "count": 3, "amount": 2.5, "cardId": "r"}}
            {"type": "Transaction", "data": {"amount": 1, "cardId": "first", "amount": 2, "cardId": "second"}}
            """)
    void streamingAndTreeDecoding_giveTheSameEvent(String json) throws Exception {
        Event streamed = accepted(json);
        Event tree = ((Decoded.Accepted) decoder.decode(Json.mapper().readTree(json), "x")).event();
        assertThat(streamed.type()).isEqualTo(tree.type());
        assertThat(streamed.time()).isEqualTo(tree.time());
        assertThat(streamed.id()).isEqualTo(tree.id());
        assertThat(java.util.Arrays.copyOf(((DecodedEvent) streamed).row(), ((DecodedEvent) streamed).row().length - 1))
                .containsExactly(java.util.Arrays.copyOf(((DecodedEvent) tree).row(), ((DecodedEvent) tree).row().length - 1));
        assertThat(streamed.data()).isEqualTo(tree.data());
        assertThat(streamed.effectiveId()).isEqualTo(tree.effectiveId());
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"0.1", "2.2250738585072012e-308", "4.9e-324",
            "1.7976931348623157e308", "123456.78901234567890123", "9007199254740993", "-0.0", "1e23", "8.41e21"})
    void decimals_areTheValuesJavaParses(String number) {
        Event e = accepted("{\"type\": \"Transaction\", \"data\": {\"cardId\": \"c\", \"amount\": " + number + "}}");
        assertThat(((DecodedEvent) e).row()[1]).isEqualTo(Double.parseDouble(number));
    }

    @Test
    void envelopeWithTypeBeforeData_isReadInOneStreamingPass_dataKeptAsText() {
        Event e = accepted("{\"type\": \"Ping\", \"data\": {\"source\":  \"s\"}}");
        // Not parsed into a tree yet: the event still holds the data's text as received.
        assertThat(e.toString()).endsWith("{\"source\":  \"s\"}");
        assertThat(e.data().get("source").asText()).isEqualTo("s");
        assertThat(e.toString()).endsWith("{\"source\":\"s\"}");
    }
}
