package io.scimd.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on PostgreSQL, unchanged. One database per class (its own, dropped after);
 * each test starts on emptied tables.
 */
class PostgresStoreTest extends StoreContractTest {
  private static PgTestDatabase db;

  @BeforeAll
  static void createDatabase() {
    db = PgTestDatabase.create();
  }

  @AfterAll
  static void dropDatabase() {
    if (db != null) {
      db.close();
    }
  }

  static PoolSettings settings() {
    return PoolSettings.defaults().withMaxPoolSize(4);
  }

  @Override
  protected Store newStore(SchemaRegistry registry, InstantSource clock) {
    Store s = PostgresStore.open(db.url(), registry, clock, settings());
    db.truncate();
    return s;
  }

  @Override
  protected Store reopen(SchemaRegistry registry, InstantSource clock) {
    store.close();
    return PostgresStore.open(db.url(), registry, clock, settings());
  }

  @Override
  protected Connection inspect() throws SQLException {
    return db.connect();
  }
}
