package io.scimd.server.http;

import io.scimd.store.Credentials;
import io.scimd.store.Credentials.Credential;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The credentials this node found recently, by token hash: bearer authentication without a database
 * round trip per request, while a revoked credential stops working on every node within {@link
 * #TTL_NANOS} (half a second; issue 6 promises one).
 *
 * <p>Why the bound holds: an entry is the store's answer to a lookup, stamped with the time the
 * lookup <em>started</em>, and it is trusted only until that stamp plus the TTL. A revocation that
 * committed at time r is seen by every lookup that starts after r (each is a transaction of its
 * own, on any node), so from r + TTL on no node accepts the token, whatever its cache held. Half a
 * second leaves the other half of the promise to scheduling and clocks. The cost is one lookup per
 * token per half second instead of one per request. Expiry is checked against the clock on every
 * request, cached or not: an expiring credential stops at its instant, not up to a TTL later.
 *
 * <p>Only credentials that were found are kept: a wrong token costs a lookup each time, as before,
 * and cannot fill the map. A map of plain entries is enough (no Caffeine): there are as many
 * entries as live tokens in use, and should that ever exceed {@link #MAX_ENTRIES} the map is simply
 * emptied, costing one lookup per token. Concurrent misses of one token may each look it up; that
 * is a handful of lookups twice a second, and no request waits on another's.
 *
 * <p>Each lookup also tells when the credential was last used: when that is more than {@link
 * #LAST_USED_STEP} ago, the node records the new time in the background, so a credential in use
 * costs the store one small write a minute per node, and a listing shows its last use to about a
 * minute.
 */
final class VerifiedTokens {
  static final long TTL_NANOS = 500_000_000L;
  static final int MAX_ENTRIES = 10_000;
  static final Duration LAST_USED_STEP = Duration.ofMinutes(1);
  private static final Logger LOG = LoggerFactory.getLogger(VerifiedTokens.class);

  private record Entry(Credential credential, long verifiedAt) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Boolean> touching = new ConcurrentHashMap<>();
  private final Credentials credentials;
  private final InstantSource clock;
  private final LongSupplier ticker;

  /**
   * @param clock what {@link Credential#expires()} is compared with
   * @param ticker a monotonic nanosecond counter for the TTL ({@code System::nanoTime})
   */
  VerifiedTokens(Credentials credentials, InstantSource clock, LongSupplier ticker) {
    this.credentials = credentials;
    this.clock = clock;
    this.ticker = ticker;
  }

  /**
   * How long a token stays {@link #known} after the store last vouched for it: long enough that a
   * client that works all day is never mistaken for a guesser, short enough that a token revoked in
   * the meantime soon stops passing the door it opens.
   */
  static final long KNOWN_NANOS = 600_000_000_000L;

  /**
   * True when the store found {@code tokenHash} live within the last {@link #KNOWN_NANOS}, on this
   * node. Not an authentication ({@link #find} still decides): it says whether a token is worth a
   * lookup while its address is throttled for failed authentications, so that a client with a good
   * token, sharing an address with a guesser, still gets through.
   */
  boolean known(String tokenHash) {
    Entry e = entries.get(tokenHash);
    return e != null && ticker.getAsLong() - e.verifiedAt() < KNOWN_NANOS;
  }

  /** The live credential of {@code tokenHash}: found, not revoked (within the TTL), not expired. */
  Optional<Credential> find(String tokenHash) {
    long now = ticker.getAsLong();
    Entry e = entries.get(tokenHash);
    Credential c;
    if (e != null && now - e.verifiedAt() < TTL_NANOS) {
      c = e.credential();
    } else {
      Optional<Credential> found = credentials.findByTokenHash(tokenHash);
      if (found.isEmpty()) {
        entries.remove(tokenHash);
        return Optional.empty();
      }
      c = found.get();
      recordUse(c);
      if (entries.size() >= MAX_ENTRIES) {
        entries.clear();
      }
      entries.put(tokenHash, new Entry(c, now));
    }
    return c.expires() == null || clock.instant().isBefore(c.expires())
        ? Optional.of(c)
        : Optional.empty();
  }

  private void recordUse(Credential c) {
    Instant now = clock.instant();
    if (c.lastUsed() != null && c.lastUsed().plus(LAST_USED_STEP).isAfter(now)) {
      return;
    }
    if (touching.putIfAbsent(c.id(), Boolean.TRUE) != null) {
      return;
    }
    Thread.ofVirtual()
        .name("scimd-last-used")
        .start(
            () -> {
              try {
                credentials.touch(Map.of(c.id(), now));
              } catch (RuntimeException e) {
                // Bookkeeping only: the request it came from has been served either way.
                LOG.debug("could not record the last use of credential {}", c.id(), e);
              } finally {
                touching.remove(c.id());
              }
            });
  }
}
