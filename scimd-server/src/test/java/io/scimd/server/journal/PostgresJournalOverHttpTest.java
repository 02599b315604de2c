package io.scimd.server.journal;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.service.ServiceConfig;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import java.nio.file.Files;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** {@link JournalOverHttpTest} with the server on PostgreSQL, a fresh database per test. */
class PostgresJournalOverHttpTest extends JournalOverHttpTest {
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
    return new ServerConfig("127.0.0.1", 0, Files.createTempDirectory("scimd-journal"), null, TestServer.TOKEN, ServiceConfig.DEFAULTS)
        .withDatabase(db.url(), PoolSettings.defaults().withMaxPoolSize(4));
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
