package io.scimd.server.audit;

import io.scimd.core.error.ScimException;
import io.scimd.server.clients.Tokens;
import io.scimd.store.AuditTrail;
import io.scimd.store.Change;
import io.scimd.store.Change.AuthFailed.Reason;
import io.scimd.store.Credentials;
import io.scimd.store.Scope;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed authentications in the audit trail, counted: what a node saw in each window of time
 * ({@link AuditSettings#authFailureWindow}, a minute by default) becomes one journal entry per
 * source address and reason ({@link Change.AuthFailed}), written by a background thread when the
 * window closes (docs/decisions/0015-audit-queries.md).
 *
 * <p>Why it is built this way. A failed request must cost no database write, or a flood of bad
 * tokens would become a flood of writes and fill the disk: {@link #failed} only counts, in memory,
 * under a lock held for a few map operations, and never looks anything up. What it keeps is
 * bounded: at most {@value #MAX_SOURCES} addresses per window (the failures of any further address
 * are counted together, as {@value Change.AuthFailed#OTHER_SOURCES}), and per address at most
 * {@value #MAX_TOKENS_PER_SOURCE} distinct tokens, {@value #MAX_TOKENS} in all, by their SHA-256
 * (never the token itself). When the window closes, those token hashes are looked up once, in one
 * read, to say what each token was: a credential that expired, was revoked or is a client secret
 * (journaled in that credential's tenant, naming it and its client), or no credential at all
 * (journaled in the {@code default} tenant, as is every failure whose tenant nobody can know: a
 * token that names none). So a window costs at most about {@value #MAX_SOURCES} times a handful of
 * entries, however many requests failed.
 *
 * <p>Each node counts its own failures and names itself ({@link #node}) in its entries; nodes do
 * not coordinate. A window that cannot be written (the database is away) is logged and dropped; the
 * server's stop writes the open window ({@link #close}), a crash loses it.
 */
public final class AuthFailures implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuthFailures.class);

  /** The most source addresses one window keeps apart. */
  static final int MAX_SOURCES = 100;

  /** The most distinct tokens one window looks up per source address. */
  static final int MAX_TOKENS_PER_SOURCE = 16;

  /** The most distinct tokens one window looks up in all. */
  static final int MAX_TOKENS = 1_000;

  private final AuditTrail trail;
  private final Credentials credentials;
  private final InstantSource clock;
  private final Duration window;
  private final String node;
  private final int maxSources;
  private final @Nullable ScheduledExecutorService timer;
  private final ReentrantLock lock = new ReentrantLock(); // a virtual thread never pins on it
  private Window current = new Window(); // guarded by lock
  private final ReentrantLock flushing = new ReentrantLock();

  private AuthFailures(
      AuditTrail trail,
      Credentials credentials,
      InstantSource clock,
      Duration window,
      int maxSources,
      boolean periodic) {
    this.trail = trail;
    this.credentials = credentials;
    this.clock = clock;
    this.window = window;
    this.maxSources = maxSources;
    this.node = "node-" + UUID.randomUUID().toString().substring(0, 8);
    if (periodic) {
      ScheduledThreadPoolExecutor t =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread th = new Thread(r, "scimd-auth-failures");
                th.setDaemon(true);
                return th;
              });
      // A stop cancels the next window's write (close() writes it) and waits for a running one.
      t.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      this.timer = t;
      scheduleNext();
    } else {
      this.timer = null;
    }
  }

  /**
   * Counts failures and journals each window when it closes, on a background thread; windows are
   * aligned to multiples of {@code window} since the epoch, so every node sums the same minutes.
   */
  public static AuthFailures start(
      AuditTrail trail, Credentials credentials, Duration window, InstantSource clock) {
    AuthFailures f = new AuthFailures(trail, credentials, clock, window, MAX_SOURCES, true);
    LOG.info("failed authentications are journaled every {} as node {}", window, f.node);
    return f;
  }

  /** The name this node gives itself in the entries it writes. */
  public String node() {
    return node;
  }

  /**
   * Counts one request whose bearer token did not authenticate, from {@code source} (the client
   * address as the transport made it out; null when unknown). Cheap, never blocks on the store,
   * never fails.
   */
  public void failed(@Nullable String source, String token) {
    Instant now = clock.instant();
    boolean malformed = !Tokens.plausible(token);
    String hash = malformed ? null : Tokens.hash(token);
    lock.lock();
    try {
      current.count(source, malformed, hash, now, maxSources);
    } finally {
      lock.unlock();
    }
  }

  private void scheduleNext() {
    ScheduledExecutorService t = timer;
    if (t == null || t.isShutdown()) {
      return;
    }
    long w = window.toMillis();
    long now = clock.millis();
    long next = (Math.floorDiv(now, w) + 1) * w;
    try {
      t.schedule(
          () -> {
            try {
              flush();
            } finally {
              scheduleNext();
            }
          },
          next - now,
          TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException stopping) {
      // closing: close() writes the last window itself
    }
  }

  /**
   * Closes the current window and journals what it counted, now.
   *
   * @return how many entries were written
   */
  public int flush() {
    Window w;
    lock.lock();
    try {
      w = current;
      current = new Window();
    } finally {
      lock.unlock();
    }
    if (w.isEmpty()) {
      return 0;
    }
    flushing.lock(); // one window at a time, in order
    try {
      return write(w);
    } catch (RuntimeException e) {
      LOG.warn(
          "could not journal {} failed authentications from {} addresses: {}",
          w.total(),
          w.sources.size() + (w.other.isEmpty() ? 0 : 1),
          e.getMessage());
      return 0;
    } finally {
      flushing.unlock();
    }
  }

  private int write(Window w) {
    Set<String> hashes = new HashSet<>();
    w.sources.values().forEach(s -> hashes.addAll(s.tokens.keySet()));
    Map<String, Credentials.Lapsed> known =
        hashes.isEmpty() ? Map.of() : credentials.lapsed(hashes);
    Map<String, List<Change.AuthFailed>> byTenant = new LinkedHashMap<>();
    for (Map.Entry<String, Source> e : w.sources.entrySet()) {
      summarize(e.getKey().isEmpty() ? null : e.getKey(), e.getValue(), known, byTenant);
    }
    if (!w.other.isEmpty()) {
      summarize(null, w.other, known, byTenant);
    }
    String requestId = "auth-failures-" + UUID.randomUUID();
    int written = 0;
    for (Map.Entry<String, List<Change.AuthFailed>> e : byTenant.entrySet()) {
      try {
        trail.recordAuthFailures(e.getKey(), requestId, e.getValue());
      } catch (ScimException gone) {
        if (gone.status() != 404 || e.getKey().equals(Scope.DEFAULT_TENANT)) {
          throw gone;
        }
        // The credential's tenant was deleted since: the server-level trail keeps them.
        trail.recordAuthFailures(Scope.DEFAULT_TENANT, requestId, e.getValue());
      }
      written += e.getValue().size();
    }
    return written;
  }

  /** One source's counts as summaries, each to the tenant whose journal it belongs in. */
  private void summarize(
      @Nullable String source,
      Source s,
      Map<String, Credentials.Lapsed> known,
      Map<String, List<Change.AuthFailed>> byTenant) {
    String none = Scope.DEFAULT_TENANT;
    add(byTenant, none, source, Reason.MALFORMED, s.malformed, null);
    add(byTenant, none, source, Reason.UNCHECKED, s.unchecked, null);
    Tally unknown = new Tally();
    for (Map.Entry<String, Tally> t : s.tokens.entrySet()) {
      Credentials.Lapsed k = known.get(t.getKey());
      Reason reason = k == null ? Reason.UNKNOWN : reason(k, t.getValue().last);
      if (k == null || reason == Reason.UNKNOWN) {
        unknown.add(t.getValue());
        continue;
      }
      add(
          byTenant,
          k.tenant(),
          source,
          reason,
          t.getValue(),
          new Change.AuthFailed.Credential(k.id(), k.hint(), k.clientId(), k.clientName()));
    }
    add(byTenant, none, source, Reason.UNKNOWN, unknown, null);
  }

  /**
   * Why a credential's token failed at {@code last}: a client secret sent as a bearer token, a
   * credential revoked (or its client deleted), one expired; {@link Reason#UNKNOWN} when it works
   * now (issued after the window's lookups, which a token hash makes all but impossible).
   */
  static Reason reason(Credentials.Lapsed k, Instant last) {
    if (k.kind() == Credentials.Kind.SECRET) {
      return Reason.CLIENT_SECRET;
    }
    if (k.revoked() != null || k.clientDeleted() != null) {
      return Reason.REVOKED;
    }
    Instant expires = k.expires();
    if (expires != null && !expires.isAfter(last)) {
      return Reason.EXPIRED;
    }
    return Reason.UNKNOWN;
  }

  private void add(
      Map<String, List<Change.AuthFailed>> byTenant,
      String tenant,
      @Nullable String source,
      Reason reason,
      Tally t,
      Change.AuthFailed.@Nullable Credential credential) {
    if (t.count == 0) {
      return;
    }
    byTenant
        .computeIfAbsent(tenant, k -> new ArrayList<>())
        .add(new Change.AuthFailed(source, reason, t.count, t.first, t.last, node, credential));
  }

  /** Stops the background thread, letting a write under way finish, and writes the open window. */
  @Override
  public void close() {
    ScheduledExecutorService t = timer;
    if (t != null) {
      t.shutdown();
      try {
        t.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flush();
  }

  /** Stops counting and writing at once, as a crash would: the open window is lost. */
  public void halt() {
    ScheduledExecutorService t = timer;
    if (t != null) {
      t.shutdownNow();
    }
  }

  /** How many failures, and the first and last (meaningless while the count is 0). */
  private static final class Tally {
    long count;
    Instant first = Instant.MAX;
    Instant last = Instant.MIN;

    void add(Instant at) {
      count++;
      first = at.isBefore(first) ? at : first;
      last = at.isAfter(last) ? at : last;
    }

    void add(Tally other) {
      if (other.count == 0) {
        return;
      }
      count += other.count;
      first = other.first.isBefore(first) ? other.first : first;
      last = other.last.isAfter(last) ? other.last : last;
    }
  }

  /** One source address's failures in a window. */
  private static final class Source {
    final Tally malformed = new Tally();
    final Tally unchecked = new Tally();
    final Map<String, Tally> tokens = new LinkedHashMap<>(); // by token hash, looked up later

    boolean isEmpty() {
      return malformed.count == 0 && unchecked.count == 0 && tokens.isEmpty();
    }

    long total() {
      long n = malformed.count + unchecked.count;
      for (Tally t : tokens.values()) {
        n += t.count;
      }
      return n;
    }
  }

  /** What one window counted: bounded whatever arrives ({@link #count}). */
  private static final class Window {
    final Map<String, Source> sources = new LinkedHashMap<>(); // "" for an unknown address
    final Source other = new Source();
    int tokens;

    void count(
        @Nullable String source, boolean malformed, @Nullable String hash, Instant at, int max) {
      String key = source == null ? "" : source;
      Source s = sources.get(key);
      boolean overflow = false;
      if (s == null) {
        if (sources.size() < max) {
          s = new Source();
          sources.put(key, s);
        } else {
          s = other;
          overflow = true;
        }
      }
      if (malformed || hash == null) {
        s.malformed.add(at);
        return;
      }
      Tally t = overflow ? null : s.tokens.get(hash);
      if (t == null
          && !overflow
          && s.tokens.size() < MAX_TOKENS_PER_SOURCE
          && tokens < MAX_TOKENS) {
        t = new Tally();
        s.tokens.put(hash, t);
        tokens++;
      }
      if (t != null) {
        t.add(at);
      } else {
        s.unchecked.add(at);
      }
    }

    boolean isEmpty() {
      return sources.isEmpty() && other.isEmpty();
    }

    long total() {
      long n = other.total();
      for (Source s : sources.values()) {
        n += s.total();
      }
      return n;
    }
  }
}
