package io.scimd.server.access;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** {@link AccessHistoryOverHttpTest} with the server on PostgreSQL, a fresh database per test. */
class PostgresAccessHistoryOverHttpTest extends AccessHistoryOverHttpTest {
  private PgTestDatabase db;

  @BeforeEach
  @Override
  void start() throws Exception {
    db = PgTestDatabase.createOrSkipEachTest();
    PgTestDatabase.require(db);
    super.start();
  }

  @Override
  ServerConfig config() throws Exception {
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
