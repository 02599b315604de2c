package io.scimd.server.events;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link SecurityEventsTest} on PostgreSQL, a fresh database per test: streams as targets, their
 * leases and cursors, and the journal they are read from, in the database nodes share.
 */
class PostgresSecurityEventsTest extends SecurityEventsTest {
  private PgTestDatabase db;

  @BeforeEach
  @Override
  void start() throws Exception {
    db = PgTestDatabase.createOrSkipEachTest();
    PgTestDatabase.require(db);
    super.start();
  }

  @Override
  ServerConfig config() {
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
