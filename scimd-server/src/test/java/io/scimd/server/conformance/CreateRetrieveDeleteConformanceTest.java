package io.scimd.server.conformance;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** RFC 7644 §3.3 (create), §3.4.1 (retrieve), §3.6 (delete), §3.12 (errors) through real HTTP. */
class CreateRetrieveDeleteConformanceTest extends ConformanceSuite {
  static String user(String userName, String extra) {
    return "{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + userName + "\"" + extra + "}";
  }

  @Test
  void rfc7644_3_3_create_answers201_locationIsMetaLocation_etagIsMetaVersion() {
    HttpResponse<String> r =
        scim.post(
            "/Users",
            user("c-bjensen", ",\"externalId\":\"bjensen\",\"name\":{\"givenName\":\"Barbara\"}"));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(r.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/scim+json");
    JsonNode u = json(r);
    assertThat(u.path("id").asText()).isNotBlank();
    assertThat(u.path("schemas").toString()).contains(USER);
    assertThat(u.path("userName").asText()).isEqualTo("c-bjensen");
    assertThat(u.path("externalId").asText()).isEqualTo("bjensen");
    assertThat(u.path("name").path("givenName").asText()).isEqualTo("Barbara");
    JsonNode meta = u.path("meta");
    assertThat(meta.path("resourceType").asText()).isEqualTo("User");
    assertThat(meta.path("location").asText())
        .isEqualTo(scim.base() + "/Users/" + u.path("id").asText());
    assertThat(r.headers().firstValue("Location")).hasValue(meta.path("location").asText());
    assertThat(r.headers().firstValue("ETag")).hasValue(meta.path("version").asText());
    // RFC 7643 §3.1: created and lastModified are dateTimes; on creation they are equal.
    Instant created = Instant.parse(meta.path("created").asText());
    assertThat(Instant.parse(meta.path("lastModified").asText())).isEqualTo(created);
  }

  @Test
  void rfc7644_3_3_readOnlyAttributesInTheRequest_areIgnored() {
    JsonNode u =
        scim.create(
            "/Users",
            user(
                "c-readonly",
                ",\"id\":\"client-chosen\",\"meta\":{\"resourceType\":\"Group\",\"created\":\"2001-01-01T00:00:00Z\","
                    + "\"version\":\"W/\\\"x\\\"\"},\"groups\":[{\"value\":\"nonexistent\"}]"));
    assertThat(u.path("id").asText()).isNotEqualTo("client-chosen");
    assertThat(u.path("meta").path("resourceType").asText()).isEqualTo("User");
    assertThat(u.path("meta").path("created").asText()).doesNotStartWith("2001");
    assertThat(u.path("groups").size()).isZero();
    assertThat(scim.get("/Users/client-chosen").statusCode()).isEqualTo(404);
  }

  @Test
  void rfc7644_3_3_duplicateUserName_is409Uniqueness_alsoInOtherCase() {
    scim.createUser("c-dup");
    assertScimError(scim.post("/Users", user("c-dup", "")), 409, "uniqueness");
    // RFC 7643 §4.1.1: userName is caseExact false, so uniqueness compares case-insensitively.
    assertScimError(scim.post("/Users", user("C-DUP", "")), 409, "uniqueness");
  }

  @Test
  void rfc7643_2_2_requiredAttributeMissing_is400InvalidValue() {
    JsonNode e =
        assertScimError(
            scim.post("/Users", "{\"schemas\":[\"" + USER + "\"],\"displayName\":\"x\"}"),
            400,
            "invalidValue");
    assertThat(e.path("detail").asText()).containsIgnoringCase("userName");
    assertScimError(scim.post("/Groups", "{\"schemas\":[\"" + GROUP + "\"]}"), 400, "invalidValue");
    assertScimError(
        scim.post("/Users", user("c-nullname", "").replace("\"c-nullname\"", "null")),
        400,
        "invalidValue");
  }

  @Test
  void rfc7643_2_3_wrongJsonType_is400InvalidValue() {
    assertScimError(
        scim.post("/Users", "{\"schemas\":[\"" + USER + "\"],\"userName\":42}"),
        400,
        "invalidValue");
    assertScimError(scim.post("/Users", user("c-wt1", ",\"active\":3")), 400, "invalidValue");
    assertScimError(
        scim.post("/Users", user("c-wt2", ",\"name\":\"Barbara\"")), 400, "invalidValue");
    assertScimError(
        scim.post("/Users", user("c-wt3", ",\"displayName\":{\"a\":1}")), 400, "invalidValue");
    assertScimError(
        scim.post("/Users", user("c-wt4", ",\"emails\":[{\"value\":[1,2]}]")), 400, "invalidValue");
    assertScimError(
        scim.post("/Devices", "{\"schemas\":[\"" + DEVICE + "\"],\"name\":\"d\",\"size\":\"ten\"}"),
        400,
        "invalidValue");
    assertScimError(
        scim.post("/Devices", "{\"schemas\":[\"" + DEVICE + "\"],\"name\":\"d\",\"size\":1.5}"),
        400,
        "invalidValue");
    assertScimError(
        scim.post(
            "/Devices", "{\"schemas\":[\"" + DEVICE + "\"],\"name\":\"d\",\"seen\":\"yesterday\"}"),
        400,
        "invalidValue");
  }

  @Test
  void notes_unknownAttribute_isRejectedWithInvalidValue_byDefaultPolicy() {
    JsonNode e =
        assertScimError(
            scim.post("/Users", user("c-unknown", ",\"favouriteColour\":\"blue\"")),
            400,
            "invalidValue");
    assertThat(e.path("detail").asText()).contains("favouriteColour");
    assertThat(scim.userNames("userName eq \"c-unknown\"")).isEmpty();
  }

  @Test
  void rfc7643_3_extensionAttributes_liveUnderTheirUrn_andAreReturned() {
    JsonNode u =
        scim.create(
            "/Users",
            "{\"schemas\":[\""
                + USER
                + "\",\""
                + ENTERPRISE_USER
                + "\"],\"userName\":\"c-ext\",\""
                + ENTERPRISE_USER
                + "\":{\"employeeNumber\":\"701984\",\"department\":\"Tour Operations\"}}");
    assertThat(u.path(ENTERPRISE_USER).path("employeeNumber").asText()).isEqualTo("701984");
    assertThat(u.path("schemas").toString()).contains(ENTERPRISE_USER);
    JsonNode again = json(scim.get("/Users/" + u.path("id").asText()));
    assertThat(again.path(ENTERPRISE_USER).path("department").asText())
        .isEqualTo("Tour Operations");
  }

  @Test
  void rfc7643_4_1_2_password_isNeverReturned() {
    JsonNode u = scim.create("/Users", user("c-pw", ",\"password\":\"t1meMa$heen\""));
    assertThat(u.has("password")).isFalse();
    JsonNode g = json(scim.get("/Users/" + u.path("id").asText() + "?attributes=password"));
    assertThat(g.has("password")).isFalse();
  }

  @Test
  void rfc7644_3_4_1_retrieve_answers200WithTheResource_andUnknownIdIs404() {
    JsonNode u = scim.create("/Users", user("c-get", ""));
    String id = u.path("id").asText();
    HttpResponse<String> r = scim.get("/Users/" + id);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("userName").asText()).isEqualTo("c-get");
    assertThat(json(r).path("meta").path("version").asText())
        .isEqualTo(u.path("meta").path("version").asText());
    assertThat(r.headers().firstValue("ETag")).hasValue(u.path("meta").path("version").asText());
    JsonNode e =
        assertScimError(scim.get("/Users/00000000-0000-0000-0000-000000000000"), 404, null);
    assertThat(e.has("scimType")).isFalse();
    assertScimError(scim.get("/Groups/" + id), 404, null);
  }

