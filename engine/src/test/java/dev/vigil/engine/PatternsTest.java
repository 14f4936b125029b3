package dev.vigil.engine;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PatternsTest {
    private static final String TX = """
            event Transaction {
                cardId    string
                amount    double
                merchant  string
                at        timestamp
            }
            """;

    private static String tx(String card, double amount) {
        return "{'cardId': '" + card + "', 'amount': " + amount + ", 'merchant': 'm-1'}";
    }

    @Test
    void followedBy_withinAndBy_matchesSameKeyInTime() throws Exception {
        try (Harness h = new Harness(TX + """
                rule card_testing {
                    when a: Transaction(amount < 2) -> b: Transaction(amount > 500) by cardId within 10 min
                    message "Card {a.cardId}: test charge {a.amount}, then {b.amount}"
                }
                """)) {
            h.at(0, "Transaction", tx("c1", 1))
                    .at(1_000, "Transaction", tx("c2", 900))      // other card: no match
                    .at(2_000, "Transaction", tx("c1", 900));     // match
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +2000");
            Alert a = h.alerts.get(0);
            assertThat(a.message()).isEqualTo("Card c1: test charge 1.0, then 900.0");
            assertThat(a.values()).containsEntry("a.amount", 1.0).containsEntry("b.amount", 900.0);
            assertThat(a.events()).extracting(Event::time).containsExactly(Harness.T0, Harness.T0 + 2_000);
        }
    }

    @Test
    void within_isHalfOpen_eventExactlyAtTheEndDoesNotMatch() throws Exception {
        try (Harness h = new Harness(TX + """
                rule r { when a: Transaction(amount < 2) -> b: Transaction(amount > 500) by cardId within 10 min }
                """)) {
            h.at(0, "Transaction", tx("c1", 1)).at(600_000, "Transaction", tx("c1", 900));
            h.finish();
            assertThat(h.summary()).isEmpty();
        }
    }

    @Test
    void everyStartIsItsOwnAttempt_twoStartsOneCompletion_raiseTwo() throws Exception {
        try (Harness h = new Harness(TX + """
                rule r { when a: Transaction(amount < 2) -> b: Transaction(amount > 500) by cardId }
                """)) {
            h.at(0, "Transaction", tx("c1", 1)).at(1_000, "Transaction", tx("c1", 1.5))
                    .at(2_000, "Transaction", tx("c1", 900)).at(3_000, "Transaction", tx("c1", 901));
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +2000", "firing {cardId=c1} +2000");
            assertThat(h.alerts.get(0).id()).isNotEqualTo(h.alerts.get(1).id());
        }
    }

    @Test
    void times_collectsNEventsOfTheSameKey() throws Exception {
        try (Harness h = new Harness("""
                event Login { userId string  success boolean  at timestamp }
                rule brute {
                    when a: Login(success == false) times 3 -> b: Login(success) by userId within 2 min
                    message "{a[0].userId} {a[2].success}"
                }
                """)) {
            String fail = "{'userId': 'u1', 'success': false}";
            h.at(0, "Login", fail).at(1_000, "Login", fail).at(2_000, "Login", "{'userId': 'u2', 'success': false}")
                    .at(3_000, "Login", fail).at(4_000, "Login", "{'userId': 'u1', 'success': true}");
            h.finish();
            assertThat(h.summary()).containsExactly("firing {userId=u1} +4000");
            assertThat(h.alerts.get(0).message()).isEqualTo("u1 false");
            assertThat(h.alerts.get(0).events()).hasSize(4);
        }
    }

    @Test
    void absentTerm_firesAtPreviousPlusDuration_unlessTheEventCame() throws Exception {
        try (Harness h = new Harness("""
                event Order { orderId string  total double  at timestamp }
                event Shipment { orderId string  carrier string  at timestamp }
                rule unshipped { when a: Order -> absent Shipment for 1 h by orderId }
                """)) {
            h.at(0, "Order", "{'orderId': 'o1', 'total': 5}")
                    .at(1_000, "Order", "{'orderId': 'o2', 'total': 5}")
                    .at(2_000, "Shipment", "{'orderId': 'o2', 'carrier': 'x'}");
            h.finish();
            assertThat(h.summary()).containsExactly("firing {orderId=o1} +3600000");
        }
    }

    @Test
    void absentTerm_eventExactlyAtTheDeadline_doesNotPrevent() throws Exception {
        try (Harness h = new Harness("""
                event Order { orderId string  at timestamp }
                event Shipment { orderId string  at timestamp }
                rule unshipped { when a: Order -> absent Shipment for 1 h by orderId }
                """)) {
            h.at(0, "Order", "{'orderId': 'o1'}").at(3_600_000, "Shipment", "{'orderId': 'o1'}");
            h.finish();
            assertThat(h.summary()).containsExactly("firing {orderId=o1} +3600000");
        }
    }

    @Test
    void andGroupFirst_eitherOrderMatches_eachMemberStarts() throws Exception {
        try (Harness h = new Harness("""
                event Deposit { accountId string  at timestamp }
                event Withdrawal { accountId string  at timestamp }
                rule r { when (a: Deposit and b: Withdrawal) by accountId within 1 min }
                """)) {
            h.at(0, "Deposit", "{'accountId': 'x'}").at(1_000, "Withdrawal", "{'accountId': 'x'}")
                    .at(100_000, "Withdrawal", "{'accountId': 'y'}").at(101_000, "Deposit", "{'accountId': 'y'}");
            h.finish();
            // the completing event also starts its own attempt, which finds nothing after it
            assertThat(h.summary()).containsExactly("firing {accountId=x} +1000", "firing {accountId=y} +101000");
        }
    }

    @Test
    void orGroup_anyMemberCompletesTheGroup() throws Exception {
        try (Harness h = new Harness("""
                event Deposit { accountId string  at timestamp }
                event Withdrawal { accountId string  at timestamp }
                event Close { accountId string  at timestamp }
                rule r { when (a: Deposit or b: Withdrawal) -> c: Close by accountId }
                """)) {
            h.at(0, "Withdrawal", "{'accountId': 'x'}").at(1_000, "Close", "{'accountId': 'x'}");
            h.finish();
            assertThat(h.summary()).containsExactly("firing {accountId=x} +1000");
        }
    }

    @Test
    void filter_everyMatchingEventFires_withItsOwnKey() throws Exception {
        try (Harness h = new Harness(TX + """
                rule big { when Transaction(amount > 100 and merchant in ("m-1", "m-2")) key cardId severity high }
                """)) {
            h.at(0, "Transaction", tx("c1", 101)).at(1, "Transaction", tx("c2", 50)).at(2, "Transaction", tx("c3", 500));
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +0", "firing {cardId=c3} +2");
            assertThat(h.alerts.get(0).values()).containsEntry("amount", 101.0).containsEntry("merchant", "m-1");
        }
    }

    @Test
    void throttle_suppressesRepeatsWithinTheDuration() throws Exception {
        try (Harness h = new Harness(TX + """
                rule big { when Transaction(amount > 100) key cardId throttle 1 min }
                """)) {
            h.at(0, "Transaction", tx("c1", 101)).at(30_000, "Transaction", tx("c1", 102))
                    .at(60_000, "Transaction", tx("c1", 103)).at(61_000, "Transaction", tx("c2", 104));
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +0", "firing {cardId=c1} +60000",
                    "firing {cardId=c2} +61000");
            assertThat(h.suppressed).hasSize(1);
        }
    }

    @Test
    void absence_firesAtLastPlusDuration_resolvesWhenTheKeySpeaks() throws Exception {
        try (Harness h = new Harness("""
                event Heartbeat { terminalId string  at timestamp }
                rule silent { when absent Heartbeat by terminalId for 2 min }
                """)) {
            h.at(0, "Heartbeat", "{'terminalId': 't1'}").at(60_000, "Heartbeat", "{'terminalId': 't1'}")
                    .at(200_000, "Heartbeat", "{'terminalId': 't1'}");
            h.finish();
            // silent from +60s: fires at +180s; speaks at +200s; silent again at +320s (drain)
            assertThat(h.summary()).containsExactly("firing {terminalId=t1} +180000",
                    "resolved {terminalId=t1} +200000", "firing {terminalId=t1} +320000");
            assertThat(h.alerts.get(0).events()).hasSize(1);
        }
    }

    @Test
    void lateness_reordersWithinTheBound_rejectsBehindTheWatermark() throws Exception {
        try (Harness h = new Harness(TX + """
                rule all { when Transaction key cardId }
                """, java.time.Duration.ofSeconds(5))) {
            h.at(10_000, "Transaction", tx("c2", 1))
                    .at(6_000, "Transaction", tx("c1", 1))    // 4 s behind: reordered
                    .at(20_000, "Transaction", tx("c3", 1))   // watermark now +15s
                    .at(15_000, "Transaction", tx("c4", 1))   // exactly at the watermark: accepted
                    .at(14_999, "Transaction", tx("c5", 1));  // late
            h.finish();
            assertThat(h.summary()).containsExactly("firing {cardId=c1} +6000", "firing {cardId=c2} +10000",
                    "firing {cardId=c4} +15000", "firing {cardId=c3} +20000");
            assertThat(h.rejections).hasSize(1);
            assertThat(h.rejections.get(0).kind()).isEqualTo(Rejection.Kind.LATE);
        }
    }
}
