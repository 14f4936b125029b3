package dev.vigil.bench;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.EventSender;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompilerProvider;
import com.espertech.esper.runtime.client.EPRuntime;
import com.espertech.esper.runtime.client.EPRuntimeProvider;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Measurement 9's other half: the same table and lookup on Esper's own tables, for the choice in
 * docs/tables.md. A {@code create table} of {@code --rows} rows (filled by an {@code insert into}
 * from a loader stream, one event per row, timed), its heap per row, then a filter with one table
 * access, {@code Tx(amount > Merchant[merchant].limit)}, against the same filter without it, passes
 * alternating in one runtime, each event's merchant drawn at random from the keys. Events are
 * object arrays sent directly (no decoding), as in Vigil's measurement with pre-decoded events.
 */
public final class EsperTableBench {
    public static void main(String[] args) throws Exception {
        Opts o = new Opts(args);
        int rows = o.getInt("rows", 10_000_000);
        int events = o.getInt("events", 2_000_000);
        int warmup = o.getInt("warmup", 1);
        int repeats = o.getInt("repeats", 3);
        Configuration config = new Configuration();
        config.getRuntime().getThreading().setInternalTimerEnabled(false);
        var compiler = EPCompilerProvider.getCompiler();
        EPRuntime runtime = EPRuntimeProvider.getRuntime("esper-table-bench", config);
        CompilerArguments a = new CompilerArguments(config);
        EPCompiled schema = compiler.compile("""
                @public @buseventtype create objectarray schema Tx (cardId string, amount double, merchant string);
                @public @buseventtype create objectarray schema MerchantRow (merchant string, risk string, lim double, since long);
                @public create table Merchant (merchant string primary key, risk string, lim double, since long);
                insert into Merchant select merchant, risk, lim, since from MerchantRow;
                """, a);
        runtime.getDeploymentService().deploy(schema);
        a.getPath().add(schema);
        long before = usedAfterGc();
        long t0 = System.nanoTime();
        EventSender loader = runtime.getEventService().getEventSender("MerchantRow");
        for (int i = 0; i < rows; i++) {
            loader.sendEvent(new Object[] {"m-" + i, i % 7 == 0 ? "high" : "low", 1_000_000.0 + (i % 1000),
                1_700_000_000_000L + i});
        }
        long loadMillis = (System.nanoTime() - t0) / 1_000_000;
        long after = usedAfterGc();
        System.err.printf("esper table: %d rows in %d ms; heap %d MB -> %d MB%n", rows, loadMillis, before >> 20,
                after >> 20);
        System.out.println("RESULT {\"measurement\": \"table-memory\", \"engine\": \"esper\", \"rows\": " + rows
                + ", \"fields\": 4, \"loadMillis\": " + loadMillis + ", \"bytesPerRow\": " + (after - before) / rows + "}");

        SplittableRandom random = new SplittableRandom(42);
        List<Object[]> txs = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            txs.add(new Object[] {"c-" + random.nextInt(100_000), (double) (1 + random.nextInt(5000)),
                "m-" + random.nextInt(rows)});
        }
        String[] forms = {"lookup", "plain"};
        String[] epl = {"select cardId from Tx(amount > Merchant[merchant].lim)", "select cardId from Tx(amount > 1000000)"};
        List<List<Double>> rates = List.of(new ArrayList<>(), new ArrayList<>());
        EventSender tx = runtime.getEventService().getEventSender("Tx");
        long[] matched = new long[1];
        for (int pass = 0; pass < warmup + repeats; pass++) {
            for (int f = 0; f < forms.length; f++) {
                var d = runtime.getDeploymentService().deploy(compiler.compile(epl[f], a));
                d.getStatements()[0].addListener((n, old, s, r) -> matched[0] += n == null ? 0 : n.length);
                long s0 = System.nanoTime();
                for (Object[] e : txs) {
                    tx.sendEvent(e);
                }
                double rate = events / ((System.nanoTime() - s0) / 1e9);
                runtime.getDeploymentService().undeploy(d.getDeploymentId());
                System.err.printf("%s pass %d%s: %s events/s%n", forms[f], pass, pass < warmup ? " (warm-up)" : "",
                        Stats.num(rate));
                if (pass >= warmup) {
                    rates.get(f).add(rate);
                }
            }
        }
        if (matched[0] != 0) {
            throw new IllegalStateException("a rule matched " + matched[0] + " events; none should");
        }
        double plain = Stats.median(rates.get(1));
        for (int f = 0; f < forms.length; f++) {
            System.out.println("RESULT {\"measurement\": \"table-lookup\", \"engine\": \"esper\", \"rule\": "
                    + Stats.q(forms[f]) + ", \"rows\": " + rows + ", \"events\": " + events + ", \"median\": "
                    + Stats.num(Stats.median(rates.get(f))) + ", \"passes\": " + Stats.list(rates.get(f))
                    + ", \"ratio\": " + String.format(java.util.Locale.ROOT, "%.2f", Stats.median(rates.get(f)) / plain)
                    + "}");
        }
        runtime.destroy();
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
