package io.scimd.sync;

import io.scimd.store.HubRecords;
import io.scimd.store.HubRecords.Cursor;
import io.scimd.store.HubRecords.Target;
import io.scimd.store.JournalEntry;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery workers of one node (docs/decisions/0017-hub.md): they take the leases of targets
 * that no node serves, read each target's tenant's journal from its cursor, hand the entries to the
 * target's {@link Sink}, and record how far it got, under the lease, one short transaction a step.
 *
 * <p>A target that cannot take anything ({@link Outcome.Kind#UNAVAILABLE}) is retried with
 * exponential backoff and jitter, honouring {@code Retry-After}, for as long as it lasts: nothing
 * is lost, and the changes arrive in order when it comes back. After {@link
 * Settings#circuitThreshold} such failures in a row its circuit is open: only one attempt per
 * backoff interval probes it, and the first success closes it. A change the target refuses ({@link
 * Outcome.Kind#REJECTED}) is tried {@link Settings#maxAttempts} times and then dead-lettered, so
 * the changes after it go on; a dead letter marked for replay is sent again before new changes.
 */
public final class Delivery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Delivery.class);

  /**
   * How often a worker that keeps delivering records its progress. Recording every batch cost one
   * write transaction per change per target when the workers keep up with a trickle of writes,
   * which on SQLite's single writer competed with the IdP's own writes; what a node delivered in
   * the last interval before it died is sent again, under the same identity.
   */
  static final Duration RECORD_EVERY = Duration.ofMillis(250);

  /**
   * How the workers pace themselves.
   *
   * @param poll how often a worker looks at the journal when nothing woke it (writes on other
   *     nodes)
   * @param linger how long a worker woken by a write waits for the writes that follow before it
   *     reads the journal
   */
  public record Settings(
      Duration poll,
      Duration linger,
      Duration lease,
      int batch,
      int maxAttempts,
      Duration backoffBase,
      Duration backoffMax,
      int circuitThreshold,
      int maxTargets) {
    public Settings {
      Objects.requireNonNull(poll, "poll");
      Objects.requireNonNull(linger, "linger");
      Objects.requireNonNull(lease, "lease");
      if (linger.isNegative() || linger.compareTo(poll) > 0) {
        throw new IllegalArgumentException("linger must be 0 to one poll long");
      }
      if (batch < 1 || batch > 1000) {
        throw new IllegalArgumentException("batch must be 1 to 1000");
      }
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1");
      }
      if (lease.compareTo(poll.multipliedBy(4)) < 0) {
        throw new IllegalArgumentException("the lease must be at least four polls long");
      }
    }

    /**
     * Polls every 100 ms, lingers 50 ms, leases for 10 s, dead-letters after 5 refusals, backs off
     * to 5 min.
     */
    public static Settings defaults() {
      return new Settings(
          Duration.ofMillis(100),
          Duration.ofMillis(50),
          Duration.ofSeconds(10),
          200,
          5,
          Duration.ofMillis(500),
          Duration.ofMinutes(5),
          5,
          256);
    }

    public Settings withMaxAttempts(int n) {
      return new Settings(
          poll, linger, lease, batch, n, backoffBase, backoffMax, circuitThreshold, maxTargets);
    }

    public Settings withBackoff(Duration base, Duration max) {
      return new Settings(
          poll, linger, lease, batch, maxAttempts, base, max, circuitThreshold, maxTargets);
    }

    /** The poll and the lease; the linger is kept, shortened to the poll if it is longer. */
    public Settings withLease(Duration poll, Duration lease) {
      return new Settings(
          poll,
          linger.compareTo(poll) > 0 ? poll : linger,
          lease,
          batch,
          maxAttempts,
          backoffBase,
          backoffMax,
          circuitThreshold,
          maxTargets);
    }

    public Settings withLinger(Duration linger) {
      return new Settings(
          poll,
          linger,
          lease,
          batch,
          maxAttempts,
          backoffBase,
          backoffMax,
          circuitThreshold,
          maxTargets);
    }
  }

  /** Opens the sink of a target; the target types it serves. */
  public interface Sinks {
    /** The target types the workers push to (others, like poll streams, are read by receivers). */
    Set<String> types();

    /**
     * The sink of a target as it is saved now.
     *
     * @throws IllegalArgumentException when its settings cannot be used (the reason is shown)
     */
    Sink open(Target target);
  }

  private final Store store;
  private final HubRecords hub;
  private final Sinks sinks;
  private final Settings settings;
  private final InstantSource clock;
  private final String node;
  private final Map<String, Worker> workers = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  // Two conditions, so that a write wakes only the workers waiting for one: a worker lingering,
  // backing off or the claim loop sleeping would otherwise be woken by every write to go back to
  // sleep, at the cost of a thread switch each (ADR 0032).
  private final Condition written = lock.newCondition();
  private final Condition closing = lock.newCondition();
  private volatile boolean running;
  private volatile boolean crashed;
  private long wakes;
  private int waitingForWrites;
  private long claims;
  private @Nullable Thread scheduler;

  public Delivery(Store store, Sinks sinks, Settings settings, InstantSource clock, String node) {
    this.store = store;
    this.hub = store.hub();
    this.sinks = sinks;
    this.settings = settings;
    this.clock = clock;
    this.node = node;
  }

  /** Starts claiming targets and delivering to them. */
  public synchronized void start() {
    if (running) {
      return;
    }
    running = true;
    scheduler = Thread.ofVirtual().name("hub-claims").start(this::claimLoop);
  }

  /** Something may have been written: the workers look at the journal now rather than later. */
  public void wake() {
    lock.lock();
    try {
      wakes++;
      if (waitingForWrites > 0) {
        written.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** The node's name, as the leases it holds say. */
  public String node() {
    return node;
  }

  /** The targets this node is delivering to now, as {@code tenant/name}. */
  public Set<String> serving() {
    return Set.copyOf(workers.keySet());
  }

  private void claimLoop() {
    while (running) {
      try {
        int room = settings.maxTargets() - workers.size();
        // A read first: a node with no targets to serve takes no turn at SQLite's one writer.
        if (room > 0 && !hub.allTargets().isEmpty()) {
          Instant now = clock.instant();
          // Each claim holds its leases under its own name, so that only the worker it starts
          // can record: a worker of an earlier claim on this node (whose lease was taken away by
          // a rewind, or expired while it stalled) is fenced off like another node's.
          String owner = node + "#" + (++claims);
          for (Cursor c : hub.claim(owner, now, now.plus(settings.lease()), room, sinks.types())) {
            Worker w = new Worker(c, owner);
            Worker earlier = workers.put(key(c.tenant(), c.target()), w);
            if (earlier != null) {
              earlier.superseded = true;
            }
            w.thread = Thread.ofVirtual().name("hub-" + c.tenant() + "-" + c.target()).start(w);
          }
        }
      } catch (RuntimeException e) {
        log.warn("hub: claiming targets failed, trying again: {}", e.toString());
      }
      await(settings.poll().multipliedBy(5), -1);
    }
  }

  /**
   * Waits for {@code d}, or until woken after {@code seen} wakes (-1: only closing ends the wait
   * early).
   */
  private void await(Duration d, long seen) {
    lock.lock();
    try {
      long nanos = d.toNanos();
      if (seen < 0) {
        while (running && nanos > 0) {
          nanos = closing.awaitNanos(nanos);
        }
        return;
      }
      waitingForWrites++;
      try {
        while (running && nanos > 0 && wakes == seen) {
          nanos = written.awaitNanos(nanos);
        }
      } finally {
        waitingForWrites--;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private long wakes() {
    lock.lock();
    try {
      return wakes;
    } finally {
      lock.unlock();
    }
  }

  /** The node named in a lease's owner ({@code node#claim}). */
  static String nodeOf(String owner) {
    int hash = owner.lastIndexOf('#');
    return hash < 0 ? owner : owner.substring(0, hash);
  }

  private static String key(String tenant, String target) {
    return tenant + "/" + target;
  }

  /** The backoff before attempt {@code n + 1}: exponential, with jitter, capped. */
  Duration backoff(int failures, @Nullable Duration retryAfter) {
    if (retryAfter != null) {
      return retryAfter.compareTo(settings.backoffMax()) > 0 ? settings.backoffMax() : retryAfter;
    }
    long base = settings.backoffBase().toMillis();
    long max = settings.backoffMax().toMillis();
    long exp = base << Math.min(Math.max(failures - 1, 0), 20);
    long capped = Math.min(exp, max);
    // Equal jitter: never less than half the interval, so a dead target is not hammered, and
    // spread over the other half, so targets that failed together do not retry together.
    long half = capped / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(half + 1));
  }

  /** Delivers to one target while this node holds its lease. */
  private final class Worker implements Runnable {
    private final String owner;
    private volatile boolean superseded;
    private final String tenant;
    private final String name;
    private final Scope scope;
    private long nextSeq;
    private int attempts;
    private @Nullable Instant retryAt;
    private Instant leaseUntil;
    private long approvedThrough;
    private long unrecorded;
    private Instant recordedAt = Instant.MIN;
    private DeletionGuard guard = DeletionGuard.OFF;
    private final java.util.ArrayDeque<Instant> recentDeletions = new java.util.ArrayDeque<>();
    private @Nullable Thread thread;

    Worker(Cursor c, String owner) {
      this.owner = owner;
      this.tenant = c.tenant();
      this.name = c.target();
      this.scope = Scope.system(c.tenant(), "hub");
      this.nextSeq = c.nextSeq();
      this.attempts = c.attempts();
      this.retryAt = c.retryAt();
      this.leaseUntil = Objects.requireNonNullElse(c.leaseUntil(), clock.instant());
      this.approvedThrough = c.approvedThrough();
    }

    @Override
    public void run() {
      Sink sink = null;
      long version = -1;
      Instant checked = Instant.MIN;
      Instant replaysDueAt = Instant.MIN;
      Instant unopenedUntil = Instant.MIN;
      try {
        while (running && !superseded) {
          Instant now = clock.instant();
          if (sink == null || now.isAfter(checked.plusSeconds(1))) {
            // The definition may have changed, been paused or deleted, on any node.
            Target t = hub.target(tenant, name).orElse(null);
            if (t == null || t.paused() || !sinks.types().contains(t.type())) {
              return;
            }
            if (t.version() != version) {
              if (version >= 0
                  && !hub.cursor(tenant, name).map(c -> owner.equals(c.owner())).orElse(false)) {
                return; // rewound: the lease was taken away, and the target is claimed afresh
              }
              if (sink != null) {
                sink.close();
              }
              try {
                sink = sinks.open(t);
              } catch (RuntimeException e) {
                sink = null;
                Instant again = now.plus(settings.backoffMax());
                if (!step(0, 0, attempts, again, e.getMessage(), null)
                    || !awaitNewDefinition(t.version(), again)) {
                  return;
                }
                unopenedUntil = again;
                continue;
              }
              if (retryAt != null && retryAt.equals(unopenedUntil)) {
                retryAt = null; // that wait was for a definition that could be used: this one
              }
              version = t.version();
              guard = DeletionGuard.of(t);
            }
            checked = now;
          }
          if (retryAt != null && now.isBefore(retryAt)) {
            Duration wait = Duration.between(now, retryAt);
            Duration renewIn = Duration.between(now, leaseUntil).dividedBy(2);
            await(wait.compareTo(renewIn) < 0 ? wait : renewIn, -1);
            if (!renewIfDue()) {
              return;
            }
            if (clock.instant().isBefore(retryAt)) {
              continue;
            }
          }
          if (recording != null && recording.isDone() && !settleRecording()) {
            return; // another node holds the lease now
          }
          long seen = wakes();
          Sink open = Objects.requireNonNull(sink);
          // Replays are asked for by people: looked for once a second, with the definition.
          boolean lookForReplays = !checked.isBefore(replaysDueAt);
          if (lookForReplays) {
            replaysDueAt = checked.plusNanos(1);
          }
          if ((lookForReplays && !replays(open)) || !deliverNext(open)) {
            return;
          }
          if (retryAt == null && caughtUp) {
            await(settings.poll(), seen);
            if (wakes() != seen && settings.linger().isPositive()) {
              // Woken by a write: the writes that follow it within the linger go in the same
              // round, so a steady trickle costs one journal read and one wake-up per batch
              // rather than per change (ADR 0032).
              await(settings.linger(), -1);
            }
            if (!renewIfDue()) {
              return;
            }
          }
        }
      } catch (RuntimeException e) {
        log.warn(
            "hub: delivery to {}/{} stopped, another node or this one takes it up: {}",
            tenant,
            name,
            e.toString());
      } finally {
        if (sink != null) {
          sink.close();
        }
        workers.remove(key(tenant, name), this);
        try {
          if (!crashed && !superseded && settleRecording()) {
            if (unrecorded > 0) {
              step(nextSeq, 0, attempts, retryAt, null, null);
            }
            hub.release(tenant, name, owner);
          }
        } catch (RuntimeException e) {
          log.debug("hub: releasing {}/{} failed; its lease expires", tenant, name, e);
        }
      }
    }

    private boolean caughtUp;
    private final Set<Long> sentAhead = new java.util.HashSet<>();
    private @Nullable CompletableFuture<Boolean> recording;
    private volatile @Nullable Instant recordedUntil;
    private final AtomicLong unrecordedBack = new AtomicLong();

    /** Sends the dead letters an operator asked to replay. False when the lease was lost. */
    private boolean replays(Sink sink) {
      for (HubRecords.DeadLetter dl : hub.replays(tenant, name, 50)) {
        List<JournalEntry> one = store.read(scope, r -> r.journal(dl.seq() - 1, 1));
        if (one.isEmpty() || one.get(0).seq() != dl.seq() || !sink.accepts(one.get(0))) {
          hub.replayed(
              tenant, name, dl.seq()); // pruned from the journal meanwhile: nothing to send
          continue;
        }
        Outcome o = sink.deliver(one);
        if (o.delivered() == 1) {
          hub.replayed(tenant, name, dl.seq());
        } else {
          Outcome.Failure f = Objects.requireNonNull(o.failure());
          return failed(f, null, 0);
        }
      }
      return true;
    }

    /** Sends the next batch of the journal. False when the lease was lost. */
    private boolean deliverNext(Sink sink) {
      List<JournalEntry> read = store.read(scope, r -> r.journal(nextSeq - 1, settings.batch()));
      caughtUp = read.size() < settings.batch();
      if (read.isEmpty()) {
        return true;
      }
      List<JournalEntry> accepted = new ArrayList<>(read.size());
      for (JournalEntry e : read) {
        if (sink.accepts(e) && !sentAhead.contains(e.seq())) {
          accepted.add(e);
        }
      }
      long end = read.get(read.size() - 1).seq() + 1;
      if (accepted.isEmpty()) {
        return succeeded(end, 0);
      }
      if (guard.holds(accepted, approvedThrough, recentDeletions, clock.instant())) {
        String reason =
            "deletion guard: more than "
                + guard.maxDeletions()
                + " deletions or deactivations within "
                + guard.window().toSeconds()
                + " s are held: approve them (scimd target approve "
                + name
                + ") or change the directory back";
        log.warn("hub: {}/{} {}", tenant, name, reason);
        hub.pause(scope, name, reason);
        return false;
      }
      // A retry goes one change at a time: a target that is failing is probed, not flooded.
      Lanes.Result r = Lanes.deliver(sink, accepted, attempts > 0 ? 1 : sink.concurrency());
      Outcome o = r.outcome();
      List<JournalEntry> arrived =
          new ArrayList<>(accepted.subList(0, Math.min(o.delivered(), accepted.size())));
      arrived.addAll(r.sentAhead());
      guard.delivered(arrived, recentDeletions, clock.instant());
      // Beyond the failure, what other lanes sent is not sent again by this worker; after a
      // node's death it is, under the same identity.
      r.sentAhead().forEach(e -> sentAhead.add(e.seq()));
      if (o.failure() == null || o.delivered() >= accepted.size()) {
        return succeeded(end, accepted.size());
      }
      JournalEntry head = accepted.get(o.delivered());
      return failed(o.failure(), head, o.delivered() + r.sentAhead().size());
    }

    /**
     * Moves past what was delivered; recorded at once after a failure (the status must say it
     * recovered), otherwise at most every {@link #RECORD_EVERY}.
     */
    private boolean succeeded(long end, int delivered) {
      boolean recovering = attempts > 0;
      nextSeq = Math.max(nextSeq, end);
      if (!sentAhead.isEmpty()) {
        sentAhead.removeIf(seq -> seq < nextSeq);
      }
      unrecorded += delivered;
      attempts = 0;
      retryAt = null;
      if (recovering) {
        return step(nextSeq, 0, 0, null, null, null);
      }
      if (!clock.instant().isBefore(recordedAt.plus(RECORD_EVERY))) {
        return recordInBackground();
      }
      return true;
    }

    /**
     * Records progress while the worker goes on delivering. On SQLite the record waits its turn at
     * the one writer behind the IdP's writes; done in line, that wait held up every delivery behind
     * it. One record is in flight at a time; its answer (whether the lease is still ours) is looked
     * at before the next step, so a worker that lost its lease stops within a round, having sent at
     * most what it had in flight again, as after a node's death.
     */
    private boolean recordInBackground() {
      if (recording != null) {
        if (!recording.isDone()) {
          return true; // the next round records what this one delivered
        }
        if (!settleRecording()) {
          return false;
        }
      }
      Instant now = clock.instant();
      Instant until = now.plus(settings.lease());
      HubRecords.Step s =
          new HubRecords.Step(
              tenant, name, owner, now, until, nextSeq, unrecorded, 0, null, null, List.of());
      long sent = unrecorded;
      unrecorded = 0;
      recordedAt = now;
      CompletableFuture<Boolean> f = new CompletableFuture<>();
      recording = f;
      Thread.ofVirtual()
          .name("hub-record-" + tenant + "-" + name)
          .start(
              () -> {
                try {
                  boolean held = !crashed && hub.record(s);
                  if (held) {
                    recordedUntil = until;
                  }
                  f.complete(held);
                } catch (RuntimeException e) {
                  unrecordedBack.addAndGet(sent);
                  f.completeExceptionally(e);
                }
              });
      return true;
    }

    /** Waits for the record in flight, if any. False when it found the lease lost. */
    private boolean settleRecording() {
      CompletableFuture<Boolean> f = recording;
      if (f == null) {
        return true;
      }
      recording = null;
      boolean held;
      try {
        held = f.join();
      } catch (java.util.concurrent.CompletionException e) {
        unrecorded += unrecordedBack.getAndSet(0);
        throw e.getCause() instanceof RuntimeException r ? r : e;
      } catch (java.util.concurrent.CancellationException e) {
        return false;
      }
      if (held) {
        leaseUntil = Objects.requireNonNull(recordedUntil);
      }
      return held;
    }

    /** Records a failure at {@code head} ({@code delivered} entries before it went through). */
    private boolean failed(Outcome.Failure f, @Nullable JournalEntry head, int delivered) {
      Instant now = clock.instant();
      int failures = attempts + 1;
      long next = head != null ? head.seq() : nextSeq;
      if (head != null && f.kind() == Outcome.Kind.REJECTED && failures >= settings.maxAttempts()) {
        HubRecords.DeadLetter dl =
            new HubRecords.DeadLetter(
                tenant,
                name,
                head.seq(),
                head.change().resourceType(),
                head.change().resourceId(),
                failures,
                f.reason(),
                now,
                null);
        log.warn(
            "hub: {}/{} refused journal entry {} ({} {}) {} times, dead-lettered: {}",
            tenant,
            name,
            head.seq(),
            head.change().resourceType(),
            head.change().resourceId(),
            failures,
            f.reason());
        return step(head.seq() + 1, delivered, 0, null, "dead-lettered: " + f.reason(), dl);
      }
      String error =
          (f.kind() == Outcome.Kind.UNAVAILABLE ? "unavailable: " : "refused: ") + f.reason();
      Instant at = now.plus(backoff(failures, f.retryAfter()));
      if (failures == settings.circuitThreshold()) {
        log.warn(
            "hub: {}/{} failed {} times in a row, circuit open: {}", tenant, name, failures, error);
      }
      return step(next, delivered, failures, at, error, null);
    }

    private boolean step(
        long next,
        long delivered,
        int attempts,
        @Nullable Instant retryAt,
        @Nullable String error,
        HubRecords.@Nullable DeadLetter dl) {
      if (crashed || !settleRecording()) {
        return false;
      }
      Instant now = clock.instant();
      Instant until = now.plus(settings.lease());
      long moveTo = Math.max(next, nextSeq);
      boolean held =
          hub.record(
              new HubRecords.Step(
                  tenant,
                  name,
                  owner,
                  now,
                  until,
                  moveTo,
                  delivered + unrecorded,
                  attempts,
                  retryAt,
                  error,
                  dl == null ? List.of() : List.of(dl)));
      if (held) {
        if (!sentAhead.isEmpty()) {
          sentAhead.removeIf(seq -> seq < moveTo);
        }
        if (this.attempts >= settings.circuitThreshold() && attempts == 0) {
          log.info("hub: {}/{} delivers again, circuit closed", tenant, name);
        }
        this.nextSeq = moveTo;
        this.attempts = attempts;
        this.retryAt = retryAt;
        this.leaseUntil = until;
        this.unrecorded = 0;
        this.recordedAt = now;
      }
      return held;
    }

    /**
     * Waits until {@code until}, or until the target is saved again: the definition that could not
     * be used is looked at every second, so that an operator who fixes it does not wait out the
     * backoff, and the lease is kept meanwhile. False when the lease was lost.
     */
    private boolean awaitNewDefinition(long unusable, Instant until) {
      while (running && !superseded && clock.instant().isBefore(until)) {
        await(Duration.ofSeconds(1), -1);
        if (hub.target(tenant, name).map(Target::version).orElse(-1L) != unusable) {
          return true;
        }
        if (!renewIfDue()) {
          return false;
        }
      }
      return true;
    }

    /** Renews the lease when half of it has passed. False when it was lost. */
    private boolean renewIfDue() {
      Instant now = clock.instant();
      boolean progressDue = unrecorded > 0 && !now.isBefore(recordedAt.plus(RECORD_EVERY));
      if (!progressDue
          && Duration.between(now, leaseUntil).compareTo(settings.lease().dividedBy(2)) > 0) {
        return true;
      }
      if (attempts == 0 && retryAt == null) {
        return recordInBackground();
      }
      return step(nextSeq, 0, attempts, retryAt, null, null);
    }
  }

  /**
   * Stops as a node that dies would: nothing more is recorded and no lease is given back, so other
   * nodes take this node's targets only when the leases expire, and what it was sending is sent
   * again. Test seam for the takeover.
   */
  void halt() {
    crashed = true;
    for (Worker w : workers.values()) {
      if (w.thread != null) {
        w.thread.interrupt(); // a dead node sends nothing more of the batch it was sending
      }
    }
    close();
  }

  @Override
  public void close() {
    running = false;
    lock.lock();
    try {
      written.signalAll();
      closing.signalAll();
    } finally {
      lock.unlock();
    }
    Thread s = scheduler;
    List<Thread> threads = new ArrayList<>();
    if (s != null) {
      threads.add(s);
    }
    for (Worker w : workers.values()) {
      if (w.thread != null) {
        threads.add(w.thread);
      }
    }
    for (Thread t : threads) {
      try {
        t.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
