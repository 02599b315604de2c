package io.scimd.server.e2e;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.LIST_RESPONSE;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Microsoft Entra ID's SCIM validator (scimvalidator.microsoft.com) and its provisioning
 * service send beyond the documented tutorial sequence of {@link EntraFlowTest}: PascalCase
 * attribute names, {@code Replace}/{@code Add}/{@code Remove} with string booleans, value-path adds
 * that must create the value, the enterprise manager as a bare id, roles as JSON text, and member
 * batches as value arrays.
 */
class EntraValidatorTest {
  static final String CT = "application/scim+json";
  TestServer server;
  TestServer.Client entra;

  @BeforeEach
  void start() {
    server = TestServer.start();
    entra = server.client("Accept", CT, "User-Agent", "Azure-AD-SCIM-Validator");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  String users(String filter) {
    return "/scim/v2/Users?filter=" + q(filter);
  }

  @Test
  void validatorUserSequence_externalIdFirst_thenCreate_thenEveryPatch() {
    String guid = "8d1a5f2e-4d66-4c3d-9f05-0c0fd9a1c3b7";
    // Entra matches by externalId first, then by userName: both must be clean empty lists.
    JsonNode none = entra.read(users("externalId eq \"" + guid + "\""));
    assertThat(none.path("totalResults").asInt()).isZero();
    assertThat(none.path("Resources").isArray()).isTrue();
    assertThat(
            entra
                .read(users("userName eq \"ITHelpDesk@contoso.com\""))
                .path("totalResults")
                .asInt())
        .isZero();

    String manager = entra.createUser("manager@contoso.com");
    // The validator spells attribute names in PascalCase; they are case-insensitive (RFC 7643
    // §2.1).
    HttpResponse<String> created =
        entra.send(
            "POST",
            "/scim/v2/Users",
            """
            {
              "schemas": ["%s", "%s"],
              "UserName": "ITHelpDesk@contoso.com",
              "Active": true,
              "DisplayName": "IT Help Desk",
              "externalId": "%s",
              "Title": "Engineer",
              "preferredLanguage": "en-US",
              "nickName": "helpdesk",
              "name": {"givenName": "IT", "FamilyName": "Help Desk", "formatted": "IT Help Desk"},
              "emails": [{"type": "work", "value": "ITHelpDesk@contoso.com", "primary": true}],
              "addresses": [{"type": "work", "streetAddress": "1 Microsoft Way", "locality": "Redmond",
                             "region": "WA", "postalCode": "98052", "country": "US", "primary": true}],
              "phoneNumbers": [{"type": "work", "value": "+1 425 555 0100"}, {"type": "fax", "value": "+1 425 555 0199"}],
              "roles": [],
              "%s": {"employeeNumber": "701984", "department": "IT", "costCenter": "4130",
                     "organization": "Contoso", "division": "Operations", "manager": {"value": "%s"}},
              "meta": {"resourceType": "User"}
            }"""
                .formatted(USER, ENTERPRISE_USER, guid, ENTERPRISE_USER, manager));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("Content-Type").orElse("")).startsWith(CT);
    assertThat(created.headers().firstValue("ETag")).isPresent();
    JsonNode u = json(created);
    String id = u.path("id").asText();
    assertThat(u.path("userName").asText())
        .as("canonical name emitted")
        .isEqualTo("ITHelpDesk@contoso.com");
    assertThat(u.has("UserName")).isFalse();
    assertThat(u.path("active").asBoolean()).isTrue();
    assertThat(u.path("displayName").asText()).isEqualTo("IT Help Desk");
    assertThat(u.path("title").asText()).isEqualTo("Engineer");
    assertThat(u.path("name").path("familyName").asText()).isEqualTo("Help Desk");
    assertThat(u.path(ENTERPRISE_USER).path("employeeNumber").asText()).isEqualTo("701984");
    assertThat(u.path(ENTERPRISE_USER).path("manager").path("value").asText()).isEqualTo(manager);
    assertThat(u.path("addresses").get(0).path("locality").asText()).isEqualTo("Redmond");
    assertThat(u.path("schemas").toString()).contains(ENTERPRISE_USER);

    // Found both ways after the create.
    assertThat(entra.read(users("externalId eq \"" + guid + "\"")).path("totalResults").asInt())
        .isEqualTo(1);
    assertThat(
            entra
                .read(users("userName eq \"ithelpdesk@contoso.com\""))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);

    // Re-creating answers 409 uniqueness (Entra then matches and updates instead).
    HttpResponse<String> again =
        entra.send(
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"ITHELPDESK@contoso.com\",\"active\":true}");
    assertScimError(again, 409, "uniqueness");

    String user = "/scim/v2/Users/" + id;
    // PascalCase names and a string boolean inside a no-path value object.
    JsonNode p1 =
        json(
            entra.patchOk(
                user,
                """
                {"op": "Replace", "value": {"DisplayName": "Help Desk (IT)", "Active": "False", "Title": "Lead"}}"""));
    assertThat(p1.path("displayName").asText()).isEqualTo("Help Desk (IT)");
    assertThat(p1.path("active").isBoolean()).isTrue();
    assertThat(p1.path("active").asBoolean()).isFalse();
    assertThat(p1.path("title").asText()).isEqualTo("Lead");
    assertThat(p1.has("Active")).isFalse();

    JsonNode p2 =
        json(
            entra.patchOk(
                user, "{\"op\": \"Replace\", \"path\": \"Active\", \"value\": \"True\"}"));
    assertThat(p2.path("active").asBoolean()).isTrue();

    // Value-path updates: replace on an existing work address, add on a mobile phone that does not
    // exist.
    JsonNode p3 =
        json(
            entra.patchOk(
                user,
                """
                {"op": "Replace", "path": "addresses[type eq \\"work\\"].streetAddress", "value": "2 Microsoft Way"},
                {"op": "Add", "path": "addresses[type eq \\"work\\"].postalCode", "value": "98053"},
                {"op": "Add", "path": "phoneNumbers[type eq \\"mobile\\"].value", "value": "+1 425 555 0111"},
                {"op": "Replace", "path": "phoneNumbers[type eq \\"work\\"].value", "value": "+1 425 555 0101"}"""));
    assertThat(p3.path("addresses").size()).isEqualTo(1);
    assertThat(p3.path("addresses").get(0).path("streetAddress").asText())
        .isEqualTo("2 Microsoft Way");
    assertThat(p3.path("addresses").get(0).path("postalCode").asText()).isEqualTo("98053");
    assertThat(p3.path("addresses").get(0).path("locality").asText()).isEqualTo("Redmond");
    assertThat(byType(p3.path("phoneNumbers"), "mobile")).isEqualTo("+1 425 555 0111");
    assertThat(byType(p3.path("phoneNumbers"), "work")).isEqualTo("+1 425 555 0101");
    assertThat(byType(p3.path("phoneNumbers"), "fax")).isEqualTo("+1 425 555 0199");
    assertThat(p3.path("phoneNumbers").size()).isEqualTo(3);

    // Enterprise attributes by URN-qualified path, and by URN-qualified keys of a no-path value.
    JsonNode p4 =
        json(
            entra.patchOk(
                user,
                """
                {"op": "Replace", "path": "%s:department", "value": "Support"},
                {"op": "Add", "value": {"%s:costCenter": "4200", "name.givenName": "Information"}}"""
                    .formatted(ENTERPRISE_USER, ENTERPRISE_USER)));
    assertThat(p4.path(ENTERPRISE_USER).path("department").asText()).isEqualTo("Support");
    assertThat(p4.path(ENTERPRISE_USER).path("costCenter").asText()).isEqualTo("4200");
    assertThat(p4.path(ENTERPRISE_USER).path("employeeNumber").asText()).isEqualTo("701984");
    assertThat(p4.path("name").path("givenName").asText()).isEqualTo("Information");
    assertThat(p4.path("name").path("familyName").asText()).isEqualTo("Help Desk");

    // The manager: removed, then added back as a bare id and as {"value": id}.
    JsonNode p5 =
        json(
            entra.patchOk(
                user, "{\"op\": \"Remove\", \"path\": \"%s:manager\"}".formatted(ENTERPRISE_USER)));
    assertThat(p5.path(ENTERPRISE_USER).has("manager")).isFalse();
    assertThat(p5.path(ENTERPRISE_USER).path("department").asText()).isEqualTo("Support");
    String other = entra.createUser("other.manager@contoso.com");
    JsonNode p6 =
        json(
            entra.patchOk(
                user,
                "{\"op\": \"Add\", \"path\": \"%s:manager\", \"value\": \"%s\"}"
                    .formatted(ENTERPRISE_USER, other)));
    assertThat(p6.path(ENTERPRISE_USER).path("manager").path("value").asText()).isEqualTo(other);
    JsonNode p7 =
        json(
            entra.patchOk(
                user,
                "{\"op\": \"Replace\", \"path\": \"%s:manager\", \"value\": {\"value\": \"%s\"}}"
                    .formatted(ENTERPRISE_USER, manager)));
    assertThat(p7.path(ENTERPRISE_USER).path("manager").path("value").asText()).isEqualTo(manager);

    // Disable with the documented literal boolean, verified by a later GET (the validator checks
    // the GET).
    entra.patchOk(user, "{\"op\": \"Replace\", \"path\": \"active\", \"value\": false}");
    JsonNode disabled = entra.read(user);
    assertThat(disabled.path("active").asBoolean()).isFalse();
    assertThat(disabled.path(ENTERPRISE_USER).path("manager").path("value").asText())
        .isEqualTo(manager);
  }

