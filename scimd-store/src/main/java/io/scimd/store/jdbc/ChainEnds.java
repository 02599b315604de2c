package io.scimd.store.jdbc;

import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The end of each tenant's journal chain as this store last appended it: a guess, never trusted,
 * that lets {@link Journal} number, chain and insert an entry in one statement ({@link
 * Dialect#appendJournal}), which inserts nothing when the guess is wrong (a rolled-back write,
 * another node's write, a hashed or pruned journal) and {@link Journal} takes the two-statement
 * path instead. One per store, shared by its transactions.
 */
final class ChainEnds {
  /** The entry a tenant's journal was seen to end at: its number and hash. */
  record End(long seq, String hash) {}

  private final ConcurrentHashMap<String, End> ends = new ConcurrentHashMap<>();

  @Nullable End get(String tenant) {
    return ends.get(tenant);
  }

  void put(String tenant, End end) {
    ends.put(tenant, end);
  }
}
