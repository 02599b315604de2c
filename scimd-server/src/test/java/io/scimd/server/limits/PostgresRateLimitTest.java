package io.scimd.server.limits;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link RateLimitTest} with the server on PostgreSQL, where it also exchanges its usage through
 * the store: what a node admitted itself must never be charged to it a second time.
 */
class PostgresRateLimitTest extends RateLimitTest {
  private PgTestDatabase db;

  @Override
  ServerConfig base() {
    db = PgTestDatabase.createOrSkipEachTest();
    PgTestDatabase.require(db);
    return TestServer.config(db, 4);
  }

  @AfterEach
  @Override
  void stop() {
    super.stop();
    if (db != null) {
      db.close();
    }
  }
}
