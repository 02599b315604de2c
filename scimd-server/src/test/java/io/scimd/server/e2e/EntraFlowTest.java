package io.scimd.server.e2e;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request sequence of Microsoft Entra ID's provisioning service (Microsoft's "Tutorial: Develop
 * and plan provisioning for a SCIM endpoint" request/response examples, and shared/SCIM-NOTES.md
 * "What Microsoft Entra ID sends"): capitalised ops, booleans as strings, filters before creates,
 * membership checks, deactivation and then deletion.
 */
class EntraFlowTest {
  TestServer server;
  TestServer.Client entra;

  @BeforeEach
  void start() {
    server = TestServer.start();
    entra = server.client("Accept", "application/scim+json");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void userLifecycle_asEntraSendsIt() {
    // Entra matches by externalId first, then userName; both must be clean empty lists.
    HttpResponse<String> byExternalId =
        entra.send(
            "GET",
            "/scim/v2/Users?filter=" + q("externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\""),
            null);
    assertThat(byExternalId.statusCode()).isEqualTo(200);
    assertThat(json(byExternalId).path("totalResults").asInt()).isZero();
    HttpResponse<String> byUserName =
        entra.send(
            "GET",
            "/scim/v2/Users?filter="
                + q("userName eq \"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1\""),
            null);
    assertThat(byUserName.statusCode()).isEqualTo(200);
    assertThat(json(byUserName).path("totalResults").asInt()).isZero();
    assertThat(json(byUserName).path("Resources").size()).isZero();

    HttpResponse<String> created =
        entra.send(
            "POST",
            "/scim/v2/Users",
            """
            {
              "schemas": [
                "urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
              "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
              "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
              "active": true,
              "emails": [{
                "primary": true,
                "type": "work",
                "value": "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
              }],
              "meta": {"resourceType": "User"},
              "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
              "roles": []
            }""");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode user = json(created);
    String id = user.path("id").asText();
    assertThat(created.headers().firstValue("Location"))
        .hasValue(server.url("/scim/v2/Users/" + id));
    assertThat(user.path("externalId").asText()).isEqualTo("0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef");
    assertThat(user.path("meta").path("location").asText())
        .isEqualTo(server.url("/scim/v2/Users/" + id));
    assertThat(user.path("meta").path("created").asText()).isNotBlank();

    HttpResponse<String> got = entra.send("GET", "/scim/v2/Users/" + id, null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(json(got).path("userName").asText())
        .isEqualTo("Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1");

    HttpResponse<String> found =
        entra.send(
            "GET",
            "/scim/v2/Users?filter="
                + q("userName eq \"Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1\""),
            null);
    assertThat(found.statusCode()).isEqualTo(200);
    assertThat(json(found).path("totalResults").asInt()).isEqualTo(1);
    assertThat(json(found).path("Resources").get(0).path("id").asText()).isEqualTo(id);
    HttpResponse<String> foundByExternalId =
        entra.send(
            "GET",
            "/scim/v2/Users?filter=" + q("externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\""),
            null);
    assertThat(json(foundByExternalId).path("totalResults").asInt()).isEqualTo(1);

    // Keep-alive probe: a random userName that does not exist is an empty list, not a 404.
    HttpResponse<String> probe =
        entra.send("GET", "/scim/v2/Users?filter=" + q("userName eq \"non-existent user\""), null);
    assertThat(probe.statusCode()).isEqualTo(200);
    assertThat(json(probe).path("totalResults").asInt()).isZero();

    // Update multi-valued and single-valued attributes, capitalised ops.
    HttpResponse<String> updated =
        entra.send(
            "PATCH",
            "/scim/v2/Users/" + id,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [
                {"op": "Replace", "path": "emails[type eq \\"work\\"].value", "value": "updatedEmail@microsoft.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"}
              ]
            }""");
    assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
    assertThat(json(updated).path("name").path("familyName").asText())
        .isEqualTo("updatedFamilyName");
    assertThat(json(updated).path("emails").get(0).path("value").asText())
        .isEqualTo("updatedEmail@microsoft.com");

    HttpResponse<String> renamed =
        entra.send(
            "PATCH",
            "/scim/v2/Users/" + id,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}]
            }""");
    assertThat(renamed.statusCode()).as(renamed.body()).isEqualTo(200);
    assertThat(json(renamed).path("userName").asText())
        .isEqualTo("5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com");

    // Add a work email to a user without one; manager as a bare id.
    String manager = entra.createUser("manager@testuser.com");
    HttpResponse<String> added =
        entra.send(
            "PATCH",
            "/scim/v2/Users/" + manager,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "Add", "path": "emails[type eq \\"work\\"].value", "value": "a@x.com"}]
            }""");
    assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
    assertThat(json(added).path("emails").get(0).path("value").asText()).isEqualTo("a@x.com");
    HttpResponse<String> withManager =
        entra.send(
            "PATCH",
            "/scim/v2/Users/" + id,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", "value": "%s"}]
            }"""
                .formatted(manager));
    assertThat(withManager.statusCode()).as(withManager.body()).isEqualTo(200);
    assertThat(json(withManager).path(ENTERPRISE_USER).path("manager").path("value").asText())
        .isEqualTo(manager);

    // Disable: a boolean as a string, "False".
    HttpResponse<String> disabled =
        entra.send(
            "PATCH",
            "/scim/v2/Users/" + id,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
            }""");
    assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(200);
    assertThat(json(disabled).path("active").isBoolean()).isTrue();
    assertThat(json(disabled).path("active").asBoolean()).isFalse();

    HttpResponse<String> deleted = entra.send("DELETE", "/scim/v2/Users/" + id, null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    HttpResponse<String> gone = entra.send("GET", "/scim/v2/Users/" + id, null);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(json(gone).path("status").asText()).isEqualTo("404");
  }

  @Test
  void groupLifecycle_asEntraSendsIt() {
    String alice = entra.createUser("alice@testuser.com");
    String bob = entra.createUser("bob@testuser.com");

    HttpResponse<String> lookup =
        entra.send(
            "GET",
            "/scim/v2/Groups?excludedAttributes=members&filter="
                + q("displayName eq \"displayName\""),
            null);
    assertThat(lookup.statusCode()).isEqualTo(200);
    assertThat(json(lookup).path("totalResults").asInt()).isZero();

    HttpResponse<String> created =
        entra.send(
            "POST",
            "/scim/v2/Groups",
            """
            {
              "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
              "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
              "displayName": "displayName",
              "meta": {"resourceType": "Group"}
            }""");
    assertThat(created.statusCode())
        .as(
            "Entra's documented Create Group lists Microsoft's ADSCIM Group schema URN beside the core one;"
                + " it carries no attributes and must not make the request fail: "
                + created.body())
        .isEqualTo(201);
    String gid = json(created).path("id").asText();
    assertThat(created.headers().firstValue("Location"))
        .hasValue(server.url("/scim/v2/Groups/" + gid));

    HttpResponse<String> got =
        entra.send("GET", "/scim/v2/Groups/" + gid + "?excludedAttributes=members", null);
    assertThat(got.statusCode()).isEqualTo(200);
    assertThat(json(got).has("members")).isFalse();
    assertThat(json(got).path("displayName").asText()).isEqualTo("displayName");

    HttpResponse<String> byName =
        entra.send(
            "GET",
            "/scim/v2/Groups?excludedAttributes=members&filter="
                + q("displayName eq \"displayName\""),
            null);
    assertThat(json(byName).path("totalResults").asInt()).isEqualTo(1);
    assertThat(json(byName).path("Resources").get(0).has("members")).isFalse();

    HttpResponse<String> renamed =
        entra.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}]
            }""");
    assertThat(renamed.statusCode()).as(renamed.body()).isIn(200, 204);

    HttpResponse<String> addMembers =
        entra.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "Add", "path": "members", "value": [{"$ref": null, "value": "%s"}, {"$ref": null, "value": "%s"}]}]
            }"""
                .formatted(alice, bob));
    assertThat(addMembers.statusCode()).as(addMembers.body()).isIn(200, 204);

    // Membership checks, the current and the older form.
    assertThat(memberCheck(gid, "id eq \"" + gid + "\" and members[value eq \"" + alice + "\"]"))
        .isEqualTo(1);
    assertThat(memberCheck(gid, "id eq \"" + gid + "\" and members eq \"" + bob + "\""))
        .isEqualTo(1);

    HttpResponse<String> removeMember =
        entra.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            """
            {
              "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
              "Operations": [{"op": "Remove", "path": "members", "value": [{"$ref": null, "value": "%s"}]}]
            }"""
                .formatted(alice));
    assertThat(removeMember.statusCode()).as(removeMember.body()).isIn(200, 204);
    assertThat(memberCheck(gid, "id eq \"" + gid + "\" and members[value eq \"" + alice + "\"]"))
        .isZero();
    assertThat(memberCheck(gid, "id eq \"" + gid + "\" and members[value eq \"" + bob + "\"]"))
        .as("removing one member must not clear the group")
        .isEqualTo(1);

    HttpResponse<String> full = entra.send("GET", "/scim/v2/Groups/" + gid, null);
    assertThat(json(full).path("displayName").asText())
        .isEqualTo("1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName");

    HttpResponse<String> deleted = entra.send("DELETE", "/scim/v2/Groups/" + gid, null);
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(entra.send("GET", "/scim/v2/Groups/" + gid, null).statusCode()).isEqualTo(404);
  }

  int memberCheck(String gid, String filter) {
    HttpResponse<String> r =
        entra.send(
            "GET", "/scim/v2/Groups?filter=" + q(filter) + "&excludedAttributes=members", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json(r).path("totalResults").asInt();
  }
}
