package dev.vigil.engine.internal.esper;

import com.espertech.esper.common.client.EPCompiled;
import com.espertech.esper.common.client.EventBean;
import com.espertech.esper.common.client.EventSender;
import com.espertech.esper.common.client.configuration.Configuration;
import com.espertech.esper.common.client.hook.condition.ConditionHandler;
import com.espertech.esper.common.client.hook.condition.ConditionHandlerContext;
import com.espertech.esper.common.client.hook.condition.ConditionHandlerFactory;
import com.espertech.esper.common.client.hook.condition.ConditionHandlerFactoryContext;
import com.espertech.esper.common.client.hook.condition.ConditionPatternSubexpressionMax;
import com.espertech.esper.compiler.client.CompilerArguments;
import com.espertech.esper.compiler.client.EPCompileException;
import com.espertech.esper.compiler.client.EPCompiler;
import com.espertech.esper.compiler.client.EPCompilerProvider;
import com.espertech.esper.runtime.client.EPDeployException;
import com.espertech.esper.runtime.client.EPDeployment;
import com.espertech.esper.runtime.client.EPRuntime;
import com.espertech.esper.runtime.client.EPRuntimeProvider;
import com.espertech.esper.runtime.client.EPStatement;
import com.espertech.esper.runtime.client.EPUndeployException;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.DeployException;
import dev.vigil.engine.DeployResult;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.internal.alerting.AlertLifecycle;
import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.decode.EventShape;
import dev.vigil.engine.internal.decode.JsonEventDecoder;
import dev.vigil.engine.internal.epl.EplFunctions;
import dev.vigil.engine.internal.epl.EsperNames;
import dev.vigil.engine.internal.epl.ExprText;
import dev.vigil.engine.internal.epl.RulePlan;
import dev.vigil.engine.internal.epl.RuleTranslator;
import dev.vigil.engine.internal.shared.HavingEval;
import dev.vigil.engine.internal.time.Timers;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.ast.Condition;
import dev.vigil.rules.ast.EventDecl;
import dev.vigil.rules.ast.FieldDecl;
import dev.vigil.rules.ast.FieldType;
import dev.vigil.rules.ast.Rule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Owns one Esper runtime (external clock) and what is deployed in it: an Esper deployment per event
 * type and one per rule. Deploys are all-or-nothing (everything is compiled before anything
 * changes) and keep the deployment, and so the state, of every rule whose text and event types did
 * not change. Engine thread only.
 */
public final class EsperHost {
    private static final Logger LOG = LoggerFactory.getLogger(EsperHost.class);
    private static final AtomicInteger RUNTIMES = new AtomicInteger();
    /** The problem of a rule whose EPL nests too deeply for Esper's compiler. */
    static final String TOO_DEEP = "rule is too large: its EPL nests too deeply to compile";

    private final EngineOptions options;
    private final Configuration config;
    private final EPCompiler compiler;
    private final EPRuntime runtime;
    private final AlertSink sink;
    private final Timers timers;
    private final Clock clock;
    private final Sharding sharding;
    private final Map<String, DeployedType> types = new LinkedHashMap<>();
    private final Map<String, DeployedRule> rules = new LinkedHashMap<>();
    private final Map<String, DeployedGroup> groups = new LinkedHashMap<>();
    /** The tables the deployed set declares, to tell which rules a changed declaration changes. */
    private Map<String, dev.vigil.rules.ast.TableDecl> declaredTables = Map.of();
    private JsonEventDecoder decoder;

    private record DeployedType(EventShape shape, String esperName, EPCompiled compiled, String deploymentId,
                                EventSender sender) {
    }

    /** A running rule. Timers check identity, so a replaced rule's timers do nothing. */
    public static final class DeployedRule {
        private final RulePlan plan;
        private final AlertLifecycle lifecycle;
        private final String deploymentId;
        private final List<EPStatement> statements;
        /** The group whose statement the rule shares, with its condition judged here; null when alone. */
        private final DeployedGroup group;
        private final HavingEval condition;
        /** A member whose alert state follows the group's rows since the group began (GroupDispatch). */
        private final boolean indexable;
        private boolean judgementScheduled;

        DeployedRule(RulePlan plan, AlertLifecycle lifecycle, String deploymentId, List<EPStatement> statements,
                     DeployedGroup group, HavingEval condition, boolean indexable) {
            this.plan = plan;
            this.lifecycle = lifecycle;
            this.deploymentId = deploymentId;
            this.statements = statements;
            this.group = group;
            this.condition = condition;
            this.indexable = indexable;
        }

        HavingEval condition() {
            return condition;
        }


        public RulePlan plan() {
            return plan;
        }

        public AlertLifecycle lifecycle() {
            return lifecycle;
        }

