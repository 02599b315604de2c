package io.scimd.server.limits;

import io.scimd.store.RateUsage;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the nodes on one database hold one client rate between them
 * (docs/decisions/0012-limits.md): every {@link #PERIOD} each node adds to the store's totals what
 * its buckets admitted since its last exchange, reads the totals that changed lately, and charges
 * its own bucket of each key with what the other nodes admitted meanwhile (the total's growth less
 * its own addition). Each node's bucket of a key thus drains with every node's requests, a period
 * late for the others' ones: N nodes together admit about the rate, not N times it.
 *
 * <p>Requests never wait for this: they only touch their node's buckets. A database that does not
 * answer leaves each node on its own until it does (what was not published is published then). What
 * the others admitted while this node could not look is charged at most a burst plus the rate over
 * the time since its last exchange, so a long outage does not end in a long refusal.
 */
public final class UsageExchange implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(UsageExchange.class);

  /** How often a node exchanges: the others' requests reach its buckets this much later. */
  public static final Duration PERIOD = Duration.ofMillis(200);

  /**
   * How far back a node reads the keys others added to. Far more than {@link #PERIOD}, so that a
   * node late for a few exchanges, or a clock a few seconds off another node's, misses nothing.
   */
  static final Duration WINDOW = Duration.ofSeconds(10);

  /** A key no node added to for this long is deleted from the store. */
  static final Duration KEEP = Duration.ofHours(1);

  private static final long PRUNE_EVERY_NANOS = TimeUnit.MINUTES.toNanos(5);

  private final Buckets buckets;
  private final RateUsage usage;
  private final InstantSource clock;
  private final @Nullable ScheduledExecutorService timer;
  private long lastExchange;
  private long lastPrune;
  private boolean failing;

  private UsageExchange(Buckets buckets, RateUsage usage, InstantSource clock, boolean periodic) {
    this.buckets = buckets;
    this.usage = usage;
    this.clock = clock;
    this.lastExchange = buckets.now();
    this.lastPrune = lastExchange;
    if (periodic) {
      ScheduledExecutorService t =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread th = new Thread(r, "scimd-rate-exchange");
                th.setDaemon(true);
                return th;
              });
      long period = PERIOD.toMillis();
      // A random first delay: nodes started together do not all exchange at the same moment.
      t.scheduleWithFixedDelay(
          this::tick, ThreadLocalRandom.current().nextLong(period), period, TimeUnit.MILLISECONDS);
      this.timer = t;
    } else {
      this.timer = null;
    }
  }

  /** Exchanges {@code buckets}' usage through {@code usage} every {@link #PERIOD}. */
  public static UsageExchange start(Buckets buckets, RateUsage usage, InstantSource clock) {
    return new UsageExchange(buckets, usage, clock, true);
  }

  /** The same without a timer: each {@link #exchange} call is one exchange (tests). */
  static UsageExchange onDemand(Buckets buckets, RateUsage usage, InstantSource clock) {
    return new UsageExchange(buckets, usage, clock, false);
  }

  private void tick() {
    try {
      exchange();
      if (failing) {
        failing = false;
        LOG.info("client rate limits: exchanging usage with the other nodes again");
      }
    } catch (RuntimeException e) {
      // Each node limits on its own meanwhile; the next tick tries again.
      if (!failing) {
        failing = true;
        LOG.warn(
            "client rate limits: cannot exchange usage with the other nodes, each node limits on"
                + " its own until it can: {}",
            e.getMessage());
      }
    }
  }

  /** One exchange: publish this node's usage, charge the others' to this node's buckets. */
  synchronized void exchange() {
    long now = buckets.now();
    Instant wall = clock.instant();
    SortedMap<String, Long> added = new TreeMap<>();
    Map<Buckets.Bucket, Long> sums = new HashMap<>();
    for (Map.Entry<String, Buckets.Bucket> e : buckets.all().entrySet()) {
      Buckets.Bucket b = e.getValue();
      long sum = b.taken.sum();
      if (sum > b.published) {
        added.put(e.getKey(), sum - b.published);
        sums.put(b, sum);
      }
    }
    Map<String, Long> totals = usage.exchange(added, wall, wall.minus(WINDOW));
    sums.forEach((b, sum) -> b.published = sum);
    // The most the others can have been admitted since this node last looked, had they kept the
    // rate: more would be a count from before an outage, or a node with another configuration.
    long elapsed = Math.max(0, now - lastExchange);
    long most = buckets.rate().burst() + elapsed / buckets.interval() + 1;
    lastExchange = now;
    for (Map.Entry<String, Long> e : totals.entrySet()) {
      Buckets.Bucket b = buckets.bucket(e.getKey(), now);
      long total = e.getValue();
      long own = added.getOrDefault(e.getKey(), 0L);
      if (b.seenTotal >= 0 && total >= b.seenTotal + own) {
        long others = total - b.seenTotal - own;
        if (others > 0) {
          buckets.charge(b, Math.min(others, most), now);
        }
      }
      // Else the first sight of this key here, or its row was pruned and begun again: from now.
      b.seenTotal = total;
    }
    if (now - lastPrune >= PRUNE_EVERY_NANOS) {
      lastPrune = now;
      int pruned = usage.prune(wall.minus(KEEP));
      if (pruned > 0) {
        LOG.debug("client rate limits: deleted {} totals unused for {}", pruned, KEEP);
      }
    }
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
