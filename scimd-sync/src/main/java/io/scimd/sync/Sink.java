package io.scimd.sync;

import io.scimd.store.JournalEntry;
import java.util.List;

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
}
