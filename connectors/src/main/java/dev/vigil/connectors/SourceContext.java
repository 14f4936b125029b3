package dev.vigil.connectors;

import dev.vigil.engine.Engine;
import dev.vigil.engine.Event;
import dev.vigil.engine.Rejection;

import java.util.function.BooleanSupplier;

import static java.util.Objects.requireNonNull;

/**
 * What a {@link Source} is given when it starts: the engine to hand events to, the checkpoint that
 * says when what it handed over is done, a listener for metrics, and the composition root's stop
 * flag (true once Vigil is stopping, before {@link Source#stop} reaches the source).
 */
public record SourceContext(Engine engine, Checkpoint checkpoint, Listener listener, BooleanSupplier stopping) {
    public SourceContext {
        requireNonNull(engine, "engine is null");
        requireNonNull(checkpoint, "checkpoint is null");
        requireNonNull(listener, "listener is null");
        requireNonNull(stopping, "stopping is null");
    }

    /** A context whose checkpoint is the engine alone, with no listener, never stopping (tests). */
    public static SourceContext of(Engine engine) {
        return new SourceContext(engine, Checkpoint.engine(engine), new Listener() { }, () -> false);
    }

    /**
     * What a source's events became, for metrics. Called on the source's own threads; must return
     * quickly and not throw. A pushed source (HTTP) reports through its own listener instead, per
     * request batch.
     */
    public interface Listener {
        /** An event handed to the engine. */
        default void accepted(Event event) {
        }

        /** A record that is not a valid event; {@code rejection.where()} names its place. */
        default void rejected(Rejection rejection) {
        }
    }
}
