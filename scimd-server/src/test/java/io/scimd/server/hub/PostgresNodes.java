package io.scimd.server.hub;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Nodes of scimd on one PostgreSQL database and one hub key, as a deployment runs them: a fresh
 * database for the test class (each test skipped without PostgreSQL), dropped after it; the nodes a
 * test started are closed after the test. Register it as a static {@code @RegisterExtension}.
 */
final class PostgresNodes implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
  private PgTestDatabase db;
  private Path key;
  private final List<TestServer> started = new ArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    db = PgTestDatabase.createOrSkipEachTest();
    key = Files.createTempDirectory("hub-key").resolve("hub.key");
  }

  @Override
  public void afterEach(ExtensionContext context) {
    stopAll();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (db != null) {
      db.close();
    }
  }

  /** The database, or the test is skipped. */
  PgTestDatabase db() {
    return PgTestDatabase.require(db);
  }

  /** A node's configuration: the database, the shared hub key, and what {@code hub} changes. */
  ServerConfig config(UnaryOperator<HubSettings> hub) {
    ServerConfig c = TestServer.config(db(), 4);
    return c.withHub(hub.apply(c.hub().withKeyFile(key)));
  }

  /** Starts a node (from any thread), closed after the test unless the test closes it first. */
  TestServer start(ServerConfig config) {
    TestServer node = TestServer.start(config);
    synchronized (started) {
      started.add(node);
    }
    return node;
  }

  /** Closes every node started so far. */
  void stopAll() {
    List<TestServer> nodes;
    synchronized (started) {
      nodes = List.copyOf(started);
      started.clear();
    }
    nodes.forEach(TestServer::close);
  }
}
