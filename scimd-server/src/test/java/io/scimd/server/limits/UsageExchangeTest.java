package io.scimd.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two nodes' buckets exchanging their usage through one real store, one exchange at a time, on
 * clocks the test moves: what one node admits is charged to the other's bucket of the same key.
 */
class UsageExchangeTest {
  static final long SECOND = 1_000_000_000L;

  final List<AutoCloseable> open = new ArrayList<>();
  final AtomicLong clockA = new AtomicLong(5 * SECOND);
  final AtomicLong clockB = new AtomicLong(-40 * SECOND); // nanoTime differs between processes

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void onSqlite_whatOneNodeAdmits_isChargedToTheOther() throws Exception {
    Path dir = Files.createTempDirectory("scimd-exchange");
    Store store = Stores.sqlite(dir, SchemaRegistry.builtIn(), InstantSource.system());
    open.add(store);
    exchangesCharge(store, store);
  }

  @Test
  void onPostgresql_whatOneNodeAdmits_isChargedToTheOther() throws Exception {
    PgTestDatabase db = PgTestDatabase.createOrSkipEachTest();
    PgTestDatabase.require(db);
    open.add(db);
    Store a = pg(db);
    Store b = pg(db);
    exchangesCharge(a, b);
  }

  private Store pg(PgTestDatabase db) {
    Store s =
        Stores.postgres(
            db.url(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(2));
    open.add(s);
    return s;
  }

  private void exchangesCharge(Store storeA, Store storeB) {
    Rate rate = Rate.parse("10/s", 10);
    Buckets a = new Buckets(rate, 100, clockA::get);
    Buckets b = new Buckets(rate, 100, clockB::get);
    UsageExchange nodeA = UsageExchange.onDemand(a, storeA.rateUsage(), InstantSource.system());
    UsageExchange nodeB = UsageExchange.onDemand(b, storeB.rateUsage(), InstantSource.system());

    // A admits its whole burst; B learns of the key (its first sight charges nothing).
    assertThat(takeAll(a, "client")).isEqualTo(10);
    nodeA.exchange();
    nodeB.exchange();
    assertThat(b.waitNanos("client")).isZero();

    // A second later A admits ten more: B's bucket of the key drains by them.
    clockA.addAndGet(SECOND);
    clockB.addAndGet(SECOND / 5);
    assertThat(takeAll(a, "client")).isEqualTo(10);
    nodeA.exchange();
    nodeB.exchange();
    assertThat(b.take("client")).as("B after A's ten").isGreaterThan(0);

    // B's own admissions reach A the same way, and A's own are never charged back to it.
    clockB.addAndGet(2 * SECOND);
    assertThat(takeAll(b, "client")).isEqualTo(10);
    clockA.addAndGet(2 * SECOND);
    nodeB.exchange();
    nodeA.exchange();
    assertThat(takeAll(a, "client")).as("A after B's ten").isZero();
    nodeA.exchange();
    nodeB.exchange();
    clockA.addAndGet(SECOND);
    assertThat(takeAll(a, "client")).as("A a second later: ten tokens, no more").isEqualTo(10);

    // A key another node served alone: B has a bucket of it from the store, and pays for it.
    assertThat(takeAll(a, "other")).isEqualTo(10);
    nodeA.exchange();
    nodeB.exchange();
    clockA.addAndGet(SECOND);
    assertThat(takeAll(a, "other")).isEqualTo(10);
    nodeA.exchange();
    nodeB.exchange();
    assertThat(b.take("other")).as("B, never asked for the key").isGreaterThan(0);
  }

  /** Takes tokens from {@code key} until refused; how many it got. */
  private static int takeAll(Buckets buckets, String key) {
    int n = 0;
    while (buckets.take(key) == 0) {
      n++;
    }
    return n;
  }
}
