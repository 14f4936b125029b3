package dev.vigil.engine.internal.time;

/** Schedules a callback at an event time; the engine runs it before Esper's timers of that time. */
public interface Timers {
    void schedule(long at, Runnable action);
}