        /**
         * What an aggregate or absence rule holds now, read with Esper's iterator over its grouped
         * aggregation (one row per key with events in its window): the keys, counted up to
         * {@code keyLimit} (-1 for an ungrouped rule), and the events in its windows (the sum of
         * the rows' {@code count(*)}). Filters, patterns and raw EPL say nothing of their state
         * through an iterator: {@link State#NONE}. Engine thread; costs a pass over the keys.
         */
        public State state(long keyLimit) {
            if (plan.kind() != RulePlan.Kind.STATEFUL || plan.layouts().get(0).countCol() < 0) {
                return State.NONE;
            }
            boolean grouped = plan.layouts().get(0).groupCols().length > 0;
            if (group != null) {
                // Kept as the group's rows arrive (GroupDispatch.Rows): no pass over Esper's groups.
                return new State(grouped ? Math.min(group.rows.keys, keyLimit) : -1, group.rows.events);
            }
            long keys = 0;
            long events = 0;
            for (int k = 0; k < plan.listened().size(); k++) {
                int i = plan.listened().get(k);
                int countCol = plan.layouts().get(k).countCol();
                if (i >= statements.size()) {
                    continue;
                }
                var it = statements.get(i).iterator();
                try {
                    while (it.hasNext() && keys < keyLimit) {
                        Object[] row = (Object[]) it.next().getUnderlying();
                        keys++;
                        if (row[countCol] instanceof Number n) {
                            events += n.longValue();
                        }
                    }
                } finally {
                    if (it instanceof AutoCloseable c) {
                        try {
                            c.close();
                        } catch (Exception ignored) {
                            // an iterator over memory: nothing to release
                        }
                    }
                }
            }
            return new State(grouped ? keys : -1, events);
        }
    }

    /**
     * A rule's state at one measurement.
     *
     * @param keys keys with events in the window (at most the limit asked for); -1 when the rule has
     *     no keys or its iterator says nothing
     * @param events events in the rule's windows (of the keys counted); -1 when its iterator says nothing
     */
    public record State(long keys, long events) {
        public static final State NONE = new State(-1, -1);
    }

    public EsperHost(EngineOptions options, AlertSink sink, Timers timers) {
        this(options, sink, timers, Sharding.NONE, new dev.vigil.engine.internal.tables.TableStore());
    }

    /** @param tables the engine's reference tables, which this runtime's lookups read */
    public EsperHost(EngineOptions options, AlertSink sink, Timers timers, Sharding sharding,
                     dev.vigil.engine.internal.tables.TableStore tables) {
        this.sharding = sharding;
        this.options = options;
        this.config = configuration();
        this.compiler = EPCompilerProvider.getCompiler();
        this.runtime = EPRuntimeProvider.getRuntime("vigil-" + RUNTIMES.incrementAndGet(), config);
        HOSTS.put(runtime.getURI(), this);
        EplFunctions.TABLES.put(runtime.getURI(), tables);
        this.runtime.getEventService().advanceTime(options.startTime());
        this.sink = sink;
        this.timers = timers;
        this.clock = options.clock();
        this.decoder = newDecoder(List.of());
    }

    private JsonEventDecoder newDecoder(List<EventShape> shapes) {
        return new JsonEventDecoder(shapes, clock, options.maxFuture(), options.checksFuture(),
                options.requiresEventTime());
    }

    static Configuration configuration() {
        Configuration c = new Configuration();
        c.getRuntime().getThreading().setInternalTimerEnabled(false);
        c.getRuntime().getLogging().setEnableExecutionDebug(false);
        c.getCompiler().getByteCode().setAllowSubscriber(false);
        EplSandbox.configure(c);
        c.getRuntime().getConditionHandling().addClass(Conditions.class);
        for (String f : List.of("abs", "lower", "upper", "length", "round", "shard")) {
            c.getCompiler().addPlugInSingleRowFunction("vigil_" + f, EplFunctions.class.getName(), f);
        }
        for (String t : List.of("String", "Int", "Long", "Double", "Boolean")) {
            c.getCompiler().addPlugInSingleRowFunction("vigil_table_" + t.toLowerCase(java.util.Locale.ROOT),
                    EplFunctions.class.getName(), "table" + t);
        }
        c.getCompiler().addPlugInSingleRowFunction("vigil_in_table", EplFunctions.class.getName(), "inTable");
        return c;
    }

    public JsonEventDecoder decoder() {
        return decoder;
    }

    public long currentTime() {
        return runtime.getEventService().getCurrentTime();
    }

    /** Esper's next timer, or {@link Long#MAX_VALUE}. */
    public long nextScheduledTime() {
        Long next = runtime.getEventService().getNextScheduledTime();
        return next == null ? Long.MAX_VALUE : next;
    }

    /** Moves Esper's clock to {@code t}, firing every Esper timer on the way at its own time. */
    public void advanceTo(long t) {
        if (t > currentTime()) {
            runtime.getEventService().advanceTimeSpan(t);
        }
    }

    /** Sends an event whose type is deployed with the event's own shape; false when it is not. */
    public boolean send(DecodedEvent e) {
        DeployedType t = types.get(e.type());
        if (t == null || t.shape != e.shape()) {
            return false;
        }
        t.sender.sendEvent(e.row());
        return true;
    }

    public Iterable<DeployedRule> rules() {
        return rules.values();
    }

    /** The running rule with this id, or null. */
    public DeployedRule rule(String id) {
        return rules.get(id);
    }

    /** The longest duration any deployed rule uses. */
    public long longestDuration() {
        long longest = 0;
        for (DeployedRule r : rules.values()) {
            longest = Math.max(longest, r.plan.longestMillis());
        }
        return longest;
    }

