package io.scimd.server.e2e;

import static io.scimd.core.schema.SchemaUrns.ERROR;
import static io.scimd.core.schema.SchemaUrns.LIST_RESPONSE;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request sequence Okta's SCIM 2.0 provisioning sends (Okta "SCIM 2.0 protocol reference" and
 * shared/SCIM-NOTES.md "What Okta sends"), byte for byte as its documentation shows it, with what
 * Okta checks in each answer. Okta never deletes users: it deactivates them.
 */
class OktaFlowTest {
  static final String CT = "application/scim+json";
  TestServer server;
  TestServer.Client okta;

  @BeforeEach
  void start() {
    server = TestServer.start();
    okta = server.client("Accept", "application/scim+json", "User-Agent", "Okta SCIM Client 1.0.0");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void userLifecycle_asOktaSendsIt() {
    // 1. Does the user exist? Okta pages with startIndex/count and filters on userName.
    HttpResponse<String> lookup =
        okta.send(
            "GET",
            "/scim/v2/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100",
            null);
    assertThat(lookup.statusCode()).isEqualTo(200);
    assertThat(lookup.headers().firstValue("Content-Type")).hasValue(CT);
    JsonNode empty = json(lookup);
    assertThat(empty.path("schemas").get(0).asText()).isEqualTo(LIST_RESPONSE);
    assertThat(empty.path("totalResults").asInt()).isZero();
    assertThat(empty.path("startIndex").asInt()).isEqualTo(1);
    assertThat(empty.path("Resources").size()).isZero();

    // 2. Create.
    HttpResponse<String> created =
        okta.send(
            "POST",
            "/scim/v2/Users",
            """
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
              "userName": "test.user@okta.local",
              "name": {"givenName": "Test", "familyName": "User"},
              "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
              "displayName": "Test User",
              "locale": "en-US",
              "externalId": "00ujl29u0le5T6Aj10h7",
              "groups": [],
              "password": "1mz050nq",
              "active": true
            }""");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("Content-Type")).hasValue(CT);
    JsonNode user = json(created);
    String id = user.path("id").asText();
    assertThat(id).isNotBlank();
    assertThat(created.headers().firstValue("Location"))
        .hasValue(server.url("/scim/v2/Users/" + id));
    assertThat(created.headers().firstValue("ETag")).isPresent();
    assertThat(user.path("userName").asText()).isEqualTo("test.user@okta.local");
    assertThat(user.path("active").asBoolean()).isTrue();
    assertThat(user.has("password")).as("password is returned: never").isFalse();
    assertThat(user.path("meta").path("resourceType").asText()).isEqualTo("User");

    // 3. Okta matches userName case-insensitively.
    HttpResponse<String> found =
        okta.send(
            "GET",
            "/scim/v2/Users?filter=userName%20eq%20%22TEST.USER%40OKTA.LOCAL%22&startIndex=1&count=100",
            null);
    assertThat(found.statusCode()).isEqualTo(200);
    assertThat(json(found).path("totalResults").asInt()).isEqualTo(1);
    assertThat(json(found).path("Resources").get(0).path("id").asText()).isEqualTo(id);

    // 4. Re-provisioning an existing userName answers 409 uniqueness; Okta then looks it up.
    HttpResponse<String> duplicate =
        okta.send(
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"Test.User@okta.local\",\"active\":true}");
    assertThat(duplicate.statusCode()).isEqualTo(409);
    assertThat(json(duplicate).path("scimType").asText()).isEqualTo("uniqueness");
    assertThat(json(duplicate).path("status").asText()).isEqualTo("409");

    // 5. Read by id.
    HttpResponse<String> got = okta.send("GET", "/scim/v2/Users/" + id, null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(json(got).path("name").path("givenName").asText()).isEqualTo("Test");

    // 6. Profile update: PUT of the whole user.
    HttpResponse<String> put =
        okta.send(
            "PUT",
            "/scim/v2/Users/" + id,
            """
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
              "id": "%s",
              "userName": "test.user@okta.local",
              "name": {"givenName": "Another", "familyName": "User"},
              "emails": [{"primary": true, "value": "test.user@okta.local", "type": "work"}],
              "displayName": "Another User",
              "locale": "en-US",
              "externalId": "00ujl29u0le5T6Aj10h7",
              "groups": [],
              "active": true
            }"""
                .formatted(id));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).path("name").path("givenName").asText()).isEqualTo("Another");
    assertThat(json(put).path("displayName").asText()).isEqualTo("Another User");

