package io.scimd.server.e2e;

import static io.scimd.core.schema.SchemaUrns.SEARCH_REQUEST;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Custom schemas loaded with {@code --schemas DIR} (src/test/resources/schemas/acme): a required
 * User extension with immutable, server-unique, integer and writeOnly attributes, and a new
 * resource type {@code Device} at {@code /Devices}. Each is discoverable, created, queried and
 * patched the way an IdP with custom attribute mappings (Okta's and Entra's "custom extension")
 * sends them.
 */
class CustomSchemaTest {
  static final String ACME = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";
  static final String DEVICE = "urn:example:scim:schemas:Device";
  TestServer server;
  TestServer.Client idp;

  @BeforeEach
  void start() {
    server = TestServer.startWithSchemas("/schemas/acme");
    idp = server.client("Accept", "application/scim+json");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  String acmeUser(String userName, String badge, String extra) {
    return """
        {"schemas": ["%s", "%s"], "userName": "%s", "active": true,
         "%s": {"badgeNumber": "%s"%s}}"""
        .formatted(USER, ACME, userName, ACME, badge, extra);
  }

  @Test
  void discovery_listsTheExtensionAndTheNewResourceType() {
    JsonNode types = idp.read("/scim/v2/ResourceTypes");
    assertThat(types.path("Resources").toString()).contains("\"Device\"").contains("/Devices");
    JsonNode user = idp.read("/scim/v2/ResourceTypes/User");
    boolean found = false;
    for (JsonNode e : user.path("schemaExtensions")) {
      if (e.path("schema").asText().equals(ACME)) {
        found = true;
        assertThat(e.path("required").asBoolean()).isTrue();
      }
    }
    assertThat(found).as(user.toString()).isTrue();
    JsonNode device = idp.read("/scim/v2/ResourceTypes/Device");
    assertThat(device.path("endpoint").asText()).isEqualTo("/Devices");
    assertThat(device.path("schema").asText()).isEqualTo(DEVICE);

    JsonNode acme = idp.read("/scim/v2/Schemas/" + ACME);
    assertThat(acme.path("id").asText()).isEqualTo(ACME);
    JsonNode badge = attribute(acme, "badgeNumber");
    assertThat(badge.path("mutability").asText()).isEqualTo("immutable");
    assertThat(badge.path("required").asBoolean()).isTrue();
    assertThat(badge.path("uniqueness").asText()).isEqualTo("server");
    assertThat(attribute(acme, "clearanceLevel").path("type").asText()).isEqualTo("integer");
    assertThat(idp.read("/scim/v2/Schemas/" + DEVICE).path("attributes").size()).isEqualTo(6);
    assertThat(idp.read("/scim/v2/Schemas").path("totalResults").asInt()).isGreaterThanOrEqualTo(5);
  }

  @Test
  void userExtension_requiredImmutableIntegerWriteOnly_enforced() {
    // Required extension missing: 400 invalidValue naming the attribute.
    HttpResponse<String> missing =
        idp.send(
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"noext@acme.com\"}");
    assertScimError(missing, 400, "invalidValue");
    assertThat(json(missing).path("detail").asText()).contains(ACME);

    HttpResponse<String> created =
        idp.send(
            "POST",
            "/scim/v2/Users",
            acmeUser("ada@acme.com", "B-001", ", \"clearanceLevel\": 3, \"pin\": \"4321\""));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode u = json(created);
    String id = u.path("id").asText();
    assertThat(u.path(ACME).path("badgeNumber").asText()).isEqualTo("B-001");
    assertThat(u.path(ACME).path("clearanceLevel").isInt()).isTrue();
    assertThat(u.path(ACME).path("clearanceLevel").asInt()).isEqualTo(3);
    assertThat(u.path(ACME).has("pin")).as("returned: never").isFalse();
    assertThat(u.path("schemas").toString()).contains(ACME);

    // Integer typed: a string or a fraction is 400 invalidValue.
    assertScimError(
        idp.send(
            "POST",
            "/scim/v2/Users",
            acmeUser("bad.int@acme.com", "B-002", ", \"clearanceLevel\": \"high\"")),
        400,
        "invalidValue");
    assertScimError(
        idp.send(
            "POST",
            "/scim/v2/Users",
            acmeUser("bad.frac@acme.com", "B-003", ", \"clearanceLevel\": 2.5")),
        400,
        "invalidValue");
    // uniqueness: server on an extension attribute.
    assertScimError(
        idp.send("POST", "/scim/v2/Users", acmeUser("other@acme.com", "B-001", "")),
        409,
        "uniqueness");

    // Filters on extension attributes, URN-qualified and integer-compared.
    assertThat(
            idp.read("/scim/v2/Users?filter=" + q(ACME + ":badgeNumber eq \"B-001\""))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    assertThat(
            idp.read("/scim/v2/Users?filter=" + q(ACME + ":clearanceLevel ge 3"))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    assertThat(
            idp.read("/scim/v2/Users?filter=" + q(ACME + ":clearanceLevel gt 3"))
                .path("totalResults")
                .asInt())
        .isZero();
    // A returned:never attribute cannot serve as an oracle for its value.
    assertScimError(
        idp.send("GET", "/scim/v2/Users?filter=" + q(ACME + ":pin eq \"4321\""), null),
        400,
        "invalidFilter");

    String user = "/scim/v2/Users/" + id;
    // PATCH by URN-qualified path and by URN key in a no-path value.
    JsonNode p1 =
        json(
            idp.patchOk(
                user,
                "{\"op\":\"replace\",\"path\":\""
                    + ACME
                    + ":clearanceLevel\",\"value\":5},"
                    + "{\"op\":\"add\",\"value\":{\""
                    + ACME
                    + ":costCode\":\"CC-9\"}}"));
    assertThat(p1.path(ACME).path("clearanceLevel").asInt()).isEqualTo(5);
    assertThat(p1.path(ACME).path("costCode").asText()).isEqualTo("CC-9");
    assertThat(p1.path(ACME).path("badgeNumber").asText()).isEqualTo("B-001");
    // Replace on a complex target merges: unspecified sub-attributes are left unchanged (RFC 7644
    // §3.5.2.3).
    JsonNode p2 =
        json(
            idp.patchOk(
                user,
                "{\"op\":\"replace\",\"path\":\""
                    + ACME
                    + "\",\"value\":{\"badgeNumber\":\"B-001\",\"clearanceLevel\":1}}"));
    assertThat(p2.path(ACME).path("clearanceLevel").asInt()).isEqualTo(1);
    assertThat(p2.path(ACME).path("costCode").asText()).isEqualTo("CC-9");

    // Immutable: the same value again is fine, another value is 400 mutability (RFC 7644 §3.5.2).
    idp.patchOk(
        user, "{\"op\":\"replace\",\"path\":\"" + ACME + ":badgeNumber\",\"value\":\"B-001\"}");
    assertScimError(
        idp.send(
            "PATCH",
            user,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"" + ACME + ":badgeNumber\",\"value\":\"B-999\"}")),
        400,
        "mutability");
    assertScimError(
        idp.send(
            "PUT",
            user,
            acmeUser("ada@acme.com", "B-998", "")
                .replace("\"schemas\"", "\"id\":\"" + id + "\",\"schemas\"")),
        400,
        "mutability");
    // A wrong type through PATCH is invalidValue, and nothing of the request is applied.
    HttpResponse<String> badType =
        idp.send(
            "PATCH",
            user,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Changed\"},"
                    + "{\"op\":\"replace\",\"path\":\""
                    + ACME
                    + ":clearanceLevel\",\"value\":\"x\"}"));
    assertScimError(badType, 400, "invalidValue");
    JsonNode after = idp.read(user);
    assertThat(after.has("displayName")).as("PATCH is atomic").isFalse();
    assertThat(after.path(ACME).path("badgeNumber").asText()).isEqualTo("B-001");
    // Removing a required extension attribute is refused.
    HttpResponse<String> removeRequired =
        idp.send(
            "PATCH", user, patchBody("{\"op\":\"remove\",\"path\":\"" + ACME + ":badgeNumber\"}"));
    assertThat(removeRequired.statusCode()).as(removeRequired.body()).isEqualTo(400);
    assertThat(idp.read(user).path(ACME).path("badgeNumber").asText()).isEqualTo("B-001");
  }

  @Test
  void newResourceType_crudFilterPatchAndErrors() {
    String owner =
        idp.send("POST", "/scim/v2/Users", acmeUser("owner@acme.com", "B-100", "")).body();
    String ownerId =
        idp.read("/scim/v2/Users?filter=" + q("userName eq \"owner@acme.com\""))
            .path("Resources")
            .get(0)
            .path("id")
            .asText();
    assertThat(owner).contains(ownerId);

    HttpResponse<String> created =
        idp.send(
            "POST",
            "/scim/v2/Devices",
            """
            {"schemas": ["%s"], "serialNumber": "SN-0001", "model": "ThinkPad X1", "storageGb": 512,
             "retired": false, "tags": ["laptop", "eng"], "owner": {"value": "%s", "display": "owner"}}"""
                .formatted(DEVICE, ownerId));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode d = json(created);
    String id = d.path("id").asText();
    assertThat(created.headers().firstValue("Location"))
        .hasValue(server.url("/scim/v2/Devices/" + id));
    assertThat(created.headers().firstValue("ETag")).isPresent();
    assertThat(d.path("meta").path("resourceType").asText()).isEqualTo("Device");
    assertThat(d.path("meta").path("location").asText())
        .isEqualTo(server.url("/scim/v2/Devices/" + id));
    assertThat(d.path("storageGb").asInt()).isEqualTo(512);
    assertThat(d.path("tags").size()).isEqualTo(2);

    assertScimError(
        idp.send(
            "POST",
            "/scim/v2/Devices",
            "{\"schemas\":[\"" + DEVICE + "\"],\"serialNumber\":\"sn-0001\"}"),
        409,
        "uniqueness");
    assertScimError(
        idp.send("POST", "/scim/v2/Devices", "{\"schemas\":[\"" + DEVICE + "\"],\"model\":\"x\"}"),
        400,
        "invalidValue");
    assertScimError(
        idp.send(
            "POST",
            "/scim/v2/Devices",
            "{\"schemas\":[\"" + DEVICE + "\"],\"serialNumber\":\"SN-2\",\"storageGb\":\"big\"}"),
        400,
        "invalidValue");

    idp.send(
        "POST",
        "/scim/v2/Devices",
        "{\"schemas\":[\""
            + DEVICE
            + "\"],\"serialNumber\":\"SN-0002\",\"storageGb\":128,\"retired\":true}");
    assertThat(idp.read("/scim/v2/Devices").path("totalResults").asInt()).isEqualTo(2);
    assertThat(
            idp.read("/scim/v2/Devices?filter=" + q("storageGb gt 256"))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    assertThat(
            idp.read("/scim/v2/Devices?filter=" + q("serialNumber eq \"sn-0001\""))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    assertThat(
            idp.read("/scim/v2/Devices?filter=" + q("tags eq \"eng\" and retired eq false"))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    assertThat(
            idp.read("/scim/v2/Devices?filter=" + q("owner.value eq \"" + ownerId + "\""))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    JsonNode sorted = idp.read("/scim/v2/Devices?sortBy=storageGb&sortOrder=descending");
    assertThat(sorted.path("Resources").get(0).path("serialNumber").asText()).isEqualTo("SN-0001");
    assertThat(idp.read("/scim/v2/Devices/" + id + "?attributes=model").has("storageGb")).isFalse();

    String device = "/scim/v2/Devices/" + id;
    JsonNode p =
        json(
            idp.patchOk(
                device,
                "{\"op\":\"Replace\",\"path\":\"retired\",\"value\":\"True\"},"
                    + "{\"op\":\"add\",\"path\":\"tags\",\"value\":[\"loaner\"]},"
                    + "{\"op\":\"replace\",\"path\":\"tags\",\"value\":[\"laptop\",\"loaner\"]},"
                    + "{\"op\":\"replace\",\"path\":\"owner.display\",\"value\":\"Owner Person\"}"));
    assertThat(p.path("retired").asBoolean()).isTrue();
    assertThat(p.path("tags").toString())
        .contains("loaner")
        .contains("laptop")
        .doesNotContain("eng");
    assertThat(p.path("owner").path("display").asText()).isEqualTo("Owner Person");

    HttpResponse<String> put =
        idp.send(
            "PUT",
            device,
            "{\"schemas\":[\""
                + DEVICE
                + "\"],\"id\":\""
                + id
                + "\",\"serialNumber\":\"SN-0001\",\"model\":\"X1 Gen 12\"}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).has("tags")).isFalse();

    // Cross-type searches at the root (RFC 7644 §3.4.3) see the device too.
    HttpResponse<String> search =
        idp.send(
            "POST",
            "/scim/v2/.search",
            "{\"schemas\":[\""
                + SEARCH_REQUEST
                + "\"],\"filter\":\"serialNumber eq \\\"SN-0001\\\"\"}");
    assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
    assertThat(json(search).path("totalResults").asInt()).isEqualTo(1);

    assertThat(idp.send("DELETE", device, null).statusCode()).isEqualTo(204);
    assertScimError(idp.send("GET", device, null), 404, null);
    assertScimError(idp.send("GET", "/scim/v2/Gadgets", null), 404, null);
  }

  static JsonNode attribute(JsonNode schema, String name) {
    for (JsonNode a : schema.path("attributes")) {
      if (a.path("name").asText().equals(name)) {
        return a;
      }
    }
    throw new AssertionError(name + " not in " + schema);
  }
}
