package io.scimd.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.access.AccessSettings;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Decisions from the in-memory access index over HTTP: on two nodes of one PostgreSQL database, a
 * change committed on B counts in A's very next decision (A checks the journal's head first); with
 * {@code --access-staleness}, A skips that check for a while, yet a change made through A itself
 * counts at once.
 */
class AccessIndexOverHttpTest {
  private static final String APP =
      """
      {"name": "ci",
       "roles": [{"name": "developer", "permissions": ["build"]}],
       "rules": [{"name": "engineers", "groups": ["engineering"], "roles": ["developer"]},
                 {"name": "sales", "filter": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq \\"Sales\\"", "roles": ["developer"]}]}
      """;

  private PgTestDatabase db;
  private TestServer a;
  private TestServer b;

  @AfterEach
  void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
    if (db != null) {
      db.close();
    }
  }

  private static ServerConfig indexed(ServerConfig config, Duration staleness) {
    return config.withAccess(new AccessSettings(staleness, 10_000));
  }

  private static String decide(TestServer node, String subject) {
    HttpResponse<String> r =
        node.client()
            .send(
                "POST",
                "/access/v1/evaluation",
                "{\"subject\":{\"type\":\"user\",\"id\":\""
                    + subject
                    + "\"},\"action\":{\"name\":\"build\"},"
                    + "\"resource\":{\"type\":\"application\",\"id\":\"ci\"}}",
                "Content-Type",
                "application/json");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode d = TestServer.json(r);
    return d.path("decision").asBoolean() ? "permit" : "deny";
  }

  private static void saveApp(TestServer node) {
    HttpResponse<String> r =
        node.client()
            .send("POST", "/admin/v1/applications", APP, "Content-Type", "application/json");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  private static String add(String id) {
    return "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + id + "\"}]}";
  }

  @Test
  void changesOnNodeB_countInNodeAsNextDecision_withTheIndex() {
    db = PgTestDatabase.createOrSkipEachTest();
    PgTestDatabase.require(db);
    a = TestServer.start(indexed(TestServer.config(db, 4), Duration.ZERO));
    b = TestServer.start(indexed(TestServer.config(db, 4), Duration.ZERO));
    TestServer.Client scimB = b.scim();
    String engineering = a.scim().createGroup("engineering");
    saveApp(a);
    String dave = scimB.createUser("dave");
    assertThat(decide(a, "dave")).isEqualTo("deny"); // A builds its index here

    scimB.patchOk("/Groups/" + engineering, add(dave));
    assertThat(decide(a, "dave")).isEqualTo("permit");
    // Renamed on B: A finds him by the new userName at once, and no longer by the old one.
    scimB.patchOk(
        "/Users/" + dave, "{\"op\":\"replace\",\"path\":\"userName\",\"value\":\"david\"}");
    assertThat(decide(a, "DAVID")).isEqualTo("permit");
    assertThat(decide(a, "dave")).isEqualTo("deny");
    scimB.patchOk(
        "/Groups/" + engineering,
        "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + dave + "\\\"]\"}");
    assertThat(decide(a, "david")).isEqualTo("deny");
    // An extension attribute, which A reads again from the store.
    scimB.patchOk(
        "/Users/" + dave,
        "{\"op\":\"add\",\"path\":\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department\",\"value\":\"Sales\"}");
    assertThat(decide(a, "david")).isEqualTo("permit");
    assertThat(scimB.delete("/Users/" + dave).statusCode()).isEqualTo(204);
    assertThat(decide(a, dave)).isEqualTo("deny");
  }

  @Test
  void withStaleness_aLocalChangeCountsAtOnce_andAnotherNodesWaits() {
    db = PgTestDatabase.createOrSkipEachTest();
    PgTestDatabase.require(db);
    a = TestServer.start(indexed(TestServer.config(db, 4), Duration.ofHours(1)));
    b = TestServer.start(indexed(TestServer.config(db, 4), Duration.ZERO));
    TestServer.Client scimA = a.scim();
    String engineering = scimA.createGroup("engineering");
    saveApp(a);
    String erin = scimA.createUser("erin");
    assertThat(decide(a, "erin")).isEqualTo("deny");

    // Through A itself: counts in A's next decision although A may be an hour stale.
    scimA.patchOk("/Groups/" + engineering, add(erin));
    assertThat(decide(a, "erin")).isEqualTo("permit");
    scimA.patchOk("/Users/" + erin, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    assertThat(decide(a, "erin")).isEqualTo("deny");

    // Through B: A answers from what it holds until its staleness runs out (B, exact, follows).
    b.scim().patchOk("/Users/" + erin, "{\"op\":\"replace\",\"path\":\"active\",\"value\":true}");
    assertThat(decide(b, "erin")).isEqualTo("permit");
    assertThat(decide(a, "erin")).isEqualTo("deny");
    // A's next write, to anything, makes it check again.
    scimA.createUser("frank");
    assertThat(decide(a, "erin")).isEqualTo("permit");
  }

  @Test
  void withStaleness_onSqlite_aChangeCountsAtOnce() {
    a = TestServer.start(indexed(TestServer.config(), Duration.ofHours(1)));
    TestServer.Client scim = a.scim();
    String engineering = scim.createGroup("engineering");
    saveApp(a);
    String gus = scim.createUser("gus");
    assertThat(decide(a, "gus")).isEqualTo("deny");
    scim.patchOk("/Groups/" + engineering, add(gus));
    assertThat(decide(a, "gus")).isEqualTo("permit");
    HttpResponse<String> put =
        a.client()
            .send(
                "PUT",
                "/admin/v1/applications/ci",
                "{\"roles\": [{\"name\": \"developer\", \"permissions\": [\"deploy\"]}],"
                    + " \"rules\": [{\"name\": \"engineers\", \"groups\": [\"engineering\"],"
                    + " \"roles\": [\"developer\"]}]}",
                "Content-Type",
                "application/json");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(decide(a, "gus")).isEqualTo("deny"); // build is no longer granted
  }
}
