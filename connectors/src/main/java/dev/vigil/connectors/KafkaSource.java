package dev.vigil.connectors;

import dev.vigil.engine.Decoded;
import dev.vigil.engine.Engine;
import dev.vigil.engine.Event;
import dev.vigil.engine.EventDecoder;
import dev.vigil.engine.Rejection;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.PriorityQueue;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Consumes event envelopes (JSON, as in the spec's "Events") from Kafka topics into an {@link
 * Engine}: one consumer, one thread, a member of a consumer group, so several Vigil instances share
 * the partitions.
 *
 * <ul>
 *   <li><b>At least once.</b> Offsets are committed by hand, and only up to records the {@link
 *   Checkpoint} has confirmed: processed by the engine (not merely queued or held back for
 *   reordering) and their alerts stored. A crash re-reads from the last commit; it never skips.
 *   <li><b>Event time across partitions.</b> Records are handed to the engine in event-time order
 *   up to a watermark: the lowest, over the assigned partitions, of the latest event time each has
 *   delivered. A partition that has nothing buffered, nothing more to fetch, and has delivered
 *   nothing for {@code lateness} (on the injected clock) is idle and left out, so one quiet
 *   partition does not stall alerts.
 *   <li><b>Bounded buffering and backpressure.</b> A partition with records waiting for the
 *   watermark is paused, so only partitions the watermark waits for are fetched: at most {@code
 *   max.poll.records} records per assigned partition are held. When the engine queue is full
 *   ({@link Engine#offer} refuses) every partition is paused; polling goes on (the group sees the
 *   member alive) and resumes once the queue takes records again.
 *   <li><b>Bad records.</b> A record that is not a valid event is rejected with its topic,
 *   partition and offset in {@link Rejection#where()}, counted, and passed over: it never blocks
 *   its partition.
 *   <li><b>Rebalance.</b> On revocation the source checkpoints and commits what is done, then drops
 *   what it buffered for the revoked partitions (their next owner reads them from the commit); on
 *   assignment it continues from the committed offsets. Assignments are logged.
 *   <li><b>Recovery at start.</b> Built with {@link Builder#recoverFrom}, the source seeks each
 *   partition of its first assignment back to the first record stamped at or after that time
 *   ({@code offsetsForTimes}: Kafka's record timestamps stand for event time here) and replays up to
 *   the committed offset, dropping events before the time; once every partition has handed its
 *   replay to the engine, {@link #awaitCaughtUp} returns. Commits never go below the committed
 *   offsets.
 * </ul>
 *
 * <p>As a {@link Source} its position is the offsets it committed; started with a {@link
 * SourceContext} it checkpoints through the context and reports records to the context's listener
 * too.
 *
 * <p>Thread-safety: {@link #start}, {@link #stats}, {@link #position}, {@link #stop} and {@link
 * #close} may be called from any thread; the {@link Listener}, the context's listener and the
 * {@link Checkpoint} are called on the source's thread.
 */
public final class KafkaSource implements Source, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);

    /** How long a poll waits for records: also how often idleness and the commit interval are looked at. */
    private static final Duration POLL = Duration.ofMillis(100);
    /**
     * A poll while the engine queue is full fetches nothing (every partition is paused) and only keeps
     * the membership alive; its wait is how soon the source tries the queue again.
     */
    private static final Duration PAUSED_POLL = Duration.ofMillis(5);
    /** After a failed poll (broker unreachable, authentication refused), before the next try. */
    private static final long ERROR_BACKOFF_MILLIS = 1000;
    /** Kafka's own default for {@code max.poll.records}. */
    private static final int DEFAULT_MAX_POLL_RECORDS = 500;
    /** How long {@link #close} waits for the last checkpoint and commit. */
    private static final long CLOSE_TIMEOUT_MILLIS = 60_000;

    /** One partition of one topic. */
    public record Partition(String topic, int partition) {
        public Partition {
            requireNonNull(topic, "topic is null");
        }

        @Override
        public String toString() {
            return topic + "-" + partition;
        }
    }

    /**
     * What a source reports, for metrics and tests. Every method is called on the source's thread and
     * must return quickly and not throw (a failure stops the source).
     */
    public interface Listener {
        /** A record decoded and handed to the engine. */
        default void accepted(Partition partition, long offset, Event event) {
        }

        /** A record that is not a valid event; {@code rejection.where()} names topic, partition and offset. */
        default void rejected(Partition partition, long offset, Rejection rejection) {
        }

        /**
         * Records of a partition not yet handed to the engine: those past the consumer's position
         * (up to the log end the last fetch saw) and those buffered. Reported every commit interval.
         */
        default void lag(Partition partition, long records) {
        }

        /** The group gave this consumer a partition. */
        default void assigned(Partition partition) {
        }

        /** A partition went to another member (or the source closed). */
        default void revoked(Partition partition) {
        }

        /** Offsets below {@code offset} are done and committed for the group. */
        default void committed(Partition partition, long offset) {
        }
    }

    /**
     * A snapshot of a source's counters.
     *
     * @param records records received (accepted and rejected)
     * @param accepted records handed to the engine
     * @param rejected records that were not valid events
     * @param buffered records received and not yet handed to the engine
     * @param peakBuffered the most {@code buffered} has been
     * @param bufferBound what {@code buffered} never exceeds: {@code max.poll.records} per assigned partition
     * @param paused whether the engine queue is full and every partition paused
     * @param pauses how often the engine queue was found full and the partitions paused
     * @param assigned the partitions this consumer owns
     */
    public record Stats(long records, long accepted, long rejected, int buffered, int peakBuffered, int bufferBound,
                        boolean paused, long pauses, Set<Partition> assigned) {
        public Stats {
            assigned = Set.copyOf(assigned);
        }
    }

    private final Engine engine;
    private final String name;
    private final Optional<Pattern> pattern;
    private final List<String> topics;
    private final long lateness;
    private final long commitInterval;
    private final int maxPollRecords;
    private final Clock clock;
    /** Set before the thread starts: the builder's, or the one {@link #start(SourceContext)} is given. */
    private Checkpoint checkpoint;
    private final Listener listener;
    private SourceContext.Listener sourceListener = new SourceContext.Listener() { };
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;

    // Owned by the source's thread.
    private final Map<TopicPartition, PartitionState> parts = new HashMap<>();
    private final PriorityQueue<Pending> ready = new PriorityQueue<>();
    private long sequence;
    /** The engine queue refused a record: every partition stays paused until it takes one. */
    private volatile boolean engineFull;
    private long lastCommitWall;

    // Read by other threads.
    private volatile boolean running = true;
    private volatile boolean halted;
    private boolean started;
    private volatile long records;
    private volatile long accepted;
    private volatile long rejected;
    private volatile int buffered;
    private volatile int peakBuffered;
    private volatile long pauses;
    private volatile Set<Partition> assigned = Set.of();
    /** The offsets this source committed, per partition it owns; null before its first commit. */
    private volatile Map<Partition, Long> committedOffsets;
    /**
     * The metadata committed with each offset: the checkpoint's event time, before which every alert
     * the records raised is stored ({@code vigil-done=<epoch ms>}); the next owner of the partition
     * drops replayed alerts only before it.
     */
    static final String DONE_METADATA = "vigil-done=";
    private final Rebuild rebuild;
    /** Replay from this event time at the first assignment; {@link Long#MIN_VALUE} for none. */
    private final long recoverFrom;
    private boolean firstAssignment = true;
    private final java.util.concurrent.CountDownLatch caughtUp = new java.util.concurrent.CountDownLatch(1);
    /** A rebuild's replay is under way: {@link Rebuild#end} is due once it is handed over. */
    private boolean rebuilding;
    /** Replayed records before this event time are dropped (the horizon of the running recovery). */
    private long recoveringFrom;
    private volatile long replayed;
    /** {@link #replayed} when the running rebuild began. */
    private long replayedBefore;

    private KafkaSource(Builder b) {
        this.engine = b.engine;
        this.topics = List.copyOf(b.topics);
        this.pattern = b.topicPattern.map(Pattern::compile);
        this.lateness = b.lateness.toMillis();
        this.commitInterval = b.commitInterval.toMillis();
        this.clock = b.clock;
        this.checkpoint = b.checkpoint != null ? b.checkpoint : Checkpoint.engine(b.engine);
        this.listener = b.listener;
        this.recoverFrom = b.recoverFrom;
        this.rebuild = b.rebuild;
        this.recoveringFrom = b.recoverFrom;
        this.name = b.groupId + " " + (pattern.isPresent() ? "/" + pattern.get() + "/" : topics);

        Properties props = new Properties();
        props.putAll(b.properties);
        if (Boolean.parseBoolean(b.properties.getOrDefault(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"))) {
            LOG.warn("source kafka {}: enable.auto.commit is ignored; offsets are committed after processing", name);
        }
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, b.groupId);
        String maxPoll = b.properties.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
        this.maxPollRecords = maxPoll == null ? DEFAULT_MAX_POLL_RECORDS : Integer.parseInt(maxPoll.strip());
        this.consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "vigil-kafka-" + b.groupId);
        this.thread.setDaemon(true);
    }

    public static Builder newBuilder(Engine engine) {
        return new Builder(engine);
    }

    @Override
    public String name() {
        return "kafka " + name;
    }

    /**
     * {@link Source#start}: as {@link #start()}, with the context's checkpoint in place of the
     * builder's, and every accepted and rejected record also reported to the context's listener.
     *
     * @throws IllegalArgumentException when the context's engine is not the one the source was built for
     */
    @Override
    public synchronized void start(SourceContext context) {
        requireNonNull(context, "context is null");
        if (context.engine() != engine) {
            throw new IllegalArgumentException("source " + name() + " was built for another engine");
        }
        if (started) {
            throw new IllegalStateException("source kafka " + name + " was already started or closed");
        }
        checkpoint = context.checkpoint();
        sourceListener = context.listener();
        start();
    }

    /** {@link Source#stop}: {@link #close}. */
    @Override
    public void stop() {
        close();
    }

    /**
     * The offsets this source last committed for the partitions it owns (Kafka's committed offset:
     * the first record not done); empty before its first commit. Any thread.
     */
    @Override
    public Optional<SourcePosition> position() {
        Map<Partition, Long> c = committedOffsets;
        return c == null ? Optional.empty() : Optional.of(SourcePosition.kafkaOffsets(c));
    }

    /** Joins the group and starts consuming on the source's own thread. */
    public synchronized KafkaSource start() {
        if (started) {
            throw new IllegalStateException("source kafka " + name + " was already started or closed");
        }
        started = true;
        thread.start();
        return this;
    }

    /**
     * Waits until the replay of the first assignment (see {@link Builder#recoverFrom}) is handed to
     * the engine: at once without a recovery, or when the first assignment had nothing to replay.
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Records replayed by the recovery at start so far. */
    public long replayed() {
        return replayed;
    }

    public Stats stats() {
        return new Stats(records, accepted, rejected, buffered, peakBuffered, maxPollRecords * Math.max(1, assigned.size()),
                engineFull, pauses, assigned);
    }

    /**
     * Stops cleanly: hands nothing more to the engine, checkpoints, commits what is done, and leaves
     * the group (its partitions go to the other members at once). Waits for that.
     */
    @Override
    public void close() {
        running = false;
        synchronized (this) {
            if (!started) {
                started = true; // never to start now
                consumer.close(Duration.ZERO);
                return;
            }
        }
        join();
    }

    /**
     * Stops as a crash would, as far as the group can tell: no checkpoint, no commit; the consumer
     * is closed at once. For tests of at-least-once delivery.
     */
    void halt() {
        halted = true;
        running = false;
        join();
    }

    private void join() {
        if (Thread.currentThread() == thread || !thread.isAlive()) {
            return;
        }
        try {
            thread.join(CLOSE_TIMEOUT_MILLIS);
            if (thread.isAlive()) {
                LOG.warn("source kafka {}: did not stop within {} ms", name, CLOSE_TIMEOUT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- the source's thread ----

    private void run() {
        try {
            if (pattern.isPresent() || topics.isEmpty()) {
                consumer.subscribe(subscription(), new Rebalance());
            } else {
                consumer.subscribe(topics, new Rebalance());
            }
            LOG.info("source kafka {}: joining the group", name);
            lastCommitWall = clock.millis();
            while (running) {
                try {
                    applyPauses();
                    ConsumerRecords<byte[], byte[]> polled = consumer.poll(engineFull ? PAUSED_POLL : POLL);
                    take(polled);
                    release();
                    if (clock.millis() - lastCommitWall >= commitInterval) {
                        reportLag();
                        commit();
                    }
                } catch (InterruptException e) {
                    throw new InterruptedException("interrupted");
                } catch (KafkaException e) {
                    if (!running) {
                        break;
                    }
                    LOG.error("source kafka {}: {}; trying again in {} ms", name, e.toString(), ERROR_BACKOFF_MILLIS);
                    TimeUnit.MILLISECONDS.sleep(ERROR_BACKOFF_MILLIS);
                }
            }
            if (!halted) {
                commit();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("source kafka {}: interrupted; stopping without a last commit", name);
        } catch (RuntimeException e) {
            LOG.error("source kafka {}: stopped by an unexpected failure; records after the last commit will be read again "
                    + "by the next owner of its partitions", name, e);
        } finally {
            try {
                consumer.close(halted ? Duration.ZERO : Duration.ofMillis(CLOSE_TIMEOUT_MILLIS / 2));
            } catch (RuntimeException e) {
                LOG.warn("source kafka {}: closing the consumer: {}", name, e.toString());
            }
            assigned = Set.of();
            LOG.info("source kafka {}: stopped ({} records, {} rejected)", name, records, rejected);
        }
    }

    /** One pattern for the topic names and the pattern together (the consumer takes one or the other). */
    private Pattern subscription() {
        List<String> alternatives = new ArrayList<>();
        pattern.ifPresent(p -> alternatives.add(p.pattern()));
        topics.forEach(t -> alternatives.add(Pattern.quote(t)));
        return Pattern.compile(alternatives.stream().map(a -> "(?:" + a + ")").collect(Collectors.joining("|")));
    }

    /**
     * Pauses every partition while the engine is full; otherwise the partitions with records waiting
     * for the watermark, so that fetching goes to the partitions the watermark waits for.
     */
    private void applyPauses() {
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        for (PartitionState p : parts.values()) {
            (engineFull || p.buffered > 0 ? pause : resume).add(p.tp);
        }
        consumer.pause(pause);
        consumer.resume(resume);
    }

    private void take(ConsumerRecords<byte[], byte[]> polled) {
        if (polled.isEmpty()) {
            return;
        }
        EventDecoder decoder = engine.decoder();
        long now = clock.millis();
        int held = buffered;
        long received = 0;
        long bad = 0;
        for (TopicPartition tp : polled.partitions()) {
            PartitionState p = parts.get(tp);
            if (p == null) {
                continue; // revoked during this poll; its next owner reads it from the commit
            }
            p.lastActivity = now;
            for (ConsumerRecord<byte[], byte[]> r : polled.records(tp)) {
                received++;
                p.next = r.offset() + 1;
                Decoded d = decode(decoder, r);
                if (d instanceof Decoded.Rejected rej) {
                    bad++;
                    listener.rejected(p.id, r.offset(), rej.rejection());
                    sourceListener.rejected(rej.rejection());
                    continue;
                }
                Event e = ((Decoded.Accepted) d).event();
                boolean replay = r.offset() < p.recoverUntil;
                if (replay) {
                    replayed++;
                    if (e.time() < recoveringFrom) {
                        continue; // behind the horizon: no state at the checkpoint depends on it
                    }
                }
                Pending x = new Pending(p, r.offset(), e, sequence++);
                if (replay) {
                    p.replayBuffered++;
                }
                p.outstanding.add(x);
                p.buffered++;
                held++;
                if (e.time() > p.high) {
                    p.high = e.time();
                }
                ready.add(x);
            }
        }
        records += received;
        rejected += bad;
        buffered = held;
        if (held > peakBuffered) {
            peakBuffered = held;
        }
    }

    static Decoded decode(EventDecoder decoder, ConsumerRecord<byte[], byte[]> r) {
        String where = "topic " + r.topic() + ", partition " + r.partition() + ", offset " + r.offset();
        byte[] value = r.value();
        if (value == null) {
            return new Decoded.Rejected(new Rejection(where, "no value (a tombstone), expected a JSON event",
                    Rejection.Kind.INVALID));
        }
        if (value.length == 0) {
            return new Decoded.Rejected(new Rejection(where, "empty value, expected a JSON event", Rejection.Kind.INVALID));
        }
        return decoder.decodeJson(value, 0, value.length, where);
    }

    /** Hands the engine every buffered record at or below the watermark, in event-time order. */
    private void release() {
        if (ready.isEmpty()) {
            return;
        }
        long w = watermark();
        int held = buffered;
        long handed = 0;
        boolean full = false;
        while (!ready.isEmpty() && ready.peek().time <= w) {
            Pending x = ready.peek();
            if (!engine.offer(x.event)) {
                full = true;
                break;
            }
            ready.poll();
            if (x.offset < x.part.recoverUntil) {
                x.part.replayBuffered--;
            }
            listener.accepted(x.part.id, x.offset, x.event);
            sourceListener.accepted(x.event);
            x.event = null;
            x.state = Pending.HANDED;
            x.part.buffered--;
            held--;
            handed++;
        }
        buffered = held;
        accepted += handed;
        checkCaughtUp();
        if (engineFull && !full) {
            // The partitions were paused by the source, not quiet: idleness counts from now.
            long now = clock.millis();
            for (PartitionState p : parts.values()) {
                p.lastActivity = Math.max(p.lastActivity, now);
            }
        }
        if (full && !engineFull) {
            pauses++;
        }
        engineFull = full;
    }

    /** Recovery at start is over once every partition being replayed has handed its replay over. */
    private void checkCaughtUp() {
        if ((caughtUp.getCount() == 0 && !rebuilding) || firstAssignment) {
            return;
        }
        for (PartitionState p : parts.values()) {
            if (p.recoverUntil < 0) {
                continue;
            }
            boolean fetched = p.next >= p.recoverUntil || consumer.position(p.tp) >= p.recoverUntil;
            if (!fetched || p.replayBuffered > 0) {
                return;
            }
        }
        LOG.info("source kafka {}: recovery replay handed to the engine ({} records)", name, replayed);
        caughtUp.countDown();
        if (rebuilding) {
            rebuilding = false;
            for (PartitionState p : parts.values()) {
                p.recoverUntil = -1;
            }
            try {
                rebuild.end(replayed - replayedBefore);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The lowest latest event time over the partitions, leaving out the idle ones; {@link
     * Long#MAX_VALUE} when all are idle.
     */
    private long watermark() {
        long now = clock.millis();
        long w = Long.MAX_VALUE;
        for (PartitionState p : parts.values()) {
            if (!idle(p, now)) {
                w = Math.min(w, p.high);
            }
        }
        return w;
    }

    /**
     * Idle: nothing buffered, nothing more to fetch (the last fetch found the consumer at the log
     * end), and nothing received for {@code lateness}. A partition with records still to fetch is
     * waited for however long the fetch takes: leaving it out would make its records late.
     */
    private boolean idle(PartitionState p, long now) {
        if (p.buffered > 0 || now - p.lastActivity <= lateness) {
            return false;
        }
        OptionalLong lag = consumer.currentLag(p.tp);
        return lag.isPresent() && lag.getAsLong() == 0;
    }

    private void reportLag() {
        for (PartitionState p : parts.values()) {
            OptionalLong lag = consumer.currentLag(p.tp);
            if (lag.isPresent()) {
                listener.lag(p.id, lag.getAsLong() + p.buffered);
            }
        }
    }

    /**
     * Checkpoints, then commits for each partition the offset of its first record not known to be
     * done (still buffered, or handed over with an event time past the engine's clock), or past the
     * last record received when all are done.
     */
    private void commit() throws InterruptedException {
        lastCommitWall = clock.millis();
        boolean anything = false;
        for (PartitionState p : parts.values()) {
            if (p.next > p.committed) {
                anything = true;
                break;
            }
        }
        if (!anything) {
            return;
        }
        long done;
        try {
            done = checkpoint.await();
        } catch (ExecutionException | RuntimeException e) {
            LOG.error("source kafka {}: checkpoint failed, nothing committed: {}", name,
                    e instanceof ExecutionException ? e.getCause() : e);
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        Map<PartitionState, Long> advanced = new LinkedHashMap<>();
        for (PartitionState p : parts.values()) {
            for (Pending x : p.outstanding) {
                if (x.state == Pending.HANDED && x.time <= done) {
                    x.state = Pending.DONE;
                }
            }
            while (!p.outstanding.isEmpty() && p.outstanding.peekFirst().state == Pending.DONE) {
                p.outstanding.pollFirst();
            }
            long offset = p.outstanding.isEmpty() ? p.next : p.outstanding.peekFirst().offset;
            if (offset > p.committed) {
                offsets.put(p.tp, new OffsetAndMetadata(offset, DONE_METADATA + done));
                advanced.put(p, offset);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
        } catch (InterruptException e) {
            throw new InterruptedException("interrupted while committing");
        } catch (KafkaException e) {
            // The group moved on (a rebalance): the new owners read from the previous commit.
            LOG.warn("source kafka {}: commit failed: {}", name, e.toString());
            return;
        }
        advanced.forEach((p, offset) -> {
            p.committed = offset;
            listener.committed(p.id, offset);
        });
        publishCommitted();
    }

    /** The checkpoint time a committed offset's metadata carries; {@link Long#MAX_VALUE} when it has none. */
    static long doneTime(String metadata) {
        if (metadata == null || !metadata.startsWith(DONE_METADATA)) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(metadata.substring(DONE_METADATA.length()));
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    private void publishAssignment() {
        assigned = parts.values().stream().map(p -> p.id).collect(Collectors.toUnmodifiableSet());
        if (committedOffsets != null) {
            publishCommitted();
        }
    }

    private void publishCommitted() {
        Map<Partition, Long> c = new HashMap<>();
        for (PartitionState p : parts.values()) {
            if (p.committed >= 0) {
                c.put(p.id, p.committed);
            }
        }
        committedOffsets = Map.copyOf(c);
    }

    private static String describe(Collection<TopicPartition> tps) {
        return new TreeSet<>(tps.stream().map(TopicPartition::toString).toList()).toString();
    }

    /** Called by the consumer inside {@code poll} and {@code close}, on the source's thread. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
            if (halted || revoked.isEmpty()) {
                return;
            }
            LOG.info("source kafka {}: partitions revoked {}", name, describe(revoked));
            try {
                commit();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            drop(revoked);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> lost) {
            if (halted || lost.isEmpty()) {
                return;
            }
            LOG.warn("source kafka {}: partitions lost {} (the group moved on without this member); their records "
                    + "after the last commit will be read again", name, describe(lost));
            drop(lost);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> given) {
            if (halted) {
                return;
            }
            long now = clock.millis();
            for (TopicPartition tp : given) {
                PartitionState p = new PartitionState(tp, now);
                parts.put(tp, p);
                listener.assigned(p.id);
            }
            publishAssignment();
            if (!given.isEmpty()) {
                LOG.info("source kafka {}: partitions assigned {}; now owns {}", name, describe(given),
                        describe(parts.keySet()));
            }
            if (rebuild != null && (firstAssignment || !given.isEmpty())) {
                firstAssignment = false;
                rebuildFor(given);
                return;
            }
            if (firstAssignment) {
                firstAssignment = false;
                if (recoverFrom != Long.MIN_VALUE && !given.isEmpty()) {
                    seekBack(given, recoverFrom);
                }
                checkCaughtUp();
                if (parts.values().stream().allMatch(p -> p.recoverUntil < 0)) {
                    caughtUp.countDown();
                }
            }
        }

        /**
         * Recovery at start: each partition with a committed offset goes back to its first record
         * stamped at or after {@link #recoverFrom}, and records up to the committed offset are a replay.
         */
        private void seekBack(Collection<TopicPartition> given, long from) {
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(new java.util.HashSet<>(given));
            Map<TopicPartition, Long> times = new HashMap<>();
            for (TopicPartition tp : given) {
                times.put(tp, Math.max(0L, from)); // Kafka refuses negative times; 0 is the earliest record
            }
            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> found =
                    consumer.offsetsForTimes(times);
            // No record found for the time (the broker found none stamped at or after it, or its time
            // index could not say): replay from the partition's start; the event-time filter drops
            // what is before the horizon, so this only costs reading.
            List<TopicPartition> unfound = given.stream().filter(tp -> found.get(tp) == null).toList();
            Map<TopicPartition, Long> earliest = unfound.isEmpty() ? Map.of() : consumer.beginningOffsets(unfound);
            for (TopicPartition tp : given) {
                OffsetAndMetadata c = committed.get(tp);
                org.apache.kafka.clients.consumer.OffsetAndTimestamp at = found.get(tp);
                Long start = at != null ? Long.valueOf(at.offset()) : earliest.get(tp);
                if (c == null || start == null || start >= c.offset()) {
                    // nothing committed (nothing was done), or nothing before the commit to replay
                    LOG.debug("source kafka {}: nothing to replay for {} (committed {}, first record at or after the"
                            + " horizon {})", name, tp, c == null ? "none" : c.offset(), start);
                    continue;
                }
                PartitionState p = parts.get(tp);
                p.recoverUntil = c.offset();
                p.committed = c.offset();
                consumer.seek(tp, start);
                LOG.info("source kafka {}: recovery replays {} from offset {} to {}", name, tp, start, c.offset());
            }
        }

        /**
         * Partitions given after the first assignment: every partition owned is replayed into a
         * rebuilt engine, from the horizon before the earliest time their alerts are known stored.
         */
        private void rebuildFor(Collection<TopicPartition> given) {
            try {
                commit(); // what the partitions kept (cooperative rebalancing) did so far
                Set<TopicPartition> all = new java.util.HashSet<>(parts.keySet());
                long storedBefore = Long.MAX_VALUE;
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e : consumer.committed(all).entrySet()) {
                    if (e.getValue() != null) {
                        storedBefore = Math.min(storedBefore, doneTime(e.getValue().metadata()));
                    }
                }
                ready.clear();
                buffered = 0;
                long now = clock.millis();
                for (TopicPartition tp : all) {
                    parts.put(tp, new PartitionState(tp, now));
                }
                long from = rebuild.begin(storedBefore);
                LOG.info("source kafka {}: partitions {} given while running: state rebuilt from {} for {}", name,
                        describe(given), from == Long.MIN_VALUE ? "the start" : java.time.Instant.ofEpochMilli(from),
                        describe(all));
                rebuilding = true;
                replayedBefore = replayed;
                recoveringFrom = from;
                seekBack(all, from);
                if (parts.values().stream().allMatch(p -> p.recoverUntil < 0)) {
                    rebuilding = false;
                    rebuild.end(replayed - replayedBefore);
                    caughtUp.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // Never stay in recovery (HTTP held back) because a rebuild failed: go live, say so.
                LOG.error("source kafka {}: rebuilding state for the assignment failed; its partitions continue from"
                        + " their commits without the state before them", name, e);
                rebuilding = false;
                for (PartitionState p : parts.values()) {
                    p.recoverUntil = -1;
                }
                caughtUp.countDown();
                try {
                    rebuild.end(replayed - replayedBefore);
                } catch (InterruptedException again) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void drop(Collection<TopicPartition> tps) {
            for (TopicPartition tp : tps) {
                PartitionState p = parts.remove(tp);
                if (p == null) {
                    continue;
                }
                if (p.buffered > 0) {
                    ready.removeIf(x -> x.part == p);
                    buffered -= p.buffered;
                }
                listener.revoked(p.id);
            }
            publishAssignment();
        }
    }

    /** What the source knows of one assigned partition. */
    private static final class PartitionState {
        final TopicPartition tp;
        final Partition id;
        /** Latest event time received. */
        long high = Long.MIN_VALUE;
        /** Wall-clock time of the last record received (or of the assignment). */
        long lastActivity;
        /** Records received and not yet handed to the engine. */
        int buffered;
        /** Valid records received and not known to be done, in offset order. */
        final ArrayDeque<Pending> outstanding = new ArrayDeque<>();
        /** The offset after the last record received; -1 before any. */
        long next = -1;
        /** The offset last committed by this source; -1 before any. */
        long committed = -1;
        /** Records below this offset are the recovery replay; -1 for none. */
        long recoverUntil = -1;
        /** Replayed records buffered and not yet handed to the engine. */
        int replayBuffered;

        PartitionState(TopicPartition tp, long now) {
            this.tp = tp;
            this.id = new Partition(tp.topic(), tp.partition());
            this.lastActivity = now;
        }
    }

    /** A valid record between its arrival and its commit. */
    private static final class Pending implements Comparable<Pending> {
        static final byte BUFFERED = 0;
        static final byte HANDED = 1;
        static final byte DONE = 2;

        final PartitionState part;
        final long offset;
        final long time;
        final long seq;
        /** Until handed to the engine. */
        Event event;
        byte state = BUFFERED;

        Pending(PartitionState part, long offset, Event event, long seq) {
            this.part = part;
            this.offset = offset;
            this.event = event;
            this.time = event.time();
            this.seq = seq;
        }

        @Override
        public int compareTo(Pending o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    /**
     * How a running instance rebuilds its state when the group gives it partitions after its first
     * assignment (another member died or left): design.md, "Rebalance". Called on the source's
     * thread, inside {@code poll}.
     */
    public interface Rebuild {
        /**
         * Starts the engine over and puts it in recovery mode, with alerts dropped before
         * {@code storedBefore} (or the engine's own checkpoint, if earlier), the other sources'
         * replay queued, and live input from them held back.
         *
         * @param storedBefore the earliest time, over the assigned partitions, before which their
         *     previous owners stored every alert (from the committed offsets' metadata), or
         *     {@link Long#MAX_VALUE} when none says
         * @return the event time to replay the partitions from
         */
        long begin(long storedBefore) throws InterruptedException;

        /**
         * The partitions' replay is handed to the engine: recovery ends, live input resumes.
         *
         * @param replayed the records this rebuild replayed
         */
        void end(long replayed) throws InterruptedException;
    }

    /**
     * Configures a {@link KafkaSource}: bootstrap servers, a group id and topics (names, a pattern or
     * both) are required.
     */
    public static final class Builder {
        private final Engine engine;
        private String bootstrapServers;
        private List<String> topics = List.of();
        private Optional<String> topicPattern = Optional.empty();
        private String groupId;
        private Map<String, String> properties = Map.of();
        private Duration lateness = Duration.ZERO;
        private Duration commitInterval = Duration.ofSeconds(1);
        private Clock clock = Clock.systemUTC();
        private Checkpoint checkpoint;
        private Listener listener = new Listener() {
        };
        private long recoverFrom = Long.MIN_VALUE;
        private Rebuild rebuild;

        private Builder(Engine engine) {
            this.engine = requireNonNull(engine, "engine is null");
        }

        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = requireNonNull(bootstrapServers, "bootstrapServers is null");
            return this;
        }

        public Builder topics(List<String> topics) {
            this.topics = List.copyOf(topics);
            return this;
        }

        public Builder topicPattern(Optional<String> topicPattern) {
            this.topicPattern = requireNonNull(topicPattern, "topicPattern is null");
            return this;
        }

        public Builder groupId(String groupId) {
            this.groupId = requireNonNull(groupId, "groupId is null");
            return this;
        }

        /** Consumer properties passed through (security, SASL, TLS, {@code auto.offset.reset}, ...). */
        public Builder properties(Map<String, String> properties) {
            this.properties = Map.copyOf(properties);
            return this;
        }

        /** How long a partition with nothing new is waited for before the watermark leaves it out. */
        public Builder lateness(Duration lateness) {
            this.lateness = requireNonNull(lateness, "lateness is null");
            return this;
        }

        /** How often done records are committed (also on revocation and close). */
        public Builder commitInterval(Duration commitInterval) {
            this.commitInterval = requireNonNull(commitInterval, "commitInterval is null");
            return this;
        }

        /** The wall clock for idleness and the commit interval. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock is null");
            return this;
        }

        /** When records are done; by default when the engine has processed them ({@link Checkpoint#engine}). */
        public Builder checkpoint(Checkpoint checkpoint) {
            this.checkpoint = requireNonNull(checkpoint, "checkpoint is null");
            return this;
        }

        /**
         * Recovery at start: replay each partition of the first assignment from the first record
         * stamped at or after {@code eventTime} up to its committed offset (the engine should be in
         * recovery mode meanwhile: {@code Engine.beginRecovery}). {@link Long#MIN_VALUE}: none.
         */
        public Builder recoverFrom(long eventTime) {
            this.recoverFrom = eventTime;
            return this;
        }

        /**
         * Rebuilds state on every assignment after the first ({@link Rebuild}); without it a new
         * partition continues from its committed offset with no state before it.
         */
        public Builder rebuild(Rebuild rebuild) {
            this.rebuild = requireNonNull(rebuild, "rebuild is null");
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = requireNonNull(listener, "listener is null");
            return this;
        }

        /**
         * Validates and creates the consumer (not yet connected).
         *
         * @throws IllegalArgumentException for a missing setting, a bad pattern, or properties Kafka refuses
         */
        public KafkaSource build() {
            if (bootstrapServers == null || bootstrapServers.isBlank()) {
                throw new IllegalArgumentException("bootstrapServers is required");
            }
            if (groupId == null || groupId.isBlank()) {
                throw new IllegalArgumentException("groupId is required");
            }
            if (topics.isEmpty() && topicPattern.isEmpty()) {
                throw new IllegalArgumentException("topics or a topicPattern is required");
            }
            if (lateness.isNegative()) {
                throw new IllegalArgumentException("lateness must not be negative: " + lateness);
            }
            if (commitInterval.isNegative() || commitInterval.isZero()) {
                throw new IllegalArgumentException("commitInterval must be positive: " + commitInterval);
            }
            try {
                topicPattern.ifPresent(Pattern::compile);
                String maxPoll = properties.get(ConsumerConfig.MAX_POLL_RECORDS_CONFIG);
                if (maxPoll != null) {
                    Integer.parseInt(maxPoll.strip());
                }
                return new KafkaSource(this);
            } catch (KafkaException | java.util.regex.PatternSyntaxException | NumberFormatException e) {
                throw new IllegalArgumentException("kafka source " + groupId + ": " + e.getMessage(), e);
            }
        }
    }
}
