package io.scimd.sync;

import io.scimd.store.JournalEntry;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where one target's changes go: a SCIM application, a webhook receiver, a security event stream.
 * The hub's delivery workers read the target's tenant's journal in order and hand a sink the
 * entries it has not yet been given; the sink sends them, each mapped its way, and says how far it
 * got.
 *
 * <p>A sink may be given an entry again (a node died after sending it and before recording it, or a
 * dead letter is replayed): what it sends must carry the entry's identity (the journal's {@code
 * seq}) so the receiver can tell, or be idempotent by construction.
 */
public interface Sink extends AutoCloseable {

  /** Whether this sink sends anything for the entry at all (others are passed over, not sent). */
  boolean accepts(JournalEntry entry);

  /**
   * Sends {@code entries} (accepted ones, in journal order, one tenant's), in order for each
   * resource.
   *
   * @return how many of them, from the first, were delivered, and why the next one was not
   */
  Outcome deliver(List<JournalEntry> entries);

  /**
   * How many resources' changes may be in flight to the target at once (the changes of one resource
   * always go one after another). Above 1, {@link #deliver} is called from several threads at once,
   * each time with the changes of one resource.
   */
  default int concurrency() {
    return 1;
  }

  @Override
  default void close() {}

  /**
   * A sink that sends without a thread waiting for each answer: the delivery workers start its
   * lanes at once and wait once for all of them, rather than parking a thread per resource and
   * waking it per answer (docs/decisions/0032-delivery-linger.md).
   */
  interface Asynchronous extends Sink {
    /**
     * Sends {@code entries} (one resource's, in journal order) one after another, each once the one
     * before it was taken, as {@link #deliver} would. What the entries need from the store is read
     * before this returns, on the calling thread; the rest happens on the sender's threads.
     * Cancelling the future stops the sending (the entry in flight may arrive all the same).
     *
     * @param answered called as each exchange is answered, whatever the answer: it tells the caller
     *     a slow target (a long lane, each change taking its full timeout) from a stalled one
     * @return how many of them, from the first, were delivered, and why the next one was not
     */
    CompletableFuture<Outcome> deliverLater(List<JournalEntry> entries, Runnable answered);
  }
}
