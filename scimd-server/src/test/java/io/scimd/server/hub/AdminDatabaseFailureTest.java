package io.scimd.server.hub;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * A database failure under the admin API is the server's (500, logged), not a conflict: before,
 * every {@link IllegalStateException} answered 409 with its message, so a client was told to retry
 * what could never succeed, and read the database's own words.
 */
class AdminDatabaseFailureTest {
  @Test
  void aTargetTheDatabaseRefuses_isAnInternalError_thatShowsNothingOfTheDatabase()
      throws Exception {
    try (PgTestDatabase db = PgTestDatabase.require(PgTestDatabase.createOrSkipEachTest());
        TestServer server = TestServer.start(TestServer.config(db, 4))) {
      try (Connection c = db.connect();
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE FUNCTION refuse_targets() RETURNS trigger AS $$ BEGIN"
                + " RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql");
        s.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON targets FOR EACH ROW"
                + " EXECUTE FUNCTION refuse_targets()");
      }

      HttpResponse<String> r =
          server.send(
              "POST",
              "/admin/v1/targets",
              "{\"name\":\"crm\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/hook\"}",
              "Content-Type",
              "application/json");

      assertThat(r.statusCode()).as(r.body()).isEqualTo(500);
      assertThat(r.body()).doesNotContain("refused by the test").doesNotContain("database");
      HttpResponse<String> list = server.send("GET", "/admin/v1/targets", null);
      assertThat(list.statusCode()).isEqualTo(200);
      assertThat(list.body()).doesNotContain("crm");
    }
  }
}
