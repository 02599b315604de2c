package io.scimd.sync;

import io.scimd.store.JournalEntry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Sends a batch of changes as parallel lanes, one lane per resource: the changes of one resource go
 * in journal order, one after another, and those of different resources go at once, up to a width.
 * A sink that answers in a few milliseconds then takes many changes a second rather than one per
 * round trip, and a burst of writes does not queue behind one slow answer.
 *
 * <p>The outcome keeps the sink's meaning (docs/decisions/0017-hub.md): {@code delivered} is the
 * length of the batch's prefix that arrived. Lanes start in the order of their first change, and
 * once one has failed no lane whose first change comes after the failure starts, so every change
 * that was not sent comes after the first failure: the workers retry from there, and what other
 * lanes had already sent beyond it is reported apart ({@link Result#sentAhead}), so that the worker
 * does not send it again.
 */
final class Lanes {
  private Lanes() {}

  /**
   * What became of a batch.
   *
   * @param outcome how long a prefix of the batch arrived, and why the next one did not
   * @param sentAhead the entries after that prefix that arrived all the same (other lanes')
   */
  record Result(Outcome outcome, List<JournalEntry> sentAhead) {}

  /**
   * Delivers {@code entries} through {@code sink}, at most {@code width} resources at once.
   *
   * @param width 1 sends them one after another, as the sink alone would
   */
  static Result deliver(Sink sink, List<JournalEntry> entries, int width) {
    return deliver(sink, entries, width, STALLED);
  }

  /**
   * As {@link #deliver(Sink, List, int)}, giving lanes sent without threads up after {@code
   * stalled} without an answer (tests wait less than {@link #STALLED}).
   */
  static Result deliver(Sink sink, List<JournalEntry> entries, int width, Duration stalled) {
    if (width <= 1 || entries.size() <= 1) {
      return new Result(sink.deliver(entries), List.of());
    }
    Map<String, List<Integer>> byResource = new LinkedHashMap<>();
    for (int i = 0; i < entries.size(); i++) {
      JournalEntry e = entries.get(i);
      String key = e.change().resourceType() + "/" + e.change().resourceId();
      byResource.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    if (byResource.size() == 1) {
      return new Result(sink.deliver(entries), List.of());
    }
    List<List<Integer>> lanes = new ArrayList<>(byResource.values());
    Batch batch = new Batch(sink, entries, lanes, width, stalled);
    if (sink instanceof Sink.Asynchronous later) {
      return batch.sendLater(later);
    }
    int threads = Math.min(width, lanes.size());
    // Closing waits for every lane; interrupted meanwhile (a node halted), it interrupts them.
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int t = 0; t < threads; t++) {
        pool.execute(batch::run);
      }
    }
    return batch.outcome();
  }

  /**
   * How long the lanes sent without threads may go without any of their exchanges answered before
   * they are given up on: each exchange ends by its target's timeout (at most a minute), so this is
   * against a sink that failed to end one, which would hold the worker for good.
   */
  static final Duration STALLED = Duration.ofMinutes(5);

  /** One batch's lanes and what became of them; the lanes' threads take the next one in turn. */
  private static final class Batch {
    private final Sink sink;
    private final List<JournalEntry> entries;
    private final List<List<Integer>> lanes;
    private final AtomicInteger next = new AtomicInteger();
    private final boolean[] sent;

    /** Per lane sent without a thread: whether what became of it is counted (see settled). */
    private final boolean[] settled;

    private int failedAt = Integer.MAX_VALUE;
    private Outcome.@Nullable Failure failure;
    private @Nullable RuntimeException thrown;

    /** How many lanes sent without threads may be in flight at once. */
    private final int width;

    /** The lanes sent without threads: a permit per lane that may be in flight. */
    private final Semaphore free;

    /** When one of those lanes' exchanges was last answered ({@link System#nanoTime}). */
    private volatile long lastAnswer = System.nanoTime();

    /** How long they may go without any answer: {@link #STALLED} but in tests. */
    private final Duration stalled;

    Batch(
        Sink sink,
        List<JournalEntry> entries,
        List<List<Integer>> lanes,
        int width,
        Duration stalled) {
      this.sink = sink;
      this.entries = entries;
      this.lanes = lanes;
      this.sent = new boolean[entries.size()];
      this.settled = new boolean[lanes.size()];
      this.width = width;
      this.free = new Semaphore(width);
      this.stalled = stalled;
    }

    void run() {
      try {
        for (int l = next.getAndIncrement(); l < lanes.size(); l = next.getAndIncrement()) {
          List<Integer> lane = lanes.get(l);
          if (!mayStart(lane.get(0))) {
            return; // the lanes after this one start later still
          }
          settle(lane, sink.deliver(entriesOf(lane)));
        }
      } catch (RuntimeException e) {
        synchronized (this) {
          if (thrown == null) {
            thrown = e;
          }
          failedAt = -1; // nothing more starts; the worker stops as it would have
        }
      }
    }

    /**
     * Starts the lanes in order, at most {@code width} at once, each as the one before it in flight
     * is answered, and waits once for them all: no thread waits per lane. Interrupted (a node
     * halted), it cancels what is in flight and reports it as not sent; a lane whose sink broke
     * ends the batch at once, as a sink that throws does.
     */
    Result sendLater(Sink.Asynchronous sink) {
      List<CompletableFuture<Outcome>> started = new ArrayList<>();
      int l = 0;
      try {
        for (; l < lanes.size(); l++) {
          List<Integer> lane = lanes.get(l);
          if (!awaitAnswers(1)) {
            stop(started, l, noAnswer());
            return outcome();
          }
          if (broken() || !mayStart(lane.get(0))) {
            free.release();
            break; // the lanes after this one start later still
          }
          CompletableFuture<Outcome> sending;
          try {
            sending = sink.deliverLater(entriesOf(lane), this::answered);
          } catch (RuntimeException e) {
            free.release();
            broke(e);
            break;
          }
          started.add(sending);
          int index = l;
          sending.whenComplete(
              (o, failure) -> {
                try {
                  settled(index, o, failure);
                } finally {
                  answered();
                  free.release();
                }
              });
        }
        // Every lane started has been answered; or none has answered for STALLED (the sink
        // failed to end an exchange), and what is still in flight is given up on, and sent again;
        // or a lane broke, and the others are not waited for.
        if (!awaitAnswers(width)) {
          stop(started, lanes.size(), noAnswer());
        } else if (broken()) {
          started.forEach(f -> f.cancel(true));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop(started, l, "interrupted");
      }
      return outcome();
    }

    /**
     * Takes {@code permits} of {@link #free}, waiting while the lanes in flight are still answered:
     * false once none of their exchanges has been answered for {@link #stalled}. A target that
     * takes its full timeout for each change of a long lane is slow, not stalled.
     */
    private boolean awaitAnswers(int permits) throws InterruptedException {
      while (true) {
        long left = stalled.toNanos() - (System.nanoTime() - lastAnswer);
        if (left <= 0) {
          return false;
        }
        if (free.tryAcquire(permits, left, TimeUnit.NANOSECONDS)) {
          return true;
        }
      }
    }

    private String noAnswer() {
      return stalled.toSeconds() >= 60 && stalled.toSecondsPart() == 0
          ? "no answer in " + stalled.toMinutes() + " minutes"
          : "no answer in " + stalled.toMillis() + " ms";
    }

    /** One of the lanes' exchanges was answered, whatever the answer. */
    private void answered() {
      lastAnswer = System.nanoTime();
    }

    private synchronized boolean broken() {
      return thrown != null;
    }

    /**
     * The sink broke (a bug, not the receiver): nothing more starts, the worker is woken from its
     * wait for the lanes in flight, and it throws {@code e} as it would had the sink thrown.
     */
    private void broke(Throwable e) {
      synchronized (this) {
        if (thrown == null) {
          thrown =
              e instanceof RuntimeException r
                  ? r
                  : new IllegalStateException("a lane's sink failed: " + e, e);
        }
        failedAt = -1;
      }
      free.release(lanes.size() + 1); // more than any wait takes: the batch ends with this
    }

    /**
     * Counts the lanes still in flight and lane {@code l} as not sent, for {@code why}, then
     * cancels those in flight. They are settled first, under the lock: an answer that arrives while
     * they are being given up on changes nothing, so what {@link #outcome} reports holds.
     */
    private void stop(List<CompletableFuture<Outcome>> started, int l, String why) {
      Outcome.Failure givenUp = Outcome.Failure.unavailable(why, null);
      synchronized (this) {
        for (int i = 0; i < started.size(); i++) {
          if (!settled[i]) {
            settled[i] = true;
            failed(lanes.get(i).get(0), givenUp);
          }
        }
        if (l < lanes.size()) {
          failed(lanes.get(l).get(0), givenUp);
        }
      }
      started.forEach(f -> f.cancel(true));
    }

    /**
     * What became of lane {@code index} sent without a thread: its outcome, or why it has none. A
     * lane is settled once: after {@link #stop} gave it up, its late answer is ignored. Should
     * counting it fail, the batch fails: the lane is never taken as sent for want of a record.
     */
    private void settled(int index, @Nullable Outcome o, @Nullable Throwable failure) {
      if (failure instanceof CompletionException wrapped && wrapped.getCause() != null) {
        failure = wrapped.getCause();
      }
      try {
        synchronized (this) {
          if (settled[index]) {
            return;
          }
          List<Integer> lane = lanes.get(index);
          if (o != null) {
            settle(lane, o);
          } else if (failure instanceof CancellationException) {
            failed(lane.get(0), Outcome.Failure.unavailable("interrupted", null));
          } else {
            broke(
                failure != null
                    ? failure
                    : new IllegalStateException("a lane ended without an outcome"));
          }
          settled[index] = true;
        }
      } catch (Throwable t) {
        broke(t);
      }
    }

    private List<JournalEntry> entriesOf(List<Integer> lane) {
      List<JournalEntry> mine = new ArrayList<>(lane.size());
      for (int i : lane) {
        mine.add(entries.get(i));
      }
      return mine;
    }

    /** What became of one lane's changes. */
    private void settle(List<Integer> lane, Outcome o) {
      arrived(lane, Math.min(o.delivered(), lane.size()));
      Outcome.Failure f = o.failure();
      if (f != null && o.delivered() < lane.size()) {
        failed(lane.get(o.delivered()), f);
      }
    }

    private synchronized boolean mayStart(int first) {
      return first < failedAt;
    }

    private synchronized void arrived(List<Integer> lane, int count) {
      for (int i = 0; i < count; i++) {
        sent[lane.get(i)] = true;
      }
    }

    private synchronized void failed(int index, Outcome.Failure f) {
      if (index < failedAt) {
        failedAt = index;
        failure = f;
      }
    }

    synchronized Result outcome() {
      if (thrown != null) {
        throw thrown;
      }
      if (failure == null) {
        return new Result(Outcome.all(entries.size()), List.of());
      }
      List<JournalEntry> ahead = new ArrayList<>();
      for (int i = failedAt + 1; i < sent.length; i++) {
        if (sent[i]) {
          ahead.add(entries.get(i));
        }
      }
      return new Result(Outcome.failed(failedAt, failure), ahead);
    }
  }
}