    /** True when some rule schedules engine timers ({@code for}, hopping windows). */
    public boolean usesEngineTimers() {
        for (DeployedRule r : rules.values()) {
            if (r.plan.forMillis() > 0 || r.plan.judgedEveryMillis() > 0) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- deploy

    /**
     * Compiles every event type and every enabled rule of a set with a compiler of its own, exactly
     * as {@link #deploy} compiles them for an empty runtime, and deploys nothing: no runtime, no
     * state. Any thread.
     *
     * @throws DeployException with the problems such a deploy would report
     */
    public static void check(RuleSet set, EngineOptions options) throws DeployException {
        compile(EPCompilerProvider.getCompiler(), configuration(), options, set, Map.of(), Map.of(), Map.of(),
                Sharding.NONE, null, Map.of());
    }

    public DeployResult deploy(RuleSet set) throws DeployException {
        return deploy(set, null);
    }

    /**
     * Deploys a rule set (all or nothing; unchanged rules keep their state).
     *
     * @param leader shard 0's host, already deployed with this set, when this host is another shard:
     *     its event types (their compiled schemas and shapes) are taken over, so that every shard
     *     accepts the same decoded events; null for shard 0 or one engine
     */
    public DeployResult deploy(RuleSet set, EsperHost leader) throws DeployException {
        Plan p = compile(compiler, config, options, set, types, rules, groups, sharding,
                leader == null ? null : leader.types, declaredTables);
        java.util.Set<String> deployedIds = new java.util.HashSet<>(p.deployed);
        List<String> removed = new ArrayList<>();
        for (String id : rules.keySet()) {
            if (!deployedIds.contains(id)) {
                removed.add(id);
            }
        }
        java.util.Set<String> goneIds = new java.util.HashSet<>(removed);
        goneIds.addAll(p.changed);

        // 3. Apply: nothing below is expected to fail, everything was compiled above.
        try {
            for (String id : new ArrayList<>(rules.keySet())) {
                if (goneIds.contains(id)) {
                    DeployedRule gone = rules.remove(id);
                    gone.lifecycle.retire(); // its pending `for` timers must not raise alerts
                    if (gone.group == null) {
                        runtime.getDeploymentService().undeploy(gone.deploymentId);
                    }
                }
            }
            for (DeployedGroup g : new ArrayList<>(groups.values())) {
                GroupPlan gp = p.groups.get(g.key);
                if (gp == null || gp.running() != g) {
                    runtime.getDeploymentService().undeploy(groups.remove(g.key).deploymentId);
                }
            }
            for (String name : new ArrayList<>(types.keySet())) {
                if (!p.keptTypes.containsKey(name)) {
                    runtime.getDeploymentService().undeploy(types.remove(name).deploymentId);
                }
            }
            for (Map.Entry<String, Compiled> e : p.newTypes.entrySet()) {
                Compiled c = e.getValue();
                EPDeployment d = runtime.getDeploymentService().deploy(c.compiled);
                EventSender sender = runtime.getEventService().getEventSender(c.esperName);
                types.put(e.getKey(), new DeployedType(c.shape, c.esperName, c.compiled, d.getDeploymentId(), sender));
            }
            for (Map.Entry<String, EPCompiled> e : p.compiledGroups.entrySet()) {
                GroupPlan gp = p.groups.get(e.getKey());
                EPDeployment d = runtime.getDeploymentService().deploy(e.getValue());
                DeployedGroup g = new DeployedGroup(gp.key(), gp.shape(), d.getDeploymentId(), d.getStatements()[0]);
                attachGroup(g);
                groups.put(g.key, g);
            }
            for (Map.Entry<String, RulePlan> e : p.toDeploy.entrySet()) {
                RulePlan plan = e.getValue();
                String groupKey = p.groupOf.get(e.getKey());
                if (groupKey != null) {
                    DeployedGroup g = groups.get(groupKey);
                    AlertLifecycle lifecycle = new AlertLifecycle(plan, sink, timers, clock);
                    boolean fromTheStart = p.compiledGroups.containsKey(groupKey);
                    rules.put(e.getKey(), new DeployedRule(plan, lifecycle, g.deploymentId, List.of(g.statement), g,
                            p.conditions.get(e.getKey()), fromTheStart));
                    continue;
                }
                EPDeployment d = runtime.getDeploymentService().deploy(p.compiledRules.get(e.getKey()),
                        Shapes.deploymentOptions(plan));
                AlertLifecycle lifecycle = new AlertLifecycle(plan, sink, timers, clock);
                DeployedRule dr = new DeployedRule(plan, lifecycle, d.getDeploymentId(), List.of(d.getStatements()),
                        null, null, false);
                for (int i = 0; i < plan.listened().size(); i++) {
                    attach(dr, d.getStatements()[plan.listened().get(i)], plan.layouts().get(i));
                }
                rules.put(e.getKey(), dr);
            }
        } catch (EPDeployException | EPUndeployException e) {
            throw new IllegalStateException("Esper refused a deploy step after compiling it: " + e.getMessage(), e);
        }
        // A kept rule takes the new mode: `mode` is not part of a rule's text (switching keeps state).
        for (Rule rule : set.rules()) {
            DeployedRule kept = rules.get(rule.id());
            if (kept != null) {
                kept.lifecycle.shadow(rule.shadow());
            }
        }
        // Keep the rule order of the set, so output is deterministic.
        Map<String, DeployedRule> ordered = new LinkedHashMap<>();
        for (String id : p.deployed) {
            ordered.put(id, rules.get(id));
        }
        rules.clear();
        rules.putAll(ordered);
        Map<DeployedGroup, List<DeployedRule>> members = new LinkedHashMap<>();
        groups.values().forEach(g -> members.put(g, new ArrayList<>()));
        for (DeployedRule r : rules.values()) {
            if (r.group != null) {
                members.get(r.group).add(r);
            }
        }
        members.forEach((g, list) -> {
            DeployedRule[] array = list.toArray(new DeployedRule[0]);
            boolean[] indexable = new boolean[array.length];
            for (int i = 0; i < array.length; i++) {
                indexable[i] = array[i].indexable;
            }
            int[] groupCols = array.length == 0 ? new int[0] : array[0].plan.layout().groupCols();
            g.dispatch = new GroupDispatch(array, indexable, groupCols, g.shape.countCol(), g.rows);
        });
        List<EventShape> shapes = new ArrayList<>();
        types.values().forEach(t -> shapes.add(t.shape));
        decoder = newDecoder(shapes);
        Map<String, dev.vigil.rules.ast.TableDecl> declared = new HashMap<>();
        set.tables().forEach(t -> declared.put(t.name(), t));
        declaredTables = Map.copyOf(declared);
        return new DeployResult(p.deployed, p.added, p.changed, p.unchanged, removed);
    }

    /** Compiles on threads of their own, with a large stack, so a budget can be kept. */
    private static final java.util.concurrent.ExecutorService COMPILERS = java.util.concurrent.Executors
            .newCachedThreadPool(r -> {
                Thread t = new Thread(null, r, "vigil-compile", 64L << 20);
                t.setDaemon(true);
                return t;
            });

    /**
     * Compiles a module within a time budget. Esper's compiler cannot be interrupted: past the
     * budget the rule is refused and its compile thread is left to finish on its own.
     */
    static EPCompiled compileWithin(EPCompiler compiler, String module, CompilerArguments args,
                                            java.time.Duration budget)
            throws EPCompileException, java.util.concurrent.TimeoutException {
        java.util.concurrent.Future<EPCompiled> f = COMPILERS.submit(() -> compiler.compile(module, args));
        try {
            return f.get(budget.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new IllegalStateException("interrupted while compiling", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof EPCompileException c) {
                throw c;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** What the compile step of a deploy gives: everything compiled, nothing changed yet. */
    private record Plan(Map<String, DeployedType> keptTypes, Map<String, Compiled> newTypes, List<String> deployed,
                        List<String> added, List<String> changed, List<String> unchanged,
                        Map<String, RulePlan> toDeploy, Map<String, EPCompiled> compiledRules,
                        Map<String, GroupPlan> groups, Map<String, EPCompiled> compiledGroups,
                        Map<String, String> groupOf, Map<String, HavingEval> conditions) {
    }

    /**
     * A group in a deploy: its statement's shape, and either the running group it keeps or the
     * shape key it compiles (one of the two is null).
     */
    private record GroupPlan(String key, RuleTranslator.SharedStatement shape, DeployedGroup running, String shapeKey) {
    }

    /** A statement the aggregate rules over one stream share; its members in rule-set order. */
    static final class DeployedGroup {
        final String key;
        final RuleTranslator.SharedStatement shape;
        final String deploymentId;
        final EPStatement statement;
        /** The previous row of each key (GroupDispatch), kept while the group runs. */
        final GroupDispatch.Rows rows = new GroupDispatch.Rows();
        GroupDispatch dispatch;

        DeployedGroup(String key, RuleTranslator.SharedStatement shape, String deploymentId, EPStatement statement) {
            this.key = key;
            this.shape = shape;
            this.deploymentId = deploymentId;
            this.statement = statement;
        }
    }

    /**
     * The compile step of a deploy over what runs ({@code types}, {@code rules}; empty for a check):
     * keeps the unchanged types and rules, compiles the rest, and reports every refused one.
     */
    private static Plan compile(EPCompiler compiler, Configuration config, EngineOptions options, RuleSet set,
                                Map<String, DeployedType> types, Map<String, DeployedRule> rules,
                                Map<String, DeployedGroup> groups, Sharding sharding,
                                Map<String, DeployedType> leaderTypes, Map<String, dev.vigil.rules.ast.TableDecl> tablesBefore)
            throws DeployException {
        // 1. Types: keep the unchanged, compile the new and changed.
        Map<String, DeployedType> keptTypes = new LinkedHashMap<>();
        Map<String, Compiled> newTypes = new LinkedHashMap<>();
        List<DeployException.Problem> problems = new ArrayList<>();
        for (EventDecl decl : set.events()) {
            DeployedType old = types.get(decl.name());
            DeployedType lead = leaderTypes == null ? null : leaderTypes.get(decl.name());
            if (old != null && old.shape.decl().sameShape(decl) && (lead == null || lead.shape == old.shape)) {
                keptTypes.put(decl.name(), old);
            } else if (lead != null && lead.shape.decl().sameShape(decl)) {
                newTypes.put(decl.name(), new Compiled(lead.shape, lead.esperName, lead.compiled));
            } else {
                try {
                    newTypes.put(decl.name(), compileType(compiler, config, decl));
                } catch (EPCompileException e) {
                    problems.add(new DeployException.Problem(decl.file(), decl.pos().line(), decl.pos().column(),
                            "(event " + decl.name() + ")", e.getMessage()));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new DeployException(problems);
        }
        Map<String, String> names = new HashMap<>();
        List<EPCompiled> path = new ArrayList<>();
        keptTypes.forEach((n, t) -> {
            names.put(n, t.esperName);
            path.add(t.compiled);
        });
        newTypes.forEach((n, c) -> {
            names.put(n, c.esperName);
            path.add(c.compiled);
        });

        // 2. Rules: keep those with the same text over unchanged types; translate the rest with
        // literals as parameters, and compile each distinct text once (shapes), in parallel.
        RuleTranslator translator = new RuleTranslator(set, n -> names.getOrDefault(n, n), options.maxPartialMatches(),
                true, sharding.index(), sharding.count());
        List<String> deployed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> unchanged = new ArrayList<>();
        Map<String, RulePlan> toDeploy = new LinkedHashMap<>();
        Map<String, EPCompiled> compiledRules = new LinkedHashMap<>();
        Map<String, String> shapeOf = new LinkedHashMap<>();
        Map<String, Rule> byId = new HashMap<>();

        // Aggregate rules over one stream share a statement (a group): the union of the aggregates
        // their members read. A running group is kept when it computes all of them, so a member's
        // change (a threshold) keeps the window of the others.
        Map<String, RuleTranslator.Sharing> sharingOf = new HashMap<>();
        Map<String, List<Rule>> membersOf = new LinkedHashMap<>();
        for (Rule rule : set.rules()) {
            if (!rule.enabled() || !sharding.runsHere(rule)) {
                continue;
            }
            translator.sharing(rule).filter(sh -> evaluable(rule, sh, translator)).ifPresent(sh -> {
                sharingOf.put(rule.id(), sh);
                membersOf.computeIfAbsent(sh.key(), k -> new ArrayList<>()).add(rule);
            });
        }
        Map<String, GroupPlan> groupPlans = new LinkedHashMap<>();
        Map<String, String> groupModules = new LinkedHashMap<>();
        for (Map.Entry<String, List<Rule>> e : membersOf.entrySet()) {
            Map<String, dev.vigil.rules.ast.Expr.Aggregate> union = new LinkedHashMap<>();
            for (Rule r : e.getValue()) {
                sharingOf.get(r.id()).aggregates().forEach(union::putIfAbsent);
            }
            DeployedGroup running = groups.get(e.getKey());
            if (running != null && running.shape.types().stream().allMatch(keptTypes::containsKey)
                    && running.shape.aggregates().keySet().containsAll(union.keySet())) {
                groupPlans.put(e.getKey(), new GroupPlan(e.getKey(), running.shape, running, null));
                continue;
            }
            RuleTranslator.SharedStatement shape = translator.sharedStatement(e.getValue().get(0),
                    new ArrayList<>(union.keySet()), union, "vigil-shared:" + e.getValue().get(0).id());
            String shapeKey = Shapes.key(shape.epl(), shape.types(), set, names);
            groupModules.put(shapeKey, shape.epl());
            groupPlans.put(e.getKey(), new GroupPlan(e.getKey(), shape, null, shapeKey));
        }
        Map<String, String> groupOf = new HashMap<>();
        Map<String, HavingEval> conditions = new HashMap<>();

        for (Rule rule : set.rules()) {
            if (!rule.enabled() || !sharding.runsHere(rule)) {
                continue;
            }
            deployed.add(rule.id());
            DeployedRule old = rules.get(rule.id());
            RuleTranslator.Sharing sharing = sharingOf.get(rule.id());
            GroupPlan gp = sharing == null ? null : groupPlans.get(sharing.key());
            boolean sameRunner = gp == null ? old != null && old.group == null
                    : old != null && old.group != null && old.group == gp.running();
            if (old != null && sameRunner && old.plan.rule().text().equals(rule.text())
                    && old.plan.types().stream().allMatch(keptTypes::containsKey)
                    && tablesKept(rule, set, tablesBefore)) {
                unchanged.add(rule.id());
                continue;
            }
            if (gp != null) {
                (old == null ? added : changed).add(rule.id());
                RulePlan plan = translator.memberPlan(rule, gp.shape());
                Condition.Aggregate a = (Condition.Aggregate) rule.when();
                conditions.put(rule.id(), HavingEval.compile(a.having(), columns(rule, gp.shape(), translator))
                        .orElseThrow(() -> new IllegalStateException("rule " + rule.id() + ": condition not evaluable")));
                toDeploy.put(rule.id(), plan);
                groupOf.put(rule.id(), gp.key());
                continue;
            }
            (old == null ? added : changed).add(rule.id());
            if (rule.when() instanceof Condition.Epl && !options.allowRawEpl()) {
                problems.add(new DeployException.Problem(rule.file(), rule.pos().line(), rule.pos().column(),
                        rule.id(), "raw EPL is off: `when epl` rules run only with rules.allowRawEpl: true in the "
                        + "configuration (they then run sandboxed)"));
                continue;
            }
            RulePlan plan = translator.translate(rule);
            toDeploy.put(rule.id(), plan);
            shapeOf.put(rule.id(), Shapes.key(plan, set, names));
            byId.put(rule.id(), rule);
        }
        Map<String, String> modules = new LinkedHashMap<>(groupModules);
        for (Map.Entry<String, String> e : shapeOf.entrySet()) {
            modules.putIfAbsent(e.getValue(), toDeploy.get(e.getKey()).module());
        }
        Map<String, Shapes.Outcome> outcomes = Shapes.compileAll(compiler, config, path, options.compileBudget(), modules);
        Map<String, EPCompiled> compiledGroups = new LinkedHashMap<>();
        for (GroupPlan gp : groupPlans.values()) {
            if (gp.shapeKey() == null) {
                continue;
            }
            Shapes.Outcome out = outcomes.get(gp.shapeKey());
            if (out.compiled() == null) {
                for (Rule r : membersOf.get(gp.key())) {
                    problems.add(new DeployException.Problem(r.file(), r.pos().line(), r.pos().column(), r.id(),
                            out.timedOut() ? pastBudget(options)
                                    : "the statement it shares with the rules over its stream did not compile: "
                                    + out.failure().getMessage()));
                }
                continue;
            }
            compiledGroups.put(gp.key(), out.compiled());
        }
        for (Map.Entry<String, RulePlan> e : new ArrayList<>(toDeploy.entrySet())) {
            if (groupOf.containsKey(e.getKey())) {
                continue;
            }
            Rule rule = byId.get(e.getKey());
            Shapes.Outcome out = outcomes.get(shapeOf.get(e.getKey()));
            String problem = out.compiled() == null
                    ? problemOf(out, rule, set, names, options, compiler, config, path, sharding) : null;
            if (problem == null && rule.when() instanceof Condition.Epl) {
                List<String> refused = EplSandbox.violations(out.compiled());
                if (!refused.isEmpty()) {
                    problem = "raw EPL may not reach " + String.join(", ", refused)
                            + " (the sandbox allows plain values, EPL's functions and the engine's)";
                }
            }
            if (problem != null) {
                problems.add(new DeployException.Problem(rule.file(), rule.pos().line(), rule.pos().column(),
                        rule.id(), problem));
                toDeploy.remove(e.getKey());
                continue;
            }
            compiledRules.put(e.getKey(), out.compiled());
        }
        if (!problems.isEmpty()) {
            throw new DeployException(problems);
        }
        return new Plan(keptTypes, newTypes, deployed, added, changed, unchanged, toDeploy, compiledRules, groupPlans,
                compiledGroups, groupOf, conditions);
    }

    /**
     * Whether every table a rule may look up is declared as before: a lookup is typed by its field's
     * declared type, so a rule over a changed table is compiled again. A table counts as used when
     * its name is one of the rule's tokens (a field of the same name makes the rule count as
     * changed too, which only costs its state).
     */
    private static boolean tablesKept(Rule rule, RuleSet set, Map<String, dev.vigil.rules.ast.TableDecl> before) {
        if (set.tables().isEmpty() && before.isEmpty()) {
            return true;
        }
        String tokens = " " + rule.text() + " ";
        java.util.Set<String> names = new java.util.HashSet<>(before.keySet());
        set.tables().forEach(t -> names.add(t.name()));
        for (String name : names) {
            if (!tokens.contains(" " + name + " ")) {
                continue;
            }
            var now = set.table(name);
            var was = before.get(name);
            if (now.isEmpty() || was == null || !was.sameShape(now.get())) {
                return false;
            }
        }
        return true;
    }

    /** Whether a rule's condition is one {@link HavingEval} judges exactly over shared columns. */
    private static boolean evaluable(Rule rule, RuleTranslator.Sharing sharing, RuleTranslator translator) {
        Condition.Aggregate a = (Condition.Aggregate) rule.when();
        // Provisional columns: the by fields first, then the rule's aggregates, as a group lays them out.
        Map<String, Integer> fields = new HashMap<>();
        a.by().forEach(b -> fields.putIfAbsent(b.name(), fields.size()));
        Map<String, Integer> aggregates = new HashMap<>();
        sharing.aggregates().keySet().forEach(t -> aggregates.put(t, fields.size() + aggregates.size()));
        return HavingEval.compile(a.having(), columns(rule, fields, aggregates, translator)).isPresent();
    }

    /** The columns of a group's statement, as a member's condition reads them. */
    private static HavingEval.Columns columns(Rule rule, RuleTranslator.SharedStatement shape, RuleTranslator translator) {
        return columns(rule, shape.fields(), shape.aggregates(), translator);
    }

    /** {@code by} fields and aggregates (by text) at these column positions, typed as Esper types them. */
    private static HavingEval.Columns columns(Rule rule, Map<String, Integer> fields, Map<String, Integer> aggregates,
                                              RuleTranslator translator) {
        return e -> switch (e) {
            case dev.vigil.rules.ast.Expr.FieldRef f when f.tag().isEmpty() && f.index().isEmpty()
                    && fields.containsKey(f.field()) ->
                    java.util.Optional.of(new HavingEval.Column(fields.get(f.field()), translator.columnType(rule, f)));
            case dev.vigil.rules.ast.Expr.Aggregate agg when aggregates.containsKey(ExprText.of(agg)) ->
                    java.util.Optional.of(new HavingEval.Column(aggregates.get(ExprText.of(agg)),
                            translator.columnType(rule, agg)));
            default -> java.util.Optional.empty();
        };
    }

    private static String pastBudget(EngineOptions options) {
        return "did not compile within " + options.compileBudget().toMillis() + " ms"
                + " (rules.compileBudget): simplify the rule or split it";
    }

    /**
     * The problem to report for a rule whose shape did not compile: past the budget, or Esper's
     * message for the rule's own EPL (compiled again with its literals, so the message quotes what
     * {@code vigil explain} shows, not parameters).
     */
    private static String problemOf(Shapes.Outcome out, Rule rule, RuleSet set, Map<String, String> names,
                                    EngineOptions options, EPCompiler compiler, Configuration config,
                                    List<EPCompiled> path, Sharding sharding) {
        if (out.timedOut()) {
            return pastBudget(options);
        }
        if (out.failure() instanceof StackOverflowError) {
            return TOO_DEEP;
        }
        if (!(out.failure() instanceof EPCompileException)) {
            return "could not be compiled: " + out.failure();
        }
        RulePlan plain = new RuleTranslator(set, n -> names.getOrDefault(n, n), options.maxPartialMatches(), false,
                sharding.index(), sharding.count()).translate(rule);
        CompilerArguments args = new CompilerArguments(config);
        args.getPath().addAll(path);
        try {
            compileWithin(compiler, plain.module(), args, options.compileBudget());
        } catch (EPCompileException e) {
            return overflowed(e) ? TOO_DEEP : e.getMessage();
        } catch (java.util.concurrent.TimeoutException | RuntimeException | StackOverflowError e) {
            // fall through to the shape's own message
        }
        EPCompileException c = (EPCompileException) out.failure();
        return overflowed(c) ? TOO_DEEP : c.getMessage();
    }

    /**
     * Esper compiles a raw EPL statement nested a thousand levels deep by overflowing the stack; it
     * catches the {@link StackOverflowError} and reports "Exception processing statement: null"
     * followed by the whole statement. Told apart by the cause's type, not by the message.
     */
    private static boolean overflowed(EPCompileException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StackOverflowError) {
                return true;
            }
        }
        return false;
    }

    private void attach(DeployedRule dr, EPStatement statement, RulePlan.Layout layout) {
        AlertLifecycle lifecycle = dr.lifecycle;
        boolean hopping = dr.plan.judgedEveryMillis() > 0;
        statement.addListener((newEvents, oldEvents, st, rt) -> {
            try {
                long now = rt.getEventService().getCurrentTime();
                if (hopping) {
                    scheduleJudgement(dr, now);
                    return;
                }
                if (newEvents != null) {
                    for (EventBean b : newEvents) {
                        lifecycle.onRow((Object[]) b.getUnderlying(), layout, now);
                    }
                }
            } catch (RuntimeException e) {
                lifecycle.failures.incrementAndGet();
                LOG.error("rule {} failed on an output row", dr.plan.rule().id(), e);
            }
        });
    }

    /** A group's rows go to each member in rule-set order, with the member's condition judged on the row. */
    private void attachGroup(DeployedGroup g) {
        g.statement.addListener((newEvents, oldEvents, st, rt) -> {
            if (newEvents == null) {
                return;
            }
            long now = rt.getEventService().getCurrentTime();
            GroupDispatch dispatch = g.dispatch;
            for (EventBean b : newEvents) {
                dispatch.onRow((Object[]) b.getUnderlying(), now);
            }
        });
    }

    /** Hopping windows: judged at every epoch-aligned multiple of {@code every} while they hold events. */
    private void scheduleJudgement(DeployedRule dr, long now) {
        if (dr.judgementScheduled) {
            return;
        }
        long every = dr.plan.judgedEveryMillis();
        long next = Math.floorDiv(now, every) * every + every;
        dr.judgementScheduled = true;
        timers.schedule(next, () -> judge(dr, next));
    }

    private void judge(DeployedRule dr, long at) {
        if (rules.get(dr.plan.rule().id()) != dr) {
            return;
        }
        List<Object[]> rows = new ArrayList<>();
        try {
            for (Iterator<EventBean> it = dr.statements.get(dr.plan.listened().get(0)).iterator(); it.hasNext(); ) {
                rows.add((Object[]) it.next().getUnderlying());
            }
            dr.lifecycle.onJudgement(rows, at);
        } catch (RuntimeException e) {
            dr.lifecycle.failures.incrementAndGet();
            LOG.error("rule {} failed judging its window", dr.plan.rule().id(), e);
        }
        if (!rows.isEmpty() || dr.lifecycle.hasOpenGroups()) {
            long next = at + dr.plan.judgedEveryMillis();
            timers.schedule(next, () -> judge(dr, next));
        } else {
            dr.judgementScheduled = false;
        }
    }

    // ---------------------------------------------------------------- types

    private record Compiled(EventShape shape, String esperName, EPCompiled compiled) {
    }

    private static Compiled compileType(EPCompiler compiler, Configuration config, EventDecl decl)
            throws EPCompileException {
        try {
            return new Compiled(new EventShape(decl), decl.name(), compiler.compile(schema(decl, decl.name()),
                    new CompilerArguments(config)));
        } catch (EPCompileException e) {
            String renamed = EsperNames.renamedType(decl.name());
            return new Compiled(new EventShape(decl), renamed, compiler.compile(schema(decl, renamed),
                    new CompilerArguments(config)));
        }
    }

    static String schema(EventDecl decl, String esperName) {
        StringBuilder sb = new StringBuilder("@public @buseventtype create objectarray schema ")
                .append(esperName).append(" (");
        for (FieldDecl f : decl.fields()) {
            sb.append(EsperNames.field(f.name())).append(' ').append(eplType(f.type())).append(", ");
        }
        return sb.append(EsperNames.EVENT_PROPERTY).append(" java.lang.Object)").toString();
    }

    private static String eplType(FieldType t) {
        return switch (t) {
            case STRING -> "string";
            case INT -> "int";
            case LONG, TIMESTAMP -> "long";
            case DOUBLE -> "double";
            case BOOLEAN -> "boolean";
        };
    }

    /** The EPL of each rule (for {@code vigil explain}), with the type names Esper will use. */
    public static Map<String, String> explain(RuleSet set) {
        Configuration config = configuration();
        EPCompiler compiler = EPCompilerProvider.getCompiler();
        Map<String, String> names = new HashMap<>();
        for (EventDecl decl : set.events()) {
            String name = decl.name();
            try {
                compiler.compile(schema(decl, name), new CompilerArguments(config));
            } catch (EPCompileException e) {
                name = EsperNames.renamedType(name);
            }
            names.put(decl.name(), name);
        }
        RuleTranslator translator = new RuleTranslator(set, n -> names.getOrDefault(n, n),
                EngineOptions.DEFAULT_MAX_PARTIAL_MATCHES, false);
        Map<String, String> out = new LinkedHashMap<>();
        for (EventDecl decl : set.events()) {
            out.put("event " + decl.name(), schema(decl, names.get(decl.name())));
        }
        for (Rule rule : set.rules()) {
            var sharing = translator.sharing(rule).filter(sh -> evaluable(rule, sh, translator));
            if (sharing.isPresent()) {
                // What runs: the statement of the rule's stream (here with this rule's aggregates
                // only; running, it computes those of every rule over the stream), and the condition.
                Condition.Aggregate a = (Condition.Aggregate) rule.when();
                var aggregates = sharing.get().aggregates();
                RuleTranslator.SharedStatement st = translator.sharedStatement(rule, new ArrayList<>(aggregates.keySet()),
                        aggregates, "vigil-shared:" + rule.id());
                out.put(rule.id(), "-- shared by the aggregate rules over this stream; the engine judges this rule's\n"
                        + "-- condition on each row: " + ExprText.of(a.having()) + "\n" + st.epl());
                continue;
            }
            out.put(rule.id(), tableNote(rule, set) + translator.translate(rule).module());
        }
        return out;
    }

    /** For explain: how the rule's table lookups run, or nothing when it reads no table. */
    private static String tableNote(Rule rule, RuleSet set) {
        String tokens = " " + rule.text() + " ";
        List<String> used = set.tables().stream().map(dev.vigil.rules.ast.TableDecl::name)
                .filter(n -> tokens.contains(" " + n + " ")).toList();
        if (used.isEmpty()) {
            return "";
        }
        return "-- reads table" + (used.size() == 1 ? " " : "s ") + String.join(", ", used) + ": each vigil_table_* or"
                + " vigil_in_table call is one hash lookup in the engine's copy of the rows, as they are when the"
                + " event is processed (a change takes effect between two events)\n";
    }

    public void destroy() {
        HOSTS.remove(runtime.getURI());
        EplFunctions.TABLES.remove(runtime.getURI());
        runtime.destroy();
    }

    /** The hosts by Esper runtime URI, for the condition handler Esper instantiates itself. */
    private static final Map<String, EsperHost> HOSTS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Told by Esper, on the engine thread, when a rule's bounded followed-by refused to start an
     * attempt ({@code every A -[N]> B} at N): counted per rule, the first refusal of each logged.
     * Public with a no-argument constructor because Esper creates it by class name.
     */
    public static final class Conditions implements ConditionHandlerFactory {
        @Override
        public ConditionHandler getHandler(ConditionHandlerFactoryContext context) {
            return c -> {
                EsperHost host = HOSTS.get(c.getRuntimeURI());
                if (host != null) {
                    host.onCondition(c);
                }
            };
        }
    }

    private void onCondition(ConditionHandlerContext c) {
        if (!(c.getCondition() instanceof ConditionPatternSubexpressionMax max)) {
            LOG.warn("Esper reported {} for statement {}", c.getCondition(), c.getStatementName());
            return;
        }
        String name = c.getStatementName();
        int colon = name.indexOf(':');
        DeployedRule r = rules.get(colon < 0 ? name : name.substring(0, colon));
        if (r == null) {
            return;
        }
        if (r.lifecycle.partialMatchesRefused.getAndIncrement() == 0) {
            LOG.warn("rule {} holds its maximum of {} partial matches: new attempts are not started until some"
                    + " complete or expire (counted in partialMatchesRefused; engine.maxPartialMatches)", r.plan.rule().id(),
                    max.getMax());
        }
    }
}
