package io.scimd.access;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link AccessIndex} of each tenant on one store, and the check that makes each decision
 * exact: before it, one cheap query asks the store for the tenant's journal head ({@link
 * Store#journalHead}) and the index catches up when it is behind, so a change committed on any node
 * counts in every node's next decision.
 *
 * <p>With a {@code staleness} above zero, a node skips that query for that long after the last one,
 * for operators who trade bounded staleness for throughput; a write made through this node ({@link
 * #written}) still counts at once, since it makes the next decision of every tenant ask again.
 *
 * <p>A tenant with more users and agents than {@code maxIdentities} is not indexed: its decisions
 * read the store ({@link StoreDirectory}), logged once per tenant, and the count is looked at again
 * every {@link #RECOUNT}.
 */
final class AccessIndexes {
  private static final Logger LOG = LoggerFactory.getLogger(AccessIndexes.class);

  /** How long a tenant too large to index reads the store before its size is counted again. */
  static final Duration RECOUNT = Duration.ofMinutes(5);

  private final Store store;
  private final SchemaRegistry registry;
  private final Applications compiler;
  private final AccessSettings settings;
  private final Map<String, Slot> slots = new ConcurrentHashMap<>();

  /** Bumped by every write made through this node: the next decisions ask the store again. */
  private final AtomicLong writes = new AtomicLong();

  AccessIndexes(
      Store store, SchemaRegistry registry, Applications compiler, AccessSettings settings) {
    this.store = store;
    this.registry = registry;
    this.compiler = compiler;
    this.settings = settings;
  }

  /** A write through this node committed: the next decision of every tenant checks the head. */
  void written() {
    writes.incrementAndGet();
  }

  /**
   * The tenant's index brought up to date for a decision now; empty when the tenant is not indexed
   * (too large).
   */
  Optional<AccessIndex> fresh(Scope scope) {
    Slot slot = slots.computeIfAbsent(scope.tenant(), t -> new Slot());
    long now = System.nanoTime();
    if (slot.refusedUntil != 0 && now - slot.refusedUntil < 0) {
      return Optional.empty();
    }
    long epoch = writes.get(); // read before the head: a write after it makes the next one ask
    AccessIndex index = slot.index;
    if (index == null) {
      index = build(slot, scope, now);
      if (index == null) {
        return Optional.empty();
      }
    } else if (settings.staleness().isZero()
        || slot.checkedEpoch != epoch
        || now - slot.checkedAt >= settings.staleness().toNanos()) {
      long head = store.journalHead(scope.tenant());
      if (!index.catchUp(head, settings.maxIdentities())) {
        refuse(slot, scope, index.identities(), now);
        return Optional.empty();
      }
    } else {
      return Optional.of(index);
    }
    slot.checkedAt = now;
    slot.checkedEpoch = epoch;
    return Optional.of(index);
  }

  private @Nullable AccessIndex build(Slot slot, Scope scope, long now) {
    slot.building.lock();
    try {
      AccessIndex index = slot.index;
      if (index != null) {
        // Built by another decision meanwhile, from a snapshot taken after this one began.
        return index;
      }
      long[] counted = new long[1];
      Optional<AccessIndex> built =
          AccessIndex.build(
              store,
              Scope.system(scope.tenant(), "access-index"),
              registry,
              compiler,
              settings.maxIdentities(),
              counted);
      if (built.isEmpty()) {
        refuse(slot, scope, counted[0], now);
        return null;
      }
      slot.refused = false;
      slot.refusedUntil = 0;
      slot.index = built.get();
      return built.get();
    } finally {
      slot.building.unlock();
    }
  }

  private void refuse(Slot slot, Scope scope, long identities, long now) {
    slot.index = null;
    slot.refusedUntil = now + RECOUNT.toNanos();
    if (slot.refusedUntil == 0) {
      slot.refusedUntil = 1;
    }
    if (!slot.refused) {
      slot.refused = true;
      LOG.warn(
          "access decisions of tenant '{}' read the store: it has {} users and agents, more than"
              + " the {} a node indexes in memory (--access-index-max)",
          scope.tenant(),
          identities,
          settings.maxIdentities());
    }
  }

  /** One tenant's index and when its head was last checked. */
  private static final class Slot {
    final ReentrantLock building = new ReentrantLock();
    volatile @Nullable AccessIndex index;
    volatile long checkedAt;
    volatile long checkedEpoch = -1;
    volatile long refusedUntil;
    volatile boolean refused;
  }
}
