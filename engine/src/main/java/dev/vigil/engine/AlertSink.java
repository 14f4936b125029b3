package dev.vigil.engine;

/**
 * Where alerts leave the engine. Called on the engine thread, in event-time order: implementations
 * must not block (hand the alert to a store or queue and return).
 */
public interface AlertSink {
    /** An alert to deliver. */
    void onAlert(Alert alert);

    /** A firing alert recorded but not to be sent, with the reason (a {@code throttle}). */
    default void onSuppressed(Alert alert, String reason) {
    }
}
