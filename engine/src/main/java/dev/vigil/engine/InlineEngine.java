package dev.vigil.engine;

import dev.vigil.engine.internal.decode.DecodedEvent;
import dev.vigil.engine.internal.time.Sequencer;
import dev.vigil.rules.RuleSet;

import static java.util.Objects.requireNonNull;

/**
 * The engine's pipeline (sequencer, clock, Esper, alert lifecycle) run on the caller's own thread,
 * without {@link Engine}'s queue and thread: for a caller that already owns one thread and feeds it
 * finite input, such as a benchmark measuring the single-threaded pipeline, or a replay that
 * decodes on the same thread.
 *
 * <p>Not thread-safe: one thread calls every method. Alerts reach the sink on that thread.
 */
public final class InlineEngine implements AutoCloseable {
    private final Sequencer core;
    private boolean closed;

    private InlineEngine(EngineOptions options, AlertSink sink) {
        this.core = new Sequencer(options, sink);
    }

    /**
     * An engine with nothing deployed. Live and processing-time options are refused (they need a
     * ticker), and so are shards (they need threads).
     */
    public static InlineEngine create(EngineOptions options, AlertSink sink) {
        requireNonNull(options, "options is null");
        requireNonNull(sink, "sink is null");
        if (options.live() || options.timeMode() == EngineOptions.TimeMode.PROCESSING) {
            throw new IllegalArgumentException("an inline engine runs finite input in event time only");
        }
        if (options.shards() != 1) {
            throw new IllegalArgumentException("an inline engine runs on the caller's thread: shards must be 1, got "
                    + options.shards());
        }
        return new InlineEngine(options, sink);
    }

    /** As {@link Engine#deploy}: all or nothing, unchanged rules keep their state. */
    public DeployResult deploy(RuleSet rules) throws DeployException {
        requireNonNull(rules, "rules is null");
        checkOpen();
        return core.deploy(rules);
    }

    /** The decoder for the deployed event types; replaced by each deploy. */
    public EventDecoder decoder() {
        return core.decoder();
    }

    /** Processes one event (held for reordering, released in time order, or rejected as late). */
    public void submit(Event event) {
        requireNonNull(event, "event is null");
        checkOpen();
        core.onEvent(DecodedEvent.of(event));
    }

    /** End of finite input: releases held events and lets the longest rule duration pass. */
    public void finish() {
        checkOpen();
        core.finish();
    }

    /** Event time of the engine's clock. */
    public long now() {
        return core.now();
    }

    /** Events processed so far (accepted and sent to Esper). */
    public long processed() {
        return core.processed;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the engine is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            core.destroy();
        }
    }
}
