package io.scimd.sync;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link DeliveryTest} on PostgreSQL, a fresh database per test: the claim skips locked rows, and
 * two workers (two nodes' worth) share the leases through the database.
 */
class PostgresDeliveryTest extends DeliveryTest {
  private PgTestDatabase db;

  @Override
  Store open() {
    db = PgTestDatabase.require(PgTestDatabase.createOrSkipEachTest());
    return Stores.postgres(
        db.url(), SchemaRegistry.builtIn(), InstantSource.system(), PoolSettings.defaults());
  }

  @AfterEach
  void dropDatabase() {
    if (db != null) {
      db.close();
    }
  }
}
