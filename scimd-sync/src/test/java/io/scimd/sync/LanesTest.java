package io.scimd.sync;

import static io.scimd.sync.JournalEntries.userDeleted;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.store.JournalEntry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * How a batch's lanes sent without a thread each end when their sink breaks or their worker is
 * stopped. The sink here is the test's own: each lane's future is completed by the test, in the
 * order and the way the case needs, which no receiver over a socket can do on cue.
 */
class LanesTest {
  private final List<CompletableFuture<Outcome>> lanes = new CopyOnWriteArrayList<>();

  /** Per lane, what the sink calls as each of its exchanges is answered. */
  private final List<Runnable> answers = new CopyOnWriteArrayList<>();

  /** Hands out a future per lane and leaves it to the test to end. */
  private final Sink.Asynchronous sink =
      new Sink.Asynchronous() {
        @Override
        public boolean accepts(JournalEntry entry) {
          return true;
        }

        @Override
        public Outcome deliver(List<JournalEntry> entries) {
          throw new AssertionError("lanes of an asynchronous sink go through deliverLater");
        }

        @Override
        public CompletableFuture<Outcome> deliverLater(
            List<JournalEntry> entries, Runnable answered) {
          CompletableFuture<Outcome> f = new CompletableFuture<>();
          answers.add(answered);
          lanes.add(f);
          return f;
        }
      };

  private static final List<JournalEntry> BATCH =
      List.of(userDeleted(1, "u1"), userDeleted(2, "u2"), userDeleted(3, "u3"));

  /** What {@link #deliverOnAWorker} reported. */
  private final AtomicReference<Lanes.Result> result = new AtomicReference<>();

  /** Delivers {@link #BATCH} as the delivery workers do, four lanes at once. */
  private Thread deliverOnAWorker(Duration stalled) {
    return Thread.ofVirtual().start(() -> result.set(Lanes.deliver(sink, BATCH, 4, stalled)));
  }

  @Test
  void aLaneWhoseSinkBroke_stopsTheWorkerAtOnce_andCancelsTheOthers() throws Exception {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    Thread worker =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Lanes.deliver(sink, BATCH, 4);
                  } catch (RuntimeException e) {
                    thrown.set(e);
                  }
                });
    awaitLanes(3);
    lanes.get(0).complete(Outcome.all(1));
    lanes.get(1).completeExceptionally(new IllegalStateException("the mapping broke"));

    // The third lane is still in flight: the worker does not wait for it (up to 5 minutes).
    worker.join(5_000);
    assertThat(worker.isAlive()).isFalse();
    assertThat(thrown.get())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the mapping broke");
    assertThat(lanes.get(2)).isCancelled();
  }

  @Test
  void aSlowLaneThatIsStillAnswered_isWaitedFor_pastTheStallLimit() throws Exception {
    Thread worker = deliverOnAWorker(Duration.ofMillis(300));
    awaitLanes(3);
    lanes.get(0).complete(Outcome.all(1));
    lanes.get(2).complete(Outcome.all(1));
    // A long lane to a slow receiver: an answer every 100 ms, the lane done after a second.
    for (int i = 0; i < 10; i++) {
      Thread.sleep(100);
      answers.get(1).run();
    }
    lanes.get(1).complete(Outcome.all(1));

    worker.join(5_000);
    assertThat(result.get().outcome()).isEqualTo(Outcome.all(3));
  }

  @Test
  void lanesWithoutAnyAnswer_areGivenUpOn_asStalled() throws Exception {
    Thread worker = deliverOnAWorker(Duration.ofMillis(300));
    awaitLanes(3);
    lanes.get(0).complete(Outcome.all(1));

    worker.join(5_000);
    assertThat(worker.isAlive()).isFalse();
    Lanes.Result r = result.get();
    assertThat(r.outcome().delivered()).isEqualTo(1);
    assertThat(r.outcome().failure().reason()).isEqualTo("no answer in 300 ms");
    assertThat(lanes.get(1)).isCancelled();
    assertThat(lanes.get(2)).isCancelled();
  }

  @Test
  void anInterruptedWorker_countsWhatWasInFlightAsNotSent_andALateAnswerChangesNothing()
      throws Exception {
    Thread worker = deliverOnAWorker(Lanes.STALLED);
    awaitLanes(3);
    lanes.get(0).complete(Outcome.all(1));

    worker.interrupt();
    worker.join(5_000);
    // What was given up on stays given up on, whatever its answer says afterwards.
    lanes.get(1).complete(Outcome.all(1));

    assertThat(worker.isAlive()).isFalse();
    Lanes.Result r = result.get();
    assertThat(r.outcome().delivered()).isEqualTo(1);
    assertThat(r.outcome().failure().reason()).isEqualTo("interrupted");
    assertThat(r.sentAhead()).isEmpty();
    assertThat(lanes.get(1)).isCancelled();
    assertThat(lanes.get(2)).isCancelled();
  }

  @Test
  void aRefusedLane_endsThePrefix_andWhatOtherLanesSentBeyondItIsReportedApart() throws Exception {
    Thread worker = deliverOnAWorker(Lanes.STALLED);
    awaitLanes(3);
    lanes.get(2).complete(Outcome.all(1));
    lanes.get(0).complete(Outcome.all(1));
    lanes.get(1).complete(Outcome.failed(0, Outcome.Failure.rejected("HTTP 400")));

    worker.join(5_000);
    Lanes.Result r = result.get();
    assertThat(r.outcome().delivered()).isEqualTo(1);
    assertThat(r.outcome().failure().reason()).isEqualTo("HTTP 400");
    assertThat(r.sentAhead()).extracting(JournalEntry::seq).containsExactly(3L);
  }

  private void awaitLanes(int n) throws InterruptedException {
    for (int i = 0; i < 500 && lanes.size() < n; i++) {
      Thread.sleep(10);
    }
    assertThat(lanes).hasSize(n);
  }
}
