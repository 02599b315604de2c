package io.scimd.access;

import java.time.Duration;

/**
 * How a node answers decisions: from an in-memory index of each tenant ({@code maxIdentities} above
 * zero: tenants of at most that many users and agents) or from the store every time (0), and how
 * stale the index may be.
 *
 * @param staleness how long after checking the journal's head a node may decide without checking it
 *     again; zero (the default): every decision reflects every change committed on any node. Writes
 *     made through the node count at once whatever it is.
 * @param maxIdentities the most users and agents of one tenant an index holds; 0 for no index
 */
public record AccessSettings(Duration staleness, long maxIdentities) {

  /** The most identities a default index holds, with a heap large enough for them. */
  public static final long MAX_INDEXED = 500_000;

  /**
   * The heap a default index allows per identity: a typical user (name, email, enterprise
   * extension, three groups) takes about 3.7 KiB in the index, measured.
   */
  static final long HEAP_PER_IDENTITY = 16 * 1024;

  /** No index: every decision reads the store. */
  public static final AccessSettings STORE = new AccessSettings(Duration.ZERO, 0);

  public AccessSettings {
    if (staleness.isNegative()) {
      throw new IllegalArgumentException("--access-staleness cannot be negative: " + staleness);
    }
    if (maxIdentities < 0) {
      throw new IllegalArgumentException("--access-index-max cannot be negative: " + maxIdentities);
    }
  }

  /** Exact decisions from an index sized to this JVM's heap ({@link #defaultMaxIdentities}). */
  public static AccessSettings defaults() {
    return new AccessSettings(Duration.ZERO, defaultMaxIdentities());
  }

  /**
   * One identity per {@value #HEAP_PER_IDENTITY} bytes of the maximum heap, at most {@value
   * #MAX_INDEXED}: about a quarter of the heap for the largest tenant indexed (16,384 identities
   * with the shipped {@code -Xmx256m}; 500,000 needs 8 GiB).
   */
  public static long defaultMaxIdentities() {
    return Math.min(MAX_INDEXED, Runtime.getRuntime().maxMemory() / HEAP_PER_IDENTITY);
  }

  public AccessSettings withStaleness(Duration staleness) {
    return new AccessSettings(staleness, maxIdentities);
  }

  public AccessSettings withMaxIdentities(long maxIdentities) {
    return new AccessSettings(staleness, maxIdentities);
  }
}
