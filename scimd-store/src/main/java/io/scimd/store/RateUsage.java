package io.scimd.store;

import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;

/**
 * How many requests each client key was admitted, summed over every node on the database: what the
 * nodes exchange so that together they hold one client rate limit instead of each its own
 * (docs/decisions/0012-limits.md). A total only grows; nodes compare the totals they see with those
 * they saw before to learn what the others admitted meanwhile.
 */
public interface RateUsage {

  /**
   * In one transaction: adds each of {@code added} (a client key and the requests this node
   * admitted under it since its last exchange) to that key's total, stamped {@code now}, and
   * returns the total of every key that any node added to at or after {@code since}. The keys are
   * added in their order, so two nodes never wait for each other's rows in opposite orders.
   */
  Map<String, Long> exchange(SortedMap<String, Long> added, Instant now, Instant since);

  /** Deletes the totals that no node added to since {@code before}; returns how many. */
  int prune(Instant before);
}
