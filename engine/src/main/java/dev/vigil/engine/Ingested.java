package dev.vigil.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Engine#ingest} did with a batch.
 *
 * @param decoded each input's result, in input order
 * @param queued true when every accepted event was handed to the engine; false when the queue had
 *     no room for all of them, and none was
 */
public record Ingested(List<Decoded> decoded, boolean queued) {
    public Ingested {
        decoded = List.copyOf(decoded);
    }

    /** The valid events of the batch, in input order (queued or not, as {@link #queued} says). */
    public List<Event> events() {
        List<Event> out = new ArrayList<>();
        for (Decoded d : decoded) {
            if (d instanceof Decoded.Accepted a) {
                out.add(a.event());
            }
        }
        return out;
    }
}
