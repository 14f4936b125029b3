package dev.vigil.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WindowsTest {
    private static final String VITALS = """
            event Vitals {
                patientId string
                heartRate int
                at        timestamp
            }
            """;

    private static String data(String patient, int rate) {
        return "{'patientId': '" + patient + "', 'heartRate': " + rate + "}";
    }

    @Test
    void sliding_firesWhenThresholdReached_resolvesWhenEventsExpire() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule many { when Vitals by patientId over sliding 10 s having count() >= 2 }
                """)) {
            h.at(0, "Vitals", data("p1", 80)).at(3_000, "Vitals", data("p1", 80)).at(4_000, "Vitals", data("p2", 80));
            h.finish();
            // second event at +3s fires; first expires at +10s (count 1): resolved
            assertThat(h.summary()).containsExactly("firing {patientId=p1} +3000", "resolved {patientId=p1} +10000");
        }
    }

    @Test
    void sliding_eventExactlyAtExpiry_isJudgedAfterTheExpiry() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule many { when Vitals by patientId over sliding 10 s having count() >= 2 }
                """)) {
            h.at(0, "Vitals", data("p1", 80)).at(10_000, "Vitals", data("p1", 80));
            h.finish();
            // the first event leaves at +10s before the second enters: never two in the window
            assertThat(h.summary()).isEmpty();
        }
    }

    @Test
    void tumbling_judgedAtEpochAlignedEnds_emptyWindowResolves() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule high { when Vitals by patientId over tumbling 1 min having avg(heartRate) > 120 }
                """)) {
            h.at(10_000, "Vitals", data("p1", 130)).at(20_000, "Vitals", data("p1", 140))
                    .at(70_000, "Vitals", data("p2", 60));
            h.finish();
            assertThat(h.summary()).containsExactly("firing {patientId=p1} +60000", "resolved {patientId=p1} +120000");
        }
    }

    @Test
    void tumbling_eventOnBoundary_opensTheNextWindow() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule two { when Vitals by patientId over tumbling 1 min having count() >= 2 }
                """)) {
            h.at(30_000, "Vitals", data("p1", 60)).at(60_000, "Vitals", data("p1", 60));
            h.finish();
            assertThat(h.summary()).isEmpty();
        }
    }

    @Test
    void hopping_judgedAtEveryMultiple_overTheLastSize() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule two { when Vitals by patientId over hopping 2 min every 1 min having count() >= 2 }
                """)) {
            h.at(30_000, "Vitals", data("p1", 60)).at(90_000, "Vitals", data("p1", 60));
            h.finish();
            // judged at +60 (1 event), +120 ([0,120): 2 events) fires, +180 ([60,180): 1) resolves
            assertThat(h.summary()).containsExactly("firing {patientId=p1} +120000", "resolved {patientId=p1} +180000");
        }
    }

    @Test
    void session_closesAfterGap_andResolves() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule busy { when Vitals by patientId over session 30 s having count() >= 3 }
                """)) {
            h.at(0, "Vitals", data("p1", 60)).at(20_000, "Vitals", data("p1", 60)).at(40_000, "Vitals", data("p1", 60))
                    .at(100_000, "Vitals", data("p1", 60));
            h.finish();
            assertThat(h.summary()).containsExactly("firing {patientId=p1} +40000", "resolved {patientId=p1} +70000");
        }
    }

    @Test
    void length_lastEventsPerKey() throws Exception {
        try (Harness h = new Harness("""
                event StockLevel { sku string  quantity int  reorderLevel int  at timestamp }
                rule low { when StockLevel by sku over last 1 events having last(quantity) < last(reorderLevel) }
                """)) {
            h.at(0, "StockLevel", "{'sku': 's1', 'quantity': 5, 'reorderLevel': 10}")
                    .at(1_000, "StockLevel", "{'sku': 's1', 'quantity': 4, 'reorderLevel': 10}")
                    .at(2_000, "StockLevel", "{'sku': 's1', 'quantity': 50, 'reorderLevel': 10}");
            h.finish();
            assertThat(h.summary()).containsExactly("firing {sku=s1} +0", "resolved {sku=s1} +2000");
        }
    }

    @Test
    void for_conditionMustHoldForTheWholeDuration() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule sustained { when Vitals by patientId over sliding 1 min having avg(heartRate) > 100 for 30 s }
                """)) {
            h.at(0, "Vitals", data("p1", 120))          // true from +0
                    .at(10_000, "Vitals", data("p1", 40))   // avg 80: false at +10s, pending cancelled
                    .at(20_000, "Vitals", data("p2", 150))  // p2 true from +20s
                    .at(30_000, "Vitals", data("p2", 150));
            h.finish();
            // p2 held from +20s: fires at +50s; its events expire at +80s and +90s: resolved at +90s
            assertThat(h.summary()).containsExactly("firing {patientId=p2} +50000", "resolved {patientId=p2} +90000");
        }
    }

    @Test
    void for_conditionHeldExactlyTheDuration_fires() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule sustained { when Vitals by patientId over sliding 30 s having count() >= 1 for 30 s }
                """)) {
            h.at(0, "Vitals", data("p1", 120));
            h.finish();
            // true from +0, the event expires at +30s: held exactly 30 s
            assertThat(h.summary()).containsExactly("firing {patientId=p1} +30000", "resolved {patientId=p1} +30000");
        }
    }

    @Test
    void aggregate_messageAndValues_areFilled() throws Exception {
        try (Harness h = new Harness(VITALS + """
                rule high "High rate" {
                    when Vitals by patientId over sliding 1 min having avg(heartRate) > 100
                    message "Patient {patientId}: average {avg(heartRate):0.0} over {count()} readings"
                }
                """)) {
            h.at(0, "Vitals", data("p1", 101)).at(1_000, "Vitals", data("p1", 102));
            h.finish();
            Alert first = h.alerts.get(0);
            assertThat(first.message()).isEqualTo("Patient p1: average 101.0 over 1 readings");
            assertThat(first.values()).containsEntry("avg(heartRate)", 101.0).containsEntry("count()", 1L);
            assertThat(first.events()).hasSize(1);
            assertThat(first.title()).isEqualTo("High rate");
        }
    }
}
