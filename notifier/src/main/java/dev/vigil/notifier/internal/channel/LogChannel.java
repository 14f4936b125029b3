package dev.vigil.notifier.internal.channel;

import java.io.PrintStream;

/** {@code type: log}: the alert JSON as one line on standard output (or the stream given). */
final class LogChannel implements Channel {
    private final PrintStream out;

    LogChannel(PrintStream out) {
        this.out = out;
    }

    @Override
    public Outcome send(Delivery delivery) {
        synchronized (out) {
            out.println(delivery.json());
            out.flush();
            if (out.checkError()) {
                return new Outcome.Unreachable("cannot write to standard output");
            }
        }
        return new Outcome.Sent();
    }
}
