package dev.vigil.bench;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.EventBean;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.common.client.json.util.EventSenderJson;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompilerProvider;
import com.espertech.esper.runtime.client.EPDeployment;
import com.espertech.esper.runtime.client.EPEventService;
import com.espertech.esper.runtime.client.EPRuntime;
import com.espertech.esper.runtime.client.EPRuntimeProvider;
import com.espertech.esper.runtime.client.EPStatement;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The same rules hand-written in EPL on raw Esper 9, as a user would: the envelope declared with
 * {@code create json schema}, each line handed to Esper's own JSON parser ({@link EventSenderJson}),
 * the external clock moved to each event's time with {@code advanceTimeSpan} (timers fire at their
 * own times, as in Vigil), listeners that count matches. The upper bound for any Esper-based
 * engine. Aggregate rules count firing transitions per key (condition false to true), the way the
 * language spec defines alerts: a plain {@code irstream} row also comes when an event leaves the
 * window while the condition still holds.
 */
final class EsperRunner implements ReplayBench.Runner {
    static final String SCHEMA = """
            @public create json schema TxData(cardId string, amount double, merchant string, country string, `at` string);
            @public @buseventtype create json schema Transaction(`type` string, id string, data TxData);
            """;

    static final Map<String, String> RULES = Map.of(
            "big_foreign_purchase", """
                    @name('big_foreign_purchase')
                    select data.cardId as cardId, data.amount as amount, data.merchant as merchant, data.country as country
                    from Transaction(data.amount >= 1000 and data.country not in ('US', 'CA'));
                    """,
            "card_testing", """
                    @name('card_testing')
                    select a.data.cardId as cardId, a.data.amount as testAmount, a.data.merchant as testMerchant,
                           b.data.amount as amount, b.data.merchant as merchant
                    from pattern [every a=Transaction(data.amount < 2)
                                  -> b=Transaction(data.amount > 500 and data.cardId = a.data.cardId) where timer:within(10 min)];
                    """,
            "velocity", """
                    @name('velocity')
                    select irstream data.cardId as cardId, count(*) as n, sum(data.amount) as total, count(*) >= 5 as cond
                    from Transaction#time(5 min)
                    group by data.cardId;
                    """,
            "impossible_travel", """
                    @name('impossible_travel')
                    select b.data.cardId as cardId, a.data.country as fromCountry, b.data.country as toCountry,
                           b.data.amount as amount, b.data.merchant as merchant
                    from pattern [every a=Transaction
                                  -> b=Transaction(data.country != a.data.country and data.cardId = a.data.cardId) where timer:within(1 hour)];
                    """);

    private final Scenario scenario;
    private final Configuration config;
    private final EPCompiled compiled;
    private int runtimes;
    private EPRuntime runtime;
    private EPEventService events;
    private EventSenderJson sender;
    private Object[] parsed;
    private long[] times;
    private Map<String, long[]> counts;

    EsperRunner(Scenario scenario) throws Exception {
        this.scenario = scenario;
        this.config = new Configuration();
        config.getRuntime().getThreading().setInternalTimerEnabled(false);
        config.getRuntime().getLogging().setEnableExecutionDebug(false);
        config.getCompiler().getByteCode().setAllowSubscriber(false);
        this.compiled = EPCompilerProvider.getCompiler().compile(epl(scenario), new CompilerArguments(config));
    }

    static String epl(Scenario scenario) {
        StringBuilder sb = new StringBuilder(SCHEMA);
        for (String id : scenario.rules) {
            sb.append(RULES.get(id));
        }
        return sb.toString();
    }

    @Override
    public void setUp(Lines lines, boolean parse) throws Exception {
        runtime = EPRuntimeProvider.getRuntime("bench-esper-" + runtimes++, config);
        events = runtime.getEventService();
        events.advanceTime(0);
        EPDeployment d = runtime.getDeploymentService().deploy(compiled);
        counts = new LinkedHashMap<>();
        for (String id : scenario.rules) {
            counts.put(id, new long[1]);
        }
        for (EPStatement st : d.getStatements()) {
            long[] count = counts.get(st.getName());
            if (count == null) {
                continue;
            }
            if (st.getName().equals("velocity")) {
                Set<String> firing = new HashSet<>();
                st.addListener((in, out, s, rt) -> {
                    for (EventBean b : in) {
                        String card = (String) b.get("cardId");
                        if (Boolean.TRUE.equals(b.get("cond"))) {
                            if (firing.add(card)) {
                                count[0]++;
                            }
                        } else {
                            firing.remove(card);
                        }
                    }
                });
            } else {
                st.addListener((in, out, s, rt) -> {
                    for (EventBean b : in) {
                        if (b.get("cardId") != null) {
                            count[0]++;
                        }
                    }
                });
            }
        }
        sender = (EventSenderJson) events.getEventSender("Transaction");
        parsed = null;
        if (parse) {
            parsed = new Object[lines.count];
            times = new long[lines.count];
            for (int i = 0; i < lines.count; i++) {
                parsed[i] = sender.parse(lines.text(i));
                times[i] = timeOf(parsed[i]);
            }
        }
    }

    private static long timeOf(Object underlying) {
        Map<?, ?> data = (Map<?, ?>) ((Map<?, ?>) underlying).get("data");
        return Iso.millis((String) data.get("at"));
    }

    @Override
    public long run(Lines lines, boolean parse) {
        int n = lines.count;
        for (int i = 0; i < n; i++) {
            Object u;
            long t;
            if (parse) {
                u = parsed[i];
                t = times[i];
            } else {
                u = sender.parse(lines.text(i));
                t = timeOf(u);
            }
            if (t > events.getCurrentTime()) {
                events.advanceTimeSpan(t);
            }
            sender.sendEvent(u);
        }
        return n;
    }

    @Override
    public Map<String, Long> tearDown() {
        runtime.destroy();
        parsed = null;
        times = null;
        Map<String, Long> out = new LinkedHashMap<>();
        counts.forEach((k, v) -> out.put(k, v[0]));
        return out;
    }
}
