package dev.vigil.engine.internal.esper;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompileException;
import com.espertech.esper.compiler.client.EPCompiler;
import com.espertech.esper.runtime.client.DeploymentOptions;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.vigil.engine.internal.epl.RulePlan;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.EventDecl;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;

/**
 * Rules whose EPL differs only in literals and names share one compiled module (a shape): the
 * translator writes literals as substitution parameters and statement names as placeholders, the
 * module is compiled once, kept in a cache bounded by the size of its byte code, and deployed once
 * per rule with the rule's values and names. A deploy of a compiled module takes about a
 * millisecond, a compile tens; distinct shapes compile in parallel, one per core.
 */
final class Shapes {
    /** The most byte code the cache keeps: a rule's module is 20-100 KB. */
    static final long MAX_CACHE_BYTES = 256L << 20;

    private static final Cache<String, EPCompiled> CACHE = Caffeine.newBuilder()
            .maximumWeight(MAX_CACHE_BYTES)
            .weigher((String key, EPCompiled c) -> weight(key, c))
            .build();

    /** Compiles in parallel, one per core; each compile runs with its budget on a thread of its own. */
    private static final ExecutorService PARALLEL = Executors.newFixedThreadPool(
            Math.max(1, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "vigil-compile-shapes");
                t.setDaemon(true);
                return t;
            });

    /** How one shape's compile ended: compiled, or its failure, or past the budget. */
    record Outcome(EPCompiled compiled, Throwable failure, boolean timedOut) {
    }

    private Shapes() {
    }

    /**
     * What a compiled module depends on: its EPL text and the schemas of the event types it reads
     * (the types are compiled apart and found on the compile path by name).
     */
    static String key(RulePlan plan, RuleSet set, Map<String, String> esperNames) {
        return key(plan.module(), plan.rule().when() instanceof Condition.Epl
                ? set.events().stream().map(EventDecl::name).toList() : plan.types(), set, esperNames);
    }

    static String key(String module, java.util.Collection<String> types, RuleSet set, Map<String, String> esperNames) {
        StringBuilder sb = new StringBuilder(module).append("\n-- types\n");
        for (String type : new TreeSet<>(types)) {
            EventDecl decl = set.event(type).orElseThrow();
            sb.append(EsperHost.schema(decl, esperNames.getOrDefault(type, type))).append('\n');
        }
        return sb.toString();
    }

    /**
     * Compiles each module of {@code modules} (by shape key) that the cache does not hold, in
     * parallel, each within {@code budget}; the outcome per shape key.
     */
    static Map<String, Outcome> compileAll(EPCompiler compiler, Configuration config, List<EPCompiled> path,
                                           Duration budget, Map<String, String> modules) {
        Map<String, Outcome> out = new LinkedHashMap<>();
        Map<String, Future<Outcome>> pending = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : modules.entrySet()) {
            String key = e.getKey();
            EPCompiled cached = CACHE.getIfPresent(key);
            if (cached != null) {
                out.put(key, new Outcome(cached, null, false));
                continue;
            }
            String module = e.getValue();
            pending.put(key, PARALLEL.submit(() -> compile(compiler, config, path, budget, module)));
        }
        for (Map.Entry<String, Future<Outcome>> e : pending.entrySet()) {
            Outcome o;
            try {
                o = e.getValue().get();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while compiling", ex);
            } catch (ExecutionException ex) {
                o = new Outcome(null, ex.getCause(), false);
            }
            if (o.compiled() != null) {
                CACHE.put(e.getKey(), o.compiled());
            }
            out.put(e.getKey(), o);
        }
        return out;
    }

    private static Outcome compile(EPCompiler compiler, Configuration config, List<EPCompiled> path, Duration budget,
                                   String module) {
        CompilerArguments args = new CompilerArguments(config);
        args.getPath().addAll(path);
        try {
            return new Outcome(EsperHost.compileWithin(compiler, module, args, budget), null, false);
        } catch (TimeoutException e) {
            return new Outcome(null, e, true);
        } catch (EPCompileException | RuntimeException | StackOverflowError e) {
            return new Outcome(null, e, false);
        }
    }

    /** The rule's statement names and parameter values, given to Esper as it deploys the shape. */
    static DeploymentOptions deploymentOptions(RulePlan plan) {
        String id = plan.rule().id();
        Map<String, Object> values = plan.params();
        DeploymentOptions options = new DeploymentOptions();
        options.setStatementNameRuntime(ctx -> {
            String name = ctx.getStatementName();
            if (name != null && name.startsWith(RulePlan.PLACEHOLDER_NAME)) {
                return RulePlan.statementName(id, Integer.parseInt(name.substring(RulePlan.PLACEHOLDER_NAME.length())));
            }
            return name;
        });
        options.setStatementSubstitutionParameter(ctx -> {
            Map<String, Integer> names = ctx.getSubstitutionParameterNames();
            if (names == null) {
                return;
            }
            for (String name : names.keySet()) {
                Object v = values.get(name);
                if (v == null) {
                    throw new IllegalStateException("rule " + id + ": no value for parameter " + name);
                }
                ctx.setObject(name, v);
            }
        });
        return options;
    }

    private static int weight(String key, EPCompiled compiled) {
        long bytes = key.length() * 2L;
        for (byte[] c : compiled.getClasses().values()) {
            bytes += c.length;
        }
        return (int) Math.min(Integer.MAX_VALUE, bytes);
    }
}
