package io.scimd.store;

import io.scimd.core.error.ScimException;
import java.util.concurrent.Semaphore;

/**
 * What in-memory evaluation may cost on one node. A query whose filter or sort the database cannot
 * answer alone (RFC 7644 §3.4.2.2 {@code title eq "x"}, {@code sortBy=title}) reads its candidate
 * rows one at a time and decides each with the core evaluator; memory stays bounded (no candidate
 * is kept, only the sort keys of the page being selected), but time grows with the candidates. Two
 * limits bound it:
 *
 * <ul>
 *   <li><b>Candidates per query.</b> A query with more than {@code maxCandidates} candidates (the
 *       rows left after the SQL-translatable part of its filter) is refused with 400 {@code
 *       tooMany} before any of them is read: "the specified filter yields many more results than
 *       the server is willing to calculate or process" (RFC 7644 §3.4.2.2). The caller narrows the
 *       filter with an indexed attribute.
 *   <li><b>Evaluations at once.</b> At most {@code concurrent} queries with more than {@value
 *       #FREE_CANDIDATES} candidates evaluate at the same time; another answers 503 (the HTTP layer
 *       adds {@code Retry-After}) at once rather than wait, because a waiting query would hold one
 *       of the few database connections that cheap requests need, and the work it would wait for
 *       takes seconds. Queries with fewer candidates (a {@code userName eq} narrowed by index and
 *       checked on one more attribute) never wait for a permit: they cost little.
 * </ul>
 *
 * One instance is shared by every query of a node (the semaphore is per instance).
 */
public final class ScanLimits {
  /**
   * Candidates up to which a query needs no permit: 10 to 35 ms of evaluation at the measured 10 to
   * 35 µs a candidate (a realistic User, docs/benchmarks.md), the cost of an ordinary request.
   */
  public static final int FREE_CANDIDATES = 1_000;

  /**
   * The default most candidates of one query. A directory of the size the hot-path targets are set
   * for (100,000 users, issue 6 §3) still answers every query, in 1 to 3.5 s of one core; beyond it
   * a client must add a condition an index answers, as identity providers' own lookups do. Memory
   * does not depend on it (candidates are streamed), only time.
   */
  public static final int DEFAULT_MAX_CANDIDATES = 100_000;

  /** Defaults for callers that set no limits (tests, tools); a server makes its own. */
  public static final ScanLimits DEFAULT =
      new ScanLimits(DEFAULT_MAX_CANDIDATES, defaultConcurrency());

  private final int maxCandidates;
  private final int concurrent;
  private final Semaphore permits;

  /**
   * @param maxCandidates the most candidate rows one query may evaluate in memory, at least 1
   * @param concurrent how many queries with more than {@value #FREE_CANDIDATES} candidates may
   *     evaluate at once on this node, at least 1
   */
  public ScanLimits(int maxCandidates, int concurrent) {
    if (maxCandidates < 1 || concurrent < 1) {
      throw new IllegalArgumentException(
          "maxCandidates and concurrent must be at least 1, got "
              + maxCandidates
              + ", "
              + concurrent);
    }
    this.maxCandidates = maxCandidates;
    this.concurrent = concurrent;
    this.permits = new Semaphore(concurrent);
  }

  /**
   * Half the processors, at least 1 and at most 2. Requests run on virtual threads, whose scheduler
   * has one carrier thread per processor and never preempts: an evaluation is CPU work (and on
   * SQLite native calls) that holds its carrier until it ends, so as many evaluations as processors
   * would stall every other request, {@code /health} included. Half leaves the other carriers to
   * cheap requests; at most 2 leaves two of SQLite's four read connections to them.
   */
  public static int defaultConcurrency() {
    return Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors() / 2));
  }

  public int maxCandidates() {
    return maxCandidates;
  }

  public int concurrent() {
    return concurrent;
  }

  /**
   * A permit to evaluate; closing it gives it back. Public, as {@link #admit} is, for the store
   * implementations ({@code io.scimd.store.jdbc}): the server sets the limits, the store enforces
   * them.
   */
  public interface Permit extends AutoCloseable {
    @Override
    void close();
  }

  private static final Permit FREE = () -> {};

  /**
   * Checks a query's candidates against both limits and admits it.
   *
   * @throws ScimException 400 {@code tooMany} beyond {@link #maxCandidates}; 503 when {@link
   *     #concurrent} other expensive evaluations are running
   */
  public Permit admit(long candidates) {
    if (candidates > maxCandidates) {
      throw ScimException.tooMany(
          "the filter or sortBy of this query cannot be answered from an index, and the filter"
              + " leaves "
              + candidates
              + " resources to examine one by one, more than the "
              + maxCandidates
              + " this server examines for one request: narrow the filter with a condition on"
              + " id, externalId, userName or displayName (eq, sw, co, ew), meta.created or"
              + " meta.lastModified (eq, gt, ge, lt, le), or members, joined by and");
    }
    if (candidates <= FREE_CANDIDATES) {
      return FREE;
    }
    if (!permits.tryAcquire()) {
      throw ScimException.unavailable(
          "this server is already evaluating "
              + concurrent
              + " expensive queries (filters or sorts it cannot answer from an index): retry"
              + " shortly, or narrow the filter with an indexed attribute");
    }
    return permits::release;
  }
}
