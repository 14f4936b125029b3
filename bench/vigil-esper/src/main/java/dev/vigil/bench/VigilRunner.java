package dev.vigil.bench;

import dev.vigil.engine.Alert;
import dev.vigil.engine.AlertSink;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.Engine;
import dev.vigil.engine.EngineOptions;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.InlineEngine;
import dev.vigil.rules.RuleSet;
import dev.vigil.rules.RulesCompiler;
import dev.vigil.rules.SourceFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Vigil's own pipeline: {@link EventDecoder#decodeJson} of each line (what {@code vigil replay}'s
 * file reader calls), then the sequencer, clock, Esper and alert lifecycle, alerts to a counting
 * sink. {@code inline}: all on the calling thread ({@link InlineEngine}); {@code queued}: decoding on
 * the calling thread and the engine on its own thread behind {@link Engine}'s queue, as
 * {@code vigil replay} runs it.
 */
final class VigilRunner implements ReplayBench.Runner {
    private final RuleSet rules;
    private final boolean queued;
    private CountingSink sink;
    private InlineEngine inline;
    private Engine engine;
    private EventDecoder decoder;
    private Event[] events;

    VigilRunner(Path ruleFile, Scenario scenario, boolean queued) throws IOException {
        this.rules = select(ruleFile, scenario.rules);
        this.queued = queued;
    }

    /** The named rules of a rule file, with its event declarations. */
    static RuleSet select(Path ruleFile, Collection<String> ids) throws IOException {
        RuleSet all = RulesCompiler.compile(new SourceFile(ruleFile.toString(), Files.readString(ruleFile))).orThrow();
        RuleSet set = new RuleSet(all.files(), all.events(), all.tables(),
                all.rules().stream().filter(r -> ids.contains(r.id())).toList());
        if (set.rules().size() != ids.size()) {
            throw new IllegalArgumentException("rules missing from " + ruleFile + ": " + ids);
        }
        return set;
    }

    /** Counts firing alerts (sent or suppressed by a throttle) per rule. */
    static final class CountingSink implements AlertSink {
        final Map<String, Long> firing = new LinkedHashMap<>();
        long resolved;

        @Override
        public void onAlert(Alert alert) {
            if (alert.status() == Alert.Status.FIRING) {
                firing.merge(alert.rule(), 1L, Long::sum);
            } else {
                resolved++;
            }
        }

        @Override
        public void onSuppressed(Alert alert, String reason) {
            firing.merge(alert.rule(), 1L, Long::sum);
        }
    }

    @Override
    public void setUp(Lines lines, boolean parsed) throws Exception {
        sink = new CountingSink();
        for (var r : rules.rules()) {
            sink.firing.put(r.id(), 0L);
        }
        if (queued) {
            engine = Engine.start(EngineOptions.newBuilder().queueCapacity(1 << 16).build(), sink);
            engine.deploy(rules);
            decoder = engine.decoder();
        } else {
            inline = InlineEngine.create(EngineOptions.newBuilder().build(), sink);
            inline.deploy(rules);
            decoder = inline.decoder();
        }
        events = null;
        if (parsed) {
            events = new Event[lines.count];
            for (int i = 0; i < lines.count; i++) {
                events[i] = ((Decoded.Accepted) decoder.decodeJson(lines.text(i), "bench")).event();
            }
        }
    }

    @Override
    public long run(Lines lines, boolean parsed) throws Exception {
        long accepted = 0;
        int n = lines.count;
        for (int i = 0; i < n; i++) {
            Event e;
            if (parsed) {
                e = events[i];
            } else if (decoder.decodeJson(lines.text(i), "bench") instanceof Decoded.Accepted a) {
                e = a.event();
            } else {
                continue;
            }
            if (queued) {
                engine.submit(e);
            } else {
                inline.submit(e);
            }
            accepted++;
        }
        if (queued) {
            engine.now(); // a round trip through the queue: everything before it was processed
        }
        return accepted;
    }

    @Override
    public Map<String, Long> tearDown() {
        if (queued) {
            engine.close();
        } else {
            inline.close();
        }
        events = null;
        return sink.firing;
    }
}
