package io.scimd.server.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.ServerConfig;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.http.TestServer;
import io.scimd.store.Credentials;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A credential revoked through the store of one process (what a CLI or another node does) is
 * refused by every running server within one second (issue 6), although servers keep the
 * credentials they verified for a moment instead of asking the database on every request.
 */
class TokenRevocationTest {
  static final Duration PROMISE = Duration.ofSeconds(1);

  final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  @Test
  void revokedThroughAnotherStoreOnSqlite_isRefusedWithinOneSecond() throws Exception {
    ServerConfig config = TestServer.config();
    TestServer node = start(config);
    Store cli = Stores.sqlite(config.dataDir(), SchemaRegistry.builtIn(), InstantSource.system());
    open.add(cli);

    assertRevocationReaches(cli, List.of(node));
  }

  @Test
  void revokedThroughOneStoreOnPostgresql_isRefusedByEveryNodeWithinOneSecond() throws Exception {
    PgTestDatabase db = PgTestDatabase.createOrSkipEachTest();
    PgTestDatabase.require(db);
    open.add(db);
    List<TestServer> nodes = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      nodes.add(start(TestServer.config(db, 4)));
    }
    Store cli =
        Stores.postgres(
            db.url(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults().withMaxPoolSize(1));
    open.add(cli);

    assertRevocationReaches(cli, nodes);
  }

  /**
   * Creates a token through {@code cli}, has every node accept it (so that each holds it verified),
   * revokes it through {@code cli}, then asks every node until each refuses it.
   */
  private void assertRevocationReaches(Store cli, List<TestServer> nodes) throws Exception {
    Scope admin = Scope.system(Scope.DEFAULT_TENANT, "test");
    ClientAdmin clients = new ClientAdmin(cli.credentials(), InstantSource.system(), 3);
    Credentials.Client doomed = clients.createClient(admin, "doomed", List.of());
    ClientAdmin.Issued issued = clients.issue(admin, doomed, Credentials.Kind.BEARER, null);
    String token = issued.secret();
    String id = issued.credential().id();
    for (int round = 0; round < 20; round++) {
      for (TestServer n : nodes) {
        assertThat(get(n, token)).as("before revocation").isEqualTo(200);
      }
    }

    assertThat(cli.credentials().revoke(admin, id)).isTrue();
    Instant revoked = Instant.now();

    for (TestServer n : nodes) {
      Duration refusedAfter = null;
      while (refusedAfter == null) {
        Instant sent = Instant.now();
        int status = get(n, token);
        if (status == 401) {
          refusedAfter = Duration.between(revoked, sent);
        } else {
          assertThat(status).isEqualTo(200);
          assertThat(Duration.between(revoked, sent))
              .as("still accepted " + Duration.between(revoked, sent) + " after revocation")
              .isLessThan(PROMISE);
          Thread.sleep(10);
        }
      }
      assertThat(refusedAfter).isLessThan(PROMISE);
      for (int i = 0; i < 5; i++) {
        assertThat(get(n, token)).as("refused for good").isEqualTo(401);
      }
    }
    // The bootstrap token, never revoked, still works everywhere.
    for (TestServer n : nodes) {
      assertThat(get(n, TestServer.TOKEN)).isEqualTo(200);
    }
  }

  private TestServer start(ServerConfig config) {
    TestServer s = TestServer.start(config);
    open.add(s);
    return s;
  }

  private static int get(TestServer node, String token) {
    return node.send("GET", "/scim/v2/Users?count=1", null, "Authorization", "Bearer " + token)
        .statusCode();
  }
}