    // 7. Deactivation: PATCH without a path.
    HttpResponse<String> deactivated =
        okta.send(
            "PATCH",
            "/scim/v2/Users/" + id,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "value": {"active": false}}]
            }""");
    assertThat(deactivated.statusCode()).as(deactivated.body()).isIn(200, 204);
    HttpResponse<String> after = okta.send("GET", "/scim/v2/Users/" + id, null);
    assertThat(json(after).path("active").asBoolean()).isFalse();

    // 8. The paged listing Okta runs on import sees the user.
    HttpResponse<String> page = okta.send("GET", "/scim/v2/Users?startIndex=1&count=100", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(json(page).path("totalResults").asInt()).isEqualTo(1);
    assertThat(json(page).path("itemsPerPage").asInt()).isEqualTo(1);

    // 9. An unknown id answers 404 with a SCIM error body.
    HttpResponse<String> missing = okta.send("GET", "/scim/v2/Users/010101010101", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing).path("schemas").get(0).asText()).isEqualTo(ERROR);
    assertThat(json(missing).path("status").asText()).isEqualTo("404");
  }

  @Test
  void groupPush_asOktaSendsIt() {
    String alice = okta.createUser("alice@okta.local");
    String bob = okta.createUser("bob@okta.local");

    HttpResponse<String> lookup =
        okta.send(
            "GET",
            "/scim/v2/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100",
            null);
    assertThat(lookup.statusCode()).isEqualTo(200);
    assertThat(json(lookup).path("totalResults").asInt()).isZero();

    HttpResponse<String> created =
        okta.send(
            "POST",
            "/scim/v2/Groups",
            """
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
              "displayName": "Test SCIMv2",
              "members": []
            }""");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String gid = json(created).path("id").asText();
    assertThat(created.headers().firstValue("Location"))
        .hasValue(server.url("/scim/v2/Groups/" + gid));
    assertThat(json(created).path("displayName").asText()).isEqualTo("Test SCIMv2");

    HttpResponse<String> got = okta.send("GET", "/scim/v2/Groups/" + gid, null);
    assertThat(got.statusCode()).isEqualTo(200);

    // Rename: PATCH replace without path, value carrying id and displayName.
    HttpResponse<String> renamed =
        okta.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "value": {"id": "%s", "displayName": "Test SCIMv2 renamed"}}]
            }"""
                .formatted(gid));
    assertThat(renamed.statusCode()).as(renamed.body()).isIn(200, 204);

    // Add a member.
    HttpResponse<String> added =
        okta.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "add", "path": "members", "value": [{"value": "%s", "display": "alice@okta.local"}]}]
            }"""
                .formatted(alice));
    assertThat(added.statusCode()).as(added.body()).isIn(200, 204);
    assertThat(okta.memberIds(gid)).containsExactly(alice);

    // Remove one and add another in one request.
    HttpResponse<String> swapped =
        okta.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [
                {"op": "remove", "path": "members[value eq \\"%s\\"]"},
                {"op": "add", "path": "members", "value": [{"value": "%s", "display": "bob@okta.local"}]}
              ]
            }"""
                .formatted(alice, bob));
    assertThat(swapped.statusCode()).as(swapped.body()).isIn(200, 204);
    assertThat(okta.memberIds(gid)).containsExactly(bob);

    // Push: PUT of the group with its members.
    HttpResponse<String> put =
        okta.send(
            "PUT",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
              "id": "%s",
              "displayName": "Test SCIMv2",
              "members": [{"value": "%s", "display": "alice@okta.local"}, {"value": "%s", "display": "bob@okta.local"}]
            }"""
                .formatted(gid, alice, bob));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).path("displayName").asText()).isEqualTo("Test SCIMv2");
    assertThat(okta.memberIds(gid)).containsExactlyInAnyOrder(alice, bob);

    // "Push now" on an emptied group: replace members with [].
    HttpResponse<String> emptied =
        okta.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "replace", "path": "members", "value": []}]
            }""");
    assertThat(emptied.statusCode()).as(emptied.body()).isIn(200, 204);
    assertThat(okta.memberIds(gid)).isEmpty();

    HttpResponse<String> deleted = okta.send("DELETE", "/scim/v2/Groups/" + gid, null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(deleted.body()).isEmpty();
    assertThat(okta.send("GET", "/scim/v2/Groups/" + gid, null).statusCode()).isEqualTo(404);
  }
}