  @Test
  void workEmailAdd_onUserWithoutEmails_createsTheWorkEmail() {
    String id = entra.createUser("noemail@contoso.com");
    JsonNode u =
        json(
            entra.patchOk(
                "/scim/v2/Users/" + id,
                "{\"op\": \"Add\", \"path\": \"emails[type eq \\\"work\\\"].value\", \"value\": \"noemail@contoso.com\"}"));
    assertThat(u.path("emails").size()).isEqualTo(1);
    assertThat(u.path("emails").get(0).path("type").asText()).isEqualTo("work");
    assertThat(u.path("emails").get(0).path("value").asText()).isEqualTo("noemail@contoso.com");
    // A second Add through the same path updates that email instead of appending another.
    JsonNode again =
        json(
            entra.patchOk(
                "/scim/v2/Users/" + id,
                "{\"op\": \"Add\", \"path\": \"emails[type eq \\\"work\\\"].value\", \"value\": \"renamed@contoso.com\"}"));
    assertThat(again.path("emails").size()).isEqualTo(1);
    assertThat(again.path("emails").get(0).path("value").asText()).isEqualTo("renamed@contoso.com");
    // And the user is then found by the email (RFC 7644 §3.4.2.2 value filter; a "[...].sub eq"
    // tail is a PATCH path only).
    assertThat(
            entra
                .read(users("emails[type eq \"work\" and value eq \"RENAMED@contoso.com\"]"))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void roles_asJsonTextAndAsPrimaryValuePath_areStoredAsSent() {
    String id = entra.createUser("roles@contoso.com");
    String admin =
        "{\"id\":\"827f0d2e-be15-4d8f-a8e3-f8697239c112\",\"value\":\"Admin\",\"displayName\":\"Admin\"}";
    String reader =
        "{\"id\":\"8ae06bd4-35bb-4fcd-977e-14e074ad1192\",\"value\":\"Reader\",\"displayName\":\"Reader\"}";
    // AppRoleAssignmentsComplex: each role's value is the app role as JSON text.
    JsonNode u =
        json(
            entra.patchOk(
                "/scim/v2/Users/" + id,
                "{\"op\": \"Add\", \"path\": \"roles\", \"value\": [{\"value\": %s}, {\"value\": %s}]}"
                    .formatted(jsonString(admin), jsonString(reader))));
    List<String> values = new ArrayList<>();
    u.path("roles").forEach(r -> values.add(r.path("value").asText()));
    assertThat(values).containsExactlyInAnyOrder(admin, reader);

    // SingleAppRoleAssignment: roles[primary eq "True"].value, the boolean spelled as a string.
    String other = entra.createUser("single.role@contoso.com");
    JsonNode s =
        json(
            entra.patchOk(
                "/scim/v2/Users/" + other,
                "{\"op\": \"Add\", \"path\": \"roles[primary eq \\\"True\\\"].value\", \"value\": \"Admin\"}"));
    assertThat(s.path("roles").size()).isEqualTo(1);
    assertThat(s.path("roles").get(0).path("value").asText()).isEqualTo("Admin");
    assertThat(s.path("roles").get(0).path("primary").asBoolean()).isTrue();
    JsonNode replaced =
        json(
            entra.patchOk(
                "/scim/v2/Users/" + other,
                "{\"op\": \"Replace\", \"path\": \"roles[primary eq \\\"True\\\"].value\", \"value\": \"Reader\"}"));
    assertThat(replaced.path("roles").size()).isEqualTo(1);
    assertThat(replaced.path("roles").get(0).path("value").asText()).isEqualTo("Reader");
  }

  @Test
  void managerAsBareString_inCreateBody_isTheManagerId() {
    String manager = entra.createUser("boss@contoso.com");
    HttpResponse<String> created =
        entra.send(
            "POST",
            "/scim/v2/Users",
            """
            {"schemas": ["%s", "%s"],
             "userName": "report@contoso.com", "active": true,
             "%s": {"manager": "%s"}}"""
                .formatted(USER, ENTERPRISE_USER, ENTERPRISE_USER, manager));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(json(created).path(ENTERPRISE_USER).path("manager").path("value").asText())
        .isEqualTo(manager);
  }

  @Test
  void groupMembership_batchesOfValueArrays_andMembershipChecksWithoutMembers() {
    List<String> users = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      users.add(entra.createUser("member" + i + "@contoso.com"));
    }
    assertThat(
            entra
                .read(
                    "/scim/v2/Groups?excludedAttributes=members&filter="
                        + q("displayName eq \"Sales\""))
                .path("totalResults")
                .asInt())
        .isZero();
    HttpResponse<String> created =
        entra.send(
            "POST",
            "/scim/v2/Groups",
            """
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group"],
             "externalId": "0b8f2a5c-5a4f-4c77-8d4e-6b1f0f5ec0a1", "displayName": "Sales", "meta": {"resourceType": "Group"}}""");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String gid = json(created).path("id").asText();
    assertThat(
            entra
                .read(
                    "/scim/v2/Groups?filter="
                        + q("externalId eq \"0b8f2a5c-5a4f-4c77-8d4e-6b1f0f5ec0a1\""))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    String group = "/scim/v2/Groups/" + gid;

    // Entra adds members in batches, one Add operation per batch, and several operations per
    // request.
    entra.patchOk(
        group,
        "{\"op\": \"Add\", \"path\": \"members\", \"value\": " + values(users.subList(0, 5)) + "}");
    entra.patchOk(
        group,
        "{\"op\": \"Add\", \"path\": \"members\", \"value\": "
            + values(users.subList(5, 9))
            + "},"
            + "{\"op\": \"Add\", \"path\": \"members\", \"value\": "
            + values(users.subList(9, 12))
            + "}");
    assertThat(entra.memberIds(gid)).containsExactlyInAnyOrderElementsOf(users);
    // Re-adding an existing member is idempotent.
    entra.patchOk(
        group,
        "{\"op\": \"Add\", \"path\": \"members\", \"value\": " + values(users.subList(0, 2)) + "}");
    assertThat(entra.memberIds(gid)).hasSize(12);

    for (String u : users) {
      assertThat(memberCheck(gid, u)).as(u).isEqualTo(1);
    }
    // Removal in a batch with a value array removes exactly those members.
    entra.patchOk(
        group,
        "{\"op\": \"Remove\", \"path\": \"members\", \"value\": "
            + values(users.subList(0, 3))
            + "}");
    assertThat(entra.memberIds(gid)).containsExactlyInAnyOrderElementsOf(users.subList(3, 12));
    assertThat(memberCheck(gid, users.get(0))).isZero();
    assertThat(memberCheck(gid, users.get(3))).isEqualTo(1);

    // The group read Entra does: without members.
    JsonNode g = entra.read(group + "?excludedAttributes=members");
    assertThat(g.has("members")).isFalse();
    assertThat(g.path("displayName").asText()).isEqualTo("Sales");
    assertThat(g.path("id").asText()).isEqualTo(gid);

    // A user's groups attribute reflects membership.
    JsonNode member = entra.read("/scim/v2/Users/" + users.get(3));
    assertThat(member.path("groups").toString()).contains(gid);

    // A deleted member disappears from the group.
    assertThat(entra.send("DELETE", "/scim/v2/Users/" + users.get(4), null).statusCode())
        .isEqualTo(204);
    assertThat(entra.memberIds(gid)).doesNotContain(users.get(4)).hasSize(8);
  }

  @Test
  void keepAliveProbe_ofRandomUserName_isAnEmptyList() {
    for (int i = 0; i < 200; i++) {
      entra.createUser("bulk" + i + "@contoso.com");
    }
    String random = java.util.UUID.randomUUID().toString();
    HttpResponse<String> r = entra.send("GET", users("userName eq \"" + random + "\""), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith(CT);
    JsonNode list = json(r);
    assertThat(list.path("schemas").get(0).asText()).isEqualTo(LIST_RESPONSE);
    assertThat(list.path("totalResults").asInt()).isZero();
    assertThat(list.path("Resources").size()).isZero();
    HttpResponse<String> byId = entra.send("GET", "/scim/v2/Users/" + random, null);
    assertScimError(byId, 404, null);
  }

  int memberCheck(String gid, String userId) {
    String filter = "id eq \"" + gid + "\" and members[value eq \"" + userId + "\"]";
    HttpResponse<String> r =
        entra.send("GET", "/scim/v2/Groups?excludedAttributes=members&filter=" + q(filter), null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode list = json(r);
    list.path("Resources").forEach(g -> assertThat(g.has("members")).isFalse());
    return list.path("totalResults").asInt();
  }

  static String values(List<String> ids) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    ids.forEach(id -> j.add("{\"$ref\": null, \"value\": \"" + id + "\"}"));
    return j.toString();
  }

  static String byType(JsonNode multi, String type) {
    for (JsonNode v : multi) {
      if (v.path("type").asText().equals(type)) {
        return v.path("value").asText();
      }
    }
    return null;
  }

  static String jsonString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