  @Test
  void rfc7644_3_6_delete_answers204_thenGetIs404_andSecondDeleteIs404() {
    String id = scim.createUser("c-del");
    HttpResponse<String> d = scim.delete("/Users/" + id);
    assertThat(d.statusCode()).isEqualTo(204);
    assertThat(d.body()).isEmpty();
    assertScimError(scim.get("/Users/" + id), 404, null);
    assertScimError(scim.delete("/Users/" + id), 404, null);
    assertThat(scim.userNames("userName eq \"c-del\"")).isEmpty();
  }

  @Test
  void rfc7644_3_6_deletingAUser_removesItFromItsGroups() {
    String uid = scim.createUser("c-member");
    String gid =
        scim.create(
                "/Groups",
                "{\"schemas\":[\""
                    + GROUP
                    + "\"],\"displayName\":\"c-grp\",\"members\":[{\"value\":\""
                    + uid
                    + "\"}]}")
            .path("id")
            .asText();
    assertThat(scim.delete("/Users/" + uid).statusCode()).isEqualTo(204);
    JsonNode g = json(scim.get("/Groups/" + gid));
    assertThat(g.path("members").toString()).doesNotContain(uid);
  }

  @Test
  void rfc7644_3_3_groupCreate_withMembers_returnsMembersWithValue() {
    String uid = scim.createUser("c-m1");
    JsonNode g =
        scim.create(
            "/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"c-grp2\",\"members\":[{\"value\":\""
                + uid
                + "\"}]}");
    assertThat(g.path("members").get(0).path("value").asText()).isEqualTo(uid);
    assertThat(g.path("meta").path("resourceType").asText()).isEqualTo("Group");
    JsonNode u = json(scim.get("/Users/" + uid));
    assertThat(u.path("groups").toString()).contains(g.path("id").asText());
  }

  @Test
  void rfc7644_3_12_malformedJson_is400InvalidSyntax() {
    assertScimError(scim.post("/Users", "{\"schemas\":"), 400, "invalidSyntax");
  }

  @Test
  void rfc7644_3_12_unknownEndpoint_is404WithScimError() {
    assertScimError(scim.get("/Widgets"), 404, null);
  }
}
