package io.scimd.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AccessOverHttpTest} with the server on PostgreSQL, a fresh database per test; and two
 * nodes on one database, where a change committed on one must count in the other's very next
 * decision: what a node holds (its access index, ADR 0022) is checked against the journal's head
 * before each decision.
 */
class PostgresAccessOverHttpTest extends AccessOverHttpTest {
  private PgTestDatabase db;
  private TestServer other;

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
    if (other != null) {
      other.close();
    }
    super.stop();
    if (db != null) {
      db.close();
    }
  }

  @Test
  void membershipDeactivationAndRuleChanges_onOneNode_countInTheOtherNodesNextDecision() {
    // Node A is the server the superclass started; node B shares its database and credentials.
    other = TestServer.start(TestServer.config(db, 4));
    TestServer.Client scimB = other.scim();
    TestServer.Client adminB = other.client();
    saveCi();
    String dave = scimB.createUser("dave");
    assertThat(permitted(dave, "build")).isFalse();

    // B: dave joins backend, which is in engineering. A's next decision permits, through the
    // nested membership.
    scimB.patchOk("/Groups/" + backend, add(dave));
    JsonNode d = decide(user(dave), "build", APP_CI);
    assertThat(d.path("decision").asBoolean()).as(d.toString()).isTrue();
    assertThat(d.path("context").path("grants").get(0).path("group").path("membership").asText())
        .isEqualTo("nested");

    // B: dave is deactivated. A denies at once.
    scimB.patchOk("/Users/" + dave, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    JsonNode off = decide(user(dave), "build", APP_CI);
    assertThat(off.path("decision").asBoolean()).isFalse();
    assertThat(off.path("context").path("reason_admin").path("en").asText())
        .contains("deactivated");
    // B: reactivated, then removed from backend. A follows each.
    scimB.patchOk("/Users/" + dave, "{\"op\":\"replace\",\"path\":\"active\",\"value\":true}");
    assertThat(permitted(dave, "build")).isTrue();
    scimB.patchOk(
        "/Groups/" + backend,
        "{\"op\":\"remove\",\"path\":\"members[value eq \\\"" + dave + "\\\"]\"}");
    assertThat(permitted(dave, "build")).isFalse();

    // A has compiled version 1 of ci (carol deploys as an SRE). B deletes it and saves another
    // definition under the same name, which is version 1 again: A must not answer from what it
    // compiled before.
    assertThat(permitted(carol, "deploy")).isTrue();
    assertThat(adminB.delete("/admin/v1/applications/ci").statusCode()).isEqualTo(204);
    assertThat(permitted(carol, "read")).isFalse();
    HttpResponse<String> again = json(adminB, "POST", "/admin/v1/applications", SRE_VIEWS);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
    assertThat(TestServer.json(again).path("version").asLong()).isEqualTo(1);
    assertThat(permitted(carol, "deploy")).isFalse();
    assertThat(permitted(carol, "read")).isTrue();

    // B replaces the definition (version 2): A's next decision follows it.
    HttpResponse<String> put = json(adminB, "PUT", "/admin/v1/applications/ci", CI);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(TestServer.json(put).path("version").asLong()).isEqualTo(2);
    assertThat(permitted(carol, "deploy")).isTrue();
  }

  /** {@link #CI} with SREs only viewers. */
  static final String SRE_VIEWS =
      CI.replace(
          "\"sre\", \"filter\": \"title eq \\\"SRE\\\"\", \"roles\": [\"deployer\"]",
          "\"sre\", \"filter\": \"title eq \\\"SRE\\\"\", \"roles\": [\"viewer\"]");
}
