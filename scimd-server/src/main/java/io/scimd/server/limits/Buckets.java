package io.scimd.server.limits;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Token buckets by key, all of one {@link Rate}: a client's requests by its key, or failed
 * authentications by source address. Taking a token costs a {@link ConcurrentHashMap} lookup and
 * one compare-and-set, whatever the number of keys.
 *
 * <p>Each bucket is one {@code long}, as the generic cell rate algorithm keeps it (ITU-T I.371; the
 * token bucket in another form): its theoretical arrival time {@code tat}, the instant at which the
 * bucket will be full again. With {@code T} the interval between two tokens and {@code B} the
 * burst, a token is taken at {@code now} when {@code max(tat, now) + T - now <= B * T}, and then
 * {@code tat} moves to {@code max(tat, now) + T}. Otherwise the bucket is empty, and {@code
 * max(tat, now) + T - now - B * T} is exactly how long until it holds a token again: what {@code
 * Retry-After} says. Tokens taken elsewhere ({@link #charge}: another node's requests, learnt
 * through the store) move {@code tat} the same way without asking, so the bucket may go into debt
 * and refuse until the rate has paid it back.
 *
 * <p>Memory is bounded: beyond {@code maxKeys} keys the buckets that are full again (which hold no
 * state a new bucket would not) are dropped, and when that is not enough, the fullest of the rest,
 * down to nine tenths of {@code maxKeys}. So a flood from many keys can cost a few megabytes and
 * forgive some of its own keys early, never exhaust the heap.
 */
public final class Buckets {
  private final Rate rate;
  private final long interval;
  private final long capacity; // B * T: how far ahead of now tat may run
  private final int maxKeys;
  private final LongSupplier ticker;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final ReentrantLock evicting = new ReentrantLock();

  /** One key's bucket, and what the store exchange knows of it ({@link UsageExchange}). */
  static final class Bucket {
    final AtomicLong tat;

    /** Tokens taken here ({@link #take}), ever: what this node tells the other nodes. */
    final LongAdder taken = new LongAdder();

    /** Of {@link #taken}, how many the exchange has published (its thread only). */
    long published;

    /** The key's total over every node when the exchange last saw it; -1 before (its thread). */
    long seenTotal = -1;

    Bucket(long now) {
      this.tat = new AtomicLong(now);
    }
  }

  /**
   * @param rate the rate of every bucket (on)
   * @param maxKeys how many keys are kept before full buckets are dropped
   * @param ticker a monotonic nanosecond counter ({@code System::nanoTime})
   */
  public Buckets(Rate rate, int maxKeys, LongSupplier ticker) {
    if (!rate.on()) {
      throw new IllegalArgumentException("no buckets for a rate that is off");
    }
    this.rate = rate;
    this.interval = rate.intervalNanos();
    try {
      this.capacity = Math.multiplyExact((long) rate.burst(), interval);
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException(
          "a burst of " + rate.burst() + " at " + rate + " is too large", e);
    }
    this.maxKeys = maxKeys;
    this.ticker = ticker;
  }

  public Rate rate() {
    return rate;
  }

  /**
   * Takes a token from {@code key}'s bucket: 0 when it had one, else how many nanoseconds until it
   * will have one (nothing taken).
   */
  public long take(String key) {
    long now = ticker.getAsLong();
    Bucket b = bucket(key, now);
    AtomicLong tat = b.tat;
    while (true) {
      long t = tat.get();
      long next = Math.max(t, now) + interval;
      long wait = next - now - capacity;
      if (wait > 0) {
        return wait;
      }
      if (tat.compareAndSet(t, next)) {
        b.taken.increment();
        return 0;
      }
    }
  }

  /**
   * How many nanoseconds until {@code key}'s bucket has a token; 0 when it has one now. Takes
   * nothing, creates nothing.
   */
  public long waitNanos(String key) {
    Bucket b = buckets.get(key);
    if (b == null) {
      return 0;
    }
    long now = ticker.getAsLong();
    return Math.max(0, Math.max(b.tat.get(), now) + interval - now - capacity);
  }

  /**
   * Takes {@code n} tokens from {@code key}'s bucket whether it has them or not: the bucket goes
   * into debt. Returns how many nanoseconds until it has a token again (0: it has one now).
   */
  public long charge(String key, long n) {
    long now = ticker.getAsLong();
    return charge(bucket(key, now), n, now);
  }

  long charge(Bucket b, long n, long now) {
    long add = n > Long.MAX_VALUE / 4 / interval ? Long.MAX_VALUE / 4 : n * interval;
    long next = b.tat.accumulateAndGet(0, (t, ignored) -> Math.max(t, now) + add);
    return Math.max(0, next + interval - now - capacity);
  }

  /** True when no key has a bucket: nothing has been taken since the start, or all was dropped. */
  public boolean isEmpty() {
    return buckets.isEmpty();
  }

  /** How many keys have a bucket now. */
  public int size() {
    return buckets.size();
  }

  long now() {
    return ticker.getAsLong();
  }

  long interval() {
    return interval;
  }

  Map<String, Bucket> all() {
    return buckets;
  }

  /** {@code key}'s bucket, a full new one when it has none. */
  Bucket bucket(String key, long now) {
    Bucket b = buckets.get(key);
    if (b != null) {
      return b;
    }
    if (buckets.size() >= maxKeys) {
      evict(now);
    }
    return buckets.computeIfAbsent(key, k -> new Bucket(now));
  }

  /**
   * Drops the full buckets; when more than nine tenths of {@code maxKeys} remain, also the fullest
   * of the rest (the smallest {@code tat}) down to that. One thread evicts at a time; the others go
   * on (the map may briefly hold a few keys more than {@code maxKeys}).
   */
  private void evict(long now) {
    if (!evicting.tryLock()) {
      return;
    }
    try {
      buckets.values().removeIf(b -> b.tat.get() <= now);
      int keep = maxKeys - maxKeys / 10;
      int excess = buckets.size() - keep;
      if (excess <= 0) {
        return;
      }
      List<Map.Entry<String, Bucket>> all = new ArrayList<>(buckets.entrySet());
      all.sort(Comparator.comparingLong(e -> e.getValue().tat.get()));
      for (int i = 0; i < excess && i < all.size(); i++) {
        buckets.remove(all.get(i).getKey(), all.get(i).getValue());
      }
    } finally {
      evicting.unlock();
    }
  }
}
