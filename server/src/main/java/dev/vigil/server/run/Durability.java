package dev.vigil.server.run;

import dev.vigil.connectors.Journal;
import dev.vigil.engine.Decoded;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Times;
import dev.vigil.notifier.AlertHistory;
import dev.vigil.notifier.Notifier;
import dev.vigil.server.config.VigilConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * What makes {@code vigil run} survive a crash (design.md, "State and recovery"): the journal of
 * HTTP ingest, the engine's checkpoints, and the recovery replay at start.
 *
 * <ul>
 * <li>Checkpoints: every {@link #CHECKPOINT_MILLIS} the engine's clock is read, the notifier is
 *     flushed (every alert raised before that clock is then in the store), and the clock is saved
 *     with the journal's sequence number; the journal is pruned behind the clock minus the horizon.
 * <li>Recovery: before any source starts, the journal's events from the last checkpoint minus the
 *     engine's horizon are replayed in recovery mode ({@link Engine#beginRecovery}): alerts before
 *     the checkpoint are dropped, later ones stored and sent unless the store has their id; the
 *     throttles and open absence alerts come from the store.
 * </ul>
 *
 * <p>Thread-safety: {@link #recover} and {@link #startCheckpoints} are called once, at start, on
 * the starting thread; the getters from any thread.
 */
final class Durability implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Durability.class);
    /** How often a checkpoint is saved: what a restart replays at most beyond the horizon. */
    static final long CHECKPOINT_MILLIS = 1000;
    /** Rejections of replayed events logged one by one; the rest are counted. */
    private static final int LOGGED_REJECTIONS = 10;

    /** Where recovery is. */
    enum Phase { NONE, REPLAYING, DONE }

    private final Optional<Journal> journal;
    private final CheckpointStore checkpoints;
    private volatile Phase phase = Phase.NONE;
    private volatile long toReplay;
    private volatile long replayed;
    private volatile long replayRejected;
    private volatile long recoveryMillis;
    private volatile long recoveredFrom = Long.MIN_VALUE;
    private volatile long recoveredCheckpoint = Long.MIN_VALUE;
    private volatile long lastCheckpoint = Long.MIN_VALUE;
    private volatile long lastCheckpointSeq;
    private long started;
    private Thread checkpointer;
    private volatile boolean stopping;

    private Durability(Optional<Journal> journal, CheckpointStore checkpoints) {
        this.journal = journal;
        this.checkpoints = checkpoints;
    }

    /**
     * Opens the checkpoints in the store and, when HTTP ingest is on and {@code store.journal}
     * enabled, the journal.
     *
     * @throws IOException naming the journal's folder when it cannot be used
     */
    static Durability open(VigilConfig config, Clock clock) throws IOException {
        CheckpointStore cs = CheckpointStore.open(config.notifier().store().path(), clock);
        VigilConfig.Journal j = config.journal();
        Optional<Journal> journal = Optional.empty();
        if (j.enabled() && config.sources().http().enabled()) {
            try {
                journal = Optional.of(Journal.newBuilder(j.dir()).fsync(Journal.Fsync.parse(j.fsync()))
                        .fsyncInterval(j.fsyncInterval()).clock(clock).open());
            } catch (IOException | RuntimeException e) {
                cs.close();
                throw e;
            }
        }
        return new Durability(journal, cs);
    }

    Optional<Journal> journal() {
        return journal;
    }

    /**
     * Starts recovery when there is something to recover (a checkpoint, or journaled events): puts
     * the engine in recovery mode with what the store holds ({@link Engine#beginRecovery}).
     *
     * @param engine null when nothing can be replayed (processing time): recovery is then done
     * @return the event time to replay from ({@link Long#MIN_VALUE}: all of it), or empty when
     *     there is nothing to recover
     */
    java.util.OptionalLong begin(Engine engine, AlertHistory history, long horizonMillis) throws InterruptedException {
        Optional<CheckpointStore.Checkpoint> cp = checkpoints.read();
        cp.ifPresent(c -> lastCheckpoint = c.eventTime());
        boolean journaled = journal.isPresent() && journal.get().events() > 0;
        if (engine == null || (cp.isEmpty() && !journaled)) {
            phase = Phase.DONE;
            return java.util.OptionalLong.empty();
        }
        long checkpoint = cp.map(CheckpointStore.Checkpoint::eventTime).orElse(Long.MIN_VALUE);
        long from = checkpoint == Long.MIN_VALUE ? Long.MIN_VALUE : saturatedMinus(checkpoint, horizonMillis);
        recoveredCheckpoint = checkpoint;
        recoveredFrom = from;
        toReplay = journal.map(Journal::events).orElse(0L);
        phase = Phase.REPLAYING;
        started = System.nanoTime();
        LOG.info("recovery: replaying from {} (checkpoint {}, horizon {} ms)",
                from == Long.MIN_VALUE ? "the start" : Times.format(from),
                checkpoint == Long.MIN_VALUE ? "none" : Times.format(checkpoint), horizonMillis);
        engine.beginRecovery(checkpoint, history.priorAlerts(engine.restoreNeeds(), checkpoint));
        return java.util.OptionalLong.of(from);
    }

    /**
     * Rebuilds the engine for a Kafka assignment ({@code KafkaSource.Rebuild#begin}): starts it over,
     * puts it in recovery mode with alerts dropped before the earliest time known stored (this
     * instance's checkpoint or clock, and what the partitions' previous owners committed), replays
     * the journal from that time minus the horizon, and returns that time for the partitions.
     */
    long rebuild(Engine engine, AlertHistory history, long horizonMillis, long storedBefore)
            throws InterruptedException, IOException {
        long live = engine.now(); // everything queued before is processed; the caller flushed its alerts
        long own = Math.max(checkpoints.read().map(CheckpointStore.Checkpoint::eventTime).orElse(Long.MIN_VALUE),
                live == 0 ? Long.MIN_VALUE : live); // 0: an engine that never saw an event
        engine.rebuild();
        long cutoff = Math.min(own == Long.MIN_VALUE ? Long.MAX_VALUE : own, storedBefore);
        if (cutoff == Long.MAX_VALUE) {
            cutoff = Long.MIN_VALUE; // nothing known stored: drop nothing, the store drops known ids
        }
        long from = cutoff == Long.MIN_VALUE ? Long.MIN_VALUE : saturatedMinus(cutoff, horizonMillis);
        recoveredCheckpoint = cutoff;
        recoveredFrom = from;
        toReplay = journal.map(Journal::events).orElse(0L);
        replayed = 0;
        phase = Phase.REPLAYING;
        started = System.nanoTime();
        LOG.info("recovery: engine rebuilt for a Kafka assignment; replaying from {} (alerts before {} are stored)",
                from == Long.MIN_VALUE ? "the start" : Times.format(from),
                cutoff == Long.MIN_VALUE ? "none known" : Times.format(cutoff));
        engine.beginRecovery(cutoff, history.priorAlerts(engine.restoreNeeds(), cutoff));
        replayJournal(engine, from);
        return from;
    }

    /** Replays the journal's events from {@code from} into the engine (recovery begun). */
    void replayJournal(Engine engine, long from) throws InterruptedException, IOException {
        if (journal.isEmpty()) {
            return;
        }
        Journal j = journal.get();
        long[] rejected = {0};
        long[] n = {0};
        j.replay(from, (seq, time, json) -> {
            Decoded d = engine.decoder().decodeJson(json, "journal event " + seq);
            if (d instanceof Decoded.Accepted a) {
                engine.submit(a.event());
            } else if (d instanceof Decoded.Rejected r) {
                if (rejected[0]++ < LOGGED_REJECTIONS) {
                    LOG.warn("recovery: {} (the rules changed since it was accepted?)", r.rejection());
                }
            }
            replayed = ++n[0];
            replayRejected = rejected[0];
        });
        LOG.info("recovery: {} events of the journal {} replayed ({} rejected)", n[0], j.dir(), rejected[0]);
    }

    /**
     * Ends recovery once every replayed event is queued: what follows is live. Nothing when no
     * recovery is under way (a Kafka source's rebuild ended it already).
     */
    void end(Engine engine, long otherReplayed) throws InterruptedException {
        if (phase != Phase.REPLAYING) {
            return;
        }
        engine.endRecovery(); // queued after every replayed event: recovery ends once they are processed
        long now = engine.now();
        recoveryMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        phase = Phase.DONE;
        LOG.info("recovery: done in {} ms: {} events replayed ({} rejected), {} alerts dropped as already stored or"
                + " before the checkpoint; engine time {}", recoveryMillis, replayed + otherReplayed, replayRejected,
                engine.recoveredAlerts(), Times.format(now));
    }

    private static long saturatedMinus(long a, long b) {
        long r = a - b;
        return ((a ^ b) & (a ^ r)) < 0 ? Long.MIN_VALUE : r;
    }

    /** Starts saving checkpoints (and pruning the journal) every second, on a thread of its own. */
    void startCheckpoints(Engine engine, Notifier notifier, LongSupplier horizonMillis) {
        checkpointer = new Thread(() -> {
            while (!stopping) {
                try {
                    TimeUnit.MILLISECONDS.sleep(CHECKPOINT_MILLIS);
                    checkpoint(engine, notifier, horizonMillis.getAsLong());
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    LOG.error("checkpoint: {}", e.toString());
                }
            }
        }, "vigil-checkpoints");
        checkpointer.setDaemon(true);
        checkpointer.start();
    }

    /** Saves one checkpoint: the engine's clock once the alerts raised before it are stored. */
    void checkpoint(Engine engine, Notifier notifier, long horizonMillis) throws Exception {
        long time = engine.clockSnapshot();
        long seq = journal.map(Journal::appended).orElse(0L);
        if (time == Long.MIN_VALUE || (time <= lastCheckpoint && seq == lastCheckpointSeq)) {
            return;
        }
        notifier.flush().get(30, TimeUnit.SECONDS);
        checkpoints.save(time, seq);
        lastCheckpoint = time;
        lastCheckpointSeq = seq;
        journal.ifPresent(j -> {
            int pruned = j.prune(saturatedMinus(time, horizonMillis));
            if (pruned > 0) {
                LOG.debug("journal: pruned {} segments behind {}", pruned, Times.format(time - horizonMillis));
            }
        });
    }

    /** True once recovery is over (or there was nothing to recover): sources may start. */
    boolean recovered() {
        return phase == Phase.DONE;
    }

    Phase phase() {
        return phase;
    }

    long toReplay() {
        return toReplay;
    }

    long replayed() {
        return replayed;
    }

    long replayRejected() {
        return replayRejected;
    }

    long recoveryMillis() {
        return recoveryMillis;
    }

    long recoveredFrom() {
        return recoveredFrom;
    }

    long recoveredCheckpoint() {
        return recoveredCheckpoint;
    }

    long lastCheckpoint() {
        return lastCheckpoint;
    }

    /** Events appended to the journal since the last checkpoint: what a crash now would replay beyond the horizon. */
    long journalLag() {
        return journal.map(j -> Math.max(0, j.appended() - lastCheckpointSeq)).orElse(0L);
    }

    /**
     * Stops checkpointing. With {@code engine} and {@code notifier} still running after a drain, saves a last
     * checkpoint first, so a clean restart replays only the horizon.
     */
    void stop(Engine engine, Notifier notifier, long horizonMillis) {
        stopping = true;
        if (checkpointer != null) {
            checkpointer.interrupt();
            try {
                checkpointer.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (engine != null && notifier != null && phase == Phase.DONE) {
            try {
                checkpoint(engine, notifier, horizonMillis);
            } catch (Exception e) {
                LOG.warn("last checkpoint: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        journal.ifPresent(Journal::close);
        checkpoints.close();
    }
}
