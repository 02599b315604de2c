package io.scimd.server.audit;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * {@link AuditTrailTest} with the server on PostgreSQL, a fresh database per test, tampered with in
 * SQL on that database.
 */
class PostgresAuditTrailTest extends AuditTrailTest {
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
    return TestServer.config(db, 4)
        .withAudit(AuditSettings.DEFAULTS.withCheckpoints(Duration.ZERO, 10_000));
  }

  /**
   * PostgreSQL's journal counter ({@code clocks.journal_seq}) still says how far numbering went.
   */
  @Override
  boolean seesTruncationAfterTheLastCheckpoint() {
    return true;
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
