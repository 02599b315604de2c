package io.scimd.server.audit;

import io.scimd.store.AuditReader;
import io.scimd.store.AuditRecord;
import io.scimd.store.AuditTrail;
import io.scimd.store.Checkpoint;
import java.security.PublicKey;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server does for its audit trail while it runs: signs a checkpoint of each tenant's chain
 * head when entries have waited {@link AuditSettings#checkpointInterval} or {@link
 * AuditSettings#checkpointEntries} have accumulated, and once an hour prunes entries older than
 * {@link AuditSettings#retention} (docs/decisions/0009-audit-trail.md).
 *
 * <p>Several nodes on one PostgreSQL database each do the same without coordinating: a checkpoint
 * is keyed by (tenant, seq), so when two nodes sign the same head one insert wins and the other
 * stores nothing, and neither waits for the other. Pruning deletes the same old rows from either.
 *
 * <p>Pruning keeps the remaining chain verifiable: it deletes only entries before a checkpoint
 * whose entry is itself older than the retention, keeps that entry (a later verification starts
 * from the checkpoint, which vouches for it), and first verifies what it is about to delete, so
 * that the evidence of tampering is never pruned away: a range that does not verify is kept and
 * logged.
 */
public final class AuditMaintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditMaintenance.class);

  /** How often the server looks whether a checkpoint is due: at most this long after it is. */
  private static final Duration MAX_TICK = Duration.ofSeconds(5);

  private static final long PRUNE_EVERY_NANOS = TimeUnit.HOURS.toNanos(1);

  private final AuditTrail trail;
  private final AuditKey key;
  private final AuditSettings settings;
  private final InstantSource clock;
  private final @Nullable ScheduledExecutorService timer;
  private long lastPrune;
  private boolean pruned;

  private AuditMaintenance(
      AuditTrail trail,
      AuditKey key,
      AuditSettings settings,
      InstantSource clock,
      boolean periodic) {
    this.trail = trail;
    this.key = key;
    this.settings = settings;
    this.clock = clock;
    if (periodic && !settings.checkpointInterval().isZero()) {
      ScheduledExecutorService t =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread th = new Thread(r, "scimd-audit");
                th.setDaemon(true);
                return th;
              });
      long period =
          Math.max(100, Math.min(settings.checkpointInterval().toMillis(), MAX_TICK.toMillis()));
      // A random first delay: nodes started together do not all look at the same moment.
      t.scheduleWithFixedDelay(
          this::tick, ThreadLocalRandom.current().nextLong(period), period, TimeUnit.MILLISECONDS);
      this.timer = t;
    } else {
      this.timer = null;
    }
  }

  /**
   * Records {@code key}'s public key in the store and, unless periodic checkpoints are off, starts
   * signing them and pruning on a background thread.
   */
  public static AuditMaintenance start(
      AuditTrail trail, AuditKey key, AuditSettings settings, InstantSource clock) {
    trail.addKey(key.id(), key.publicKeyBase64());
    return new AuditMaintenance(trail, key, settings, clock, true);
  }

  /** The same work on demand, without a background thread (the CLI, tests). */
  public static AuditMaintenance onDemand(
      AuditTrail trail, AuditKey key, AuditSettings settings, InstantSource clock) {
    trail.addKey(key.id(), key.publicKeyBase64());
    return new AuditMaintenance(trail, key, settings, clock, false);
  }

  private synchronized void tick() {
    try {
      checkpoint(false);
      long now = System.nanoTime();
      if (settings.retention() != null && (!pruned || now - lastPrune >= PRUNE_EVERY_NANOS)) {
        pruned = true;
        lastPrune = now;
        prune();
      }
    } catch (RuntimeException e) {
      // The next tick tries again; a database that is away for a while must not stop the thread.
      LOG.warn("audit checkpoint or pruning failed: {}", e.getMessage());
    }
  }

  /** Signs a checkpoint of every tenant whose newest entry no checkpoint covers yet. */
  public synchronized List<Checkpoint> checkpointNow() {
    return checkpoint(true);
  }

  /** A tenant's head and what its latest checkpoint and oldest unsigned entry say. */
  private record Due(String tenant, AuditRecord head, long signedUpTo, long oldestUnsignedAt) {}

  private List<Checkpoint> checkpoint(boolean force) {
    List<Due> heads =
        trail.read(
            r -> {
              List<Due> out = new ArrayList<>();
              for (String t : r.tenants()) {
                Optional<AuditRecord> head = r.head(t);
                if (head.isEmpty() || head.get().hash() == null) {
                  continue; // nothing to sign, or not chained yet
                }
                long signed = r.latestCheckpoint(t).map(Checkpoint::seq).orElse(0L);
                if (head.get().seq() <= signed) {
                  continue;
                }
                List<AuditRecord> next = r.records(t, signed, 1);
                long oldest = next.isEmpty() ? head.get().at() : next.get(0).at();
                out.add(new Due(t, head.get(), signed, oldest));
              }
              return out;
            });
    long now = micros();
    List<Checkpoint> made = new ArrayList<>();
    for (Due d : heads) {
      boolean due =
          force
              || d.head().seq() - d.signedUpTo() >= settings.checkpointEntries()
              || now - d.oldestUnsignedAt() >= settings.checkpointInterval().toNanos() / 1_000;
      String hash = d.head().hash();
      if (!due || hash == null) {
        continue;
      }
      Checkpoint cp = key.checkpoint(d.tenant(), d.head().seq(), hash, now);
      if (trail.addCheckpoint(cp)) {
        made.add(cp);
      }
    }
    return made;
  }

  /**
   * Prunes each tenant's entries older than the retention, from the newest checkpoint whose entry
   * is older than it (nothing without a retention).
   *
   * @return how many entries were deleted
   */
  public synchronized long prune() {
    Duration retention = settings.retention();
    if (retention == null) {
      return 0;
    }
    long cutoff = micros() - retention.toNanos() / 1_000;
    Map<String, Long> upTo =
        trail.read(
            r -> {
              Map<String, PublicKey> keys = storeKeys(r);
              Map<String, Long> out = new HashMap<>();
              for (String t : r.tenants()) {
                List<AuditRecord> first = r.records(t, 0, 1);
                if (first.isEmpty()) {
                  continue;
                }
                Optional<Checkpoint> cp = pruneTo(r, t, keys, cutoff, first.get(0).seq());
                if (cp.isEmpty()) {
                  continue;
                }
                Verification.TenantReport report = Verification.tenant(r, t, keys, cp.get().seq());
                if (!report.problems().isEmpty()) {
                  LOG.error(
                      "audit retention: not pruning tenant \"{}\" up to entry {}: the entries to be deleted do not verify ({}); run scimd audit verify",
                      t,
                      cp.get().seq(),
                      report.problems().get(0));
                  continue;
                }
                out.put(t, cp.get().seq());
              }
              return out;
            });
    long deleted = 0;
    for (Map.Entry<String, Long> e : upTo.entrySet()) {
      long n = trail.prune(e.getKey(), e.getValue());
      if (n > 0) {
        LOG.info(
            "audit retention: pruned {} entries of tenant \"{}\" before entry {}",
            n,
            e.getKey(),
            e.getValue());
      }
      deleted += n;
    }
    return deleted;
  }

  /**
   * The newest valid checkpoint of the tenant after its first entry whose own entry is older than
   * {@code cutoff} and has the hash it signed.
   */
  private static Optional<Checkpoint> pruneTo(
      AuditReader r, String tenant, Map<String, PublicKey> keys, long cutoff, long first) {
    List<Checkpoint> all = r.checkpoints(tenant);
    for (int i = all.size() - 1; i >= 0; i--) {
      Checkpoint cp = all.get(i);
      if (cp.seq() <= first) {
        break;
      }
      PublicKey k = keys.get(cp.keyId());
      if (k == null || !AuditKey.verify(cp, k)) {
        continue;
      }
      List<AuditRecord> entry = r.records(tenant, cp.seq() - 1, 1);
      if (!entry.isEmpty()
          && entry.get(0).seq() == cp.seq()
          && entry.get(0).at() < cutoff
          && cp.hash().equals(entry.get(0).hash())) {
        return Optional.of(cp);
      }
    }
    return Optional.empty();
  }

  private static Map<String, PublicKey> storeKeys(AuditReader r) {
    Map<String, PublicKey> out = new HashMap<>();
    r.keys()
        .forEach(
            (id, pub) -> {
              try {
                PublicKey k = AuditKey.publicKey(pub);
                if (AuditKey.id(k).equals(id)) {
                  out.put(id, k);
                }
              } catch (IllegalArgumentException e) {
                // not a key: signatures by it do not count
              }
            });
    return out;
  }

  private long micros() {
    var t = clock.instant();
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  /** Stops at once, signing nothing more: what a crash leaves. */
  public void halt() {
    ScheduledExecutorService t = timer;
    if (t != null) {
      t.shutdownNow();
    }
  }

  /**
   * Stops, then signs the heads that moved since the last checkpoint, so that a stopped server's
   * trail is signed to its end.
   */
  @Override
  public void close() {
    halt();
    ScheduledExecutorService t = timer;
    try {
      if (t != null && !t.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("audit maintenance did not stop within 5 s");
      }
      if (t != null) {
        checkpointNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      LOG.warn("the final audit checkpoint failed: {}", e.getMessage());
    }
  }
}
