package io.scimd.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token buckets on a clock the test moves: exact counts and waits, no sleeping. */
class BucketsTest {
  static final long SECOND = 1_000_000_000L;

  final AtomicLong nanos = new AtomicLong(7 * SECOND);

  Buckets buckets(String rate, Integer burst, int maxKeys) {
    return new Buckets(Rate.parse(rate, burst), maxKeys, nanos::get);
  }

  @Test
  void take_admitsTheBurst_thenSaysHowLongUntilTheNextToken() {
    Buckets b = buckets("10/s", 5, 100);
    for (int i = 0; i < 5; i++) {
      assertThat(b.take("c")).as("request %d", i).isZero();
    }
    assertThat(b.take("c")).isEqualTo(SECOND / 10);
    nanos.addAndGet(SECOND / 10 - 1);
    assertThat(b.take("c")).isEqualTo(1);
    nanos.addAndGet(1);
    assertThat(b.take("c")).isZero();
    assertThat(b.take("c")).isEqualTo(SECOND / 10);
  }

  @Test
  void take_afterAQuietSpell_admitsAtMostTheBurst() {
    Buckets b = buckets("10/s", 5, 100);
    b.take("c");
    nanos.addAndGet(3600 * SECOND);
    int admitted = 0;
    while (b.take("c") == 0) {
      admitted++;
    }
    assertThat(admitted).isEqualTo(5);
  }

  @Test
  void take_sustained_admitsTheRate() {
    Buckets b = buckets("100/s", 200, 100);
    int admitted = 0;
    for (int ms = 0; ms < 10_000; ms++) {
      while (b.take("c") == 0) {
        admitted++;
      }
      nanos.addAndGet(SECOND / 1000);
    }
    // The burst, then 100 a second for 10 s.
    assertThat(admitted).isBetween(200 + 999, 200 + 1001);
  }

  @Test
  void keys_haveBucketsOfTheirOwn() {
    Buckets b = buckets("1/m", 1, 100);
    assertThat(b.take("a")).isZero();
    assertThat(b.take("a")).isEqualTo(60 * SECOND);
    assertThat(b.take("b")).isZero();
  }

  @Test
  void waitNanos_takesNothing_andCreatesNothing() {
    Buckets b = buckets("10/m", null, 100);
    assertThat(b.waitNanos("x")).isZero();
    assertThat(b.isEmpty()).isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(b.charge("x", 1)).as("failure %d", i).isEqualTo(i < 9 ? 0 : 6 * SECOND);
    }
    assertThat(b.waitNanos("x")).isEqualTo(6 * SECOND);
    assertThat(b.waitNanos("x")).isEqualTo(6 * SECOND);
    nanos.addAndGet(6 * SECOND);
    assertThat(b.waitNanos("x")).isZero();
  }

  @Test
  void charge_takesTokensItDoesNotHave_andTheDebtIsPaidBackAtTheRate() {
    Buckets b = buckets("10/s", 10, 100);
    // Another node admitted 30: the bucket owes 20 tokens, two seconds' worth, plus one to take.
    assertThat(b.charge("c", 30)).isEqualTo(2 * SECOND + SECOND / 10);
    assertThat(b.take("c")).isEqualTo(2 * SECOND + SECOND / 10);
    nanos.addAndGet(2 * SECOND + SECOND / 10);
    assertThat(b.take("c")).isZero();
    assertThat(b.take("c")).isEqualTo(SECOND / 10);
  }

  @Test
  void concurrentTakes_admitExactlyTheBurst() throws Exception {
    Buckets b = buckets("1/h", 500, 100);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<Integer>> counts = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        counts.add(
            pool.submit(
                () -> {
                  go.await();
                  int n = 0;
                  for (int i = 0; i < 1000; i++) {
                    if (b.take("c") == 0) {
                      n++;
                    }
                  }
                  return n;
                }));
      }
      go.countDown();
      int total = 0;
      for (Future<Integer> f : counts) {
        total += f.get(30, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(500);
      assertThat(b.all().get("c").taken.sum()).isEqualTo(500);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void manyKeys_keepTheMapBounded_droppingFullBucketsFirst() {
    Buckets b = buckets("10/m", null, 1000);
    // One address that failed over and over, then 100,000 addresses that failed once each.
    for (int i = 0; i < 10; i++) {
      b.charge("persistent", 1);
    }
    for (int i = 0; i < 100_000; i++) {
      b.charge("10.0." + (i / 256) + "." + (i % 256), 1);
      nanos.addAndGet(1000);
    }
    assertThat(b.size()).isLessThanOrEqualTo(1000);
    // The emptiest bucket is the last to go: the address that failed most is still held (its
    // next token comes 6 s after its last failure).
    assertThat(b.waitNanos("persistent")).isGreaterThan(Duration.ofSeconds(5).toNanos());
    // Buckets full again hold nothing a new one would not: at the cap they go first, all of them.
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    int fresh = 0;
    while (b.size() < 1000) {
      b.charge("fresh-" + fresh++, 1);
    }
    b.charge("new", 1);
    assertThat(b.size()).isEqualTo(fresh + 1);
    assertThat(b.waitNanos("persistent")).isZero();
  }

  @Test
  void anOffRate_hasNoBuckets() {
    assertThatThrownBy(() -> new Buckets(Rate.OFF, 10, nanos::get))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
