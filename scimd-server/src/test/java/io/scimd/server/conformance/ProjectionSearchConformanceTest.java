package io.scimd.server.conformance;

import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.LIST_RESPONSE;
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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 7644 §3.4.2.5 (attributes / excludedAttributes, RFC 7643 §2.2 returned) and §3.4.3 (POST
 * .search).
 */
class ProjectionSearchConformanceTest {
  static final String DEVICE = "urn:example:scim:schemas:2.0:Device";
  static TestServer server;
  static TestServer.Client scim;
  static String id;
  static String deviceId;

  static final String FULL_USER =
      "{\"schemas\":[\""
          + USER
          + "\",\""
          + ENTERPRISE_USER
          + "\"],\"userName\":\"%s\",\"displayName\":\"Babs\","
          + "\"name\":{\"givenName\":\"Barbara\",\"familyName\":\"Jensen\"},\"title\":\"Tour Guide\","
          + "\"emails\":[{\"type\":\"work\",\"value\":\"bjensen@example.com\"}],\"password\":\"s3cret!pass\","
          + "\""
          + ENTERPRISE_USER
          + "\":{\"department\":\"Tour Operations\",\"employeeNumber\":\"42\"}}";

  @BeforeAll
  static void start() {
    server = TestServer.startWithSchemas("/schemas/conformance");
    scim = server.scim();
    id = scim.create("/Users", FULL_USER.formatted("p-bjensen")).path("id").asText();
    deviceId =
        scim.create(
                "/Devices",
                "{\"schemas\":[\""
                    + DEVICE
                    + "\"],\"name\":\"p-dev\",\"note\":\"hidden\",\"secret\":\"s\",\"size\":3}")
            .path("id")
            .asText();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static void assertOnlyUserName(JsonNode u) {
    assertThat(u.path("id").asText()).isNotBlank(); // returned always
    assertThat(u.path("userName").asText()).startsWith("p-");
    assertThat(u.has("name")).isFalse();
    assertThat(u.has("emails")).isFalse();
    assertThat(u.has("title")).isFalse();
    assertThat(u.has(ENTERPRISE_USER)).isFalse();
    assertThat(u.has("password")).isFalse();
  }

  @Test
  void rfc7644_3_4_2_5_attributes_onGetOne_keepsRequestedPlusAlways() {
    JsonNode u = json(scim.get("/Users/" + id + "?attributes=displayName"));
    assertThat(u.path("displayName").asText()).isEqualTo("Babs");
    assertThat(u.path("id").asText()).isEqualTo(id);
    // RFC 7643 §8.7.1 publishes userName as returned "default": it goes when not asked for.
    assertThat(u.has("userName")).isFalse();
    assertThat(u.has("name")).isFalse();
    assertThat(u.has("emails")).isFalse();
    assertThat(u.has(ENTERPRISE_USER)).isFalse();
    assertThat(json(scim.get("/Schemas/" + USER)).path("attributes").toString())
        .contains("\"name\":\"userName\",\"type\":\"string\"");
  }

  @Test
  void rfc7644_3_4_2_5_attributes_subAttributeAndCaseInsensitive() {
    JsonNode u = json(scim.get("/Users/" + id + "?attributes=NAME.givenname"));
    assertThat(u.path("name").path("givenName").asText()).isEqualTo("Barbara");
    assertThat(u.path("name").has("familyName")).isFalse();
    assertThat(u.has("title")).isFalse();
  }

  @Test
  void rfc7644_3_4_2_5_attributes_urnQualified_andExtensionAsAWhole() {
    JsonNode u =
        json(scim.get("/Users/" + id + "?attributes=" + q(ENTERPRISE_USER + ":department")));
    assertThat(u.path(ENTERPRISE_USER).path("department").asText()).isEqualTo("Tour Operations");
    assertThat(u.path(ENTERPRISE_USER).has("employeeNumber")).isFalse();
    assertThat(u.has("name")).isFalse();
    JsonNode whole = json(scim.get("/Users/" + id + "?attributes=" + q(ENTERPRISE_USER)));
    assertThat(whole.path(ENTERPRISE_USER).path("employeeNumber").asText()).isEqualTo("42");
    assertThat(whole.has("name")).isFalse();
    JsonNode core = json(scim.get("/Users/" + id + "?attributes=" + q(USER + ":name.familyName")));
    assertThat(core.path("name").path("familyName").asText()).isEqualTo("Jensen");
    assertThat(core.has("title")).isFalse();
  }

  @Test
  void rfc7644_3_4_2_5_excludedAttributes_removesFromDefault_neverAnAlwaysOne() {
    JsonNode u = json(scim.get("/Users/" + id + "?excludedAttributes=emails,name,id,schemas"));
    assertThat(u.has("emails")).isFalse();
    assertThat(u.has("name")).isFalse();
    assertThat(u.path("id").asText()).isEqualTo(id); // returned always (RFC 7643 §3.1)
    assertThat(u.path("userName").asText()).isEqualTo("p-bjensen");
    assertThat(u.path("title").asText()).isEqualTo("Tour Guide");
    assertThat(u.path(ENTERPRISE_USER).path("department").asText()).isEqualTo("Tour Operations");
    JsonNode sub =
        json(
            scim.get(
                "/Users/"
                    + id
                    + "?excludedAttributes=name.givenName,"
                    + q(ENTERPRISE_USER + ":department")));
    assertThat(sub.path("name").has("givenName")).isFalse();
    assertThat(sub.path("name").path("familyName").asText()).isEqualTo("Jensen");
    assertThat(sub.path(ENTERPRISE_USER).has("department")).isFalse();
    assertThat(sub.path(ENTERPRISE_USER).path("employeeNumber").asText()).isEqualTo("42");
  }

  @Test
  void rfc7643_2_2_returnedRequest_onlyWhenAsked_andNeverIsNeverReturned() {
    JsonNode d = json(scim.get("/Devices/" + deviceId));
    assertThat(d.has("note")).isFalse();
    assertThat(d.has("secret")).isFalse();
    assertThat(d.path("size").asInt()).isEqualTo(3);
    JsonNode asked = json(scim.get("/Devices/" + deviceId + "?attributes=note,secret"));
    assertThat(asked.path("note").asText()).isEqualTo("hidden");
    assertThat(asked.has("secret")).isFalse();
    assertThat(asked.has("size")).isFalse();
    JsonNode listed = scim.list("/Devices?attributes=note").path("Resources").get(0);
    assertThat(listed.path("note").asText()).isEqualTo("hidden");
    assertThat(scim.list("/Devices").path("Resources").get(0).has("note")).isFalse();
  }

  @Test
  void rfc7644_3_4_2_5_attributes_onList() {
    JsonNode body =
        scim.list("/Users?filter=" + q("userName eq \"p-bjensen\"") + "&attributes=userName");
    assertOnlyUserName(body.path("Resources").get(0));
    JsonNode ex =
        scim.list("/Users?filter=" + q("userName eq \"p-bjensen\"") + "&excludedAttributes=emails");
    assertThat(ex.path("Resources").get(0).has("emails")).isFalse();
    assertThat(ex.path("Resources").get(0).has("name")).isTrue();
  }

  @Test
  void rfc7644_3_4_2_5_attributes_onPostPutPatchResponses() {
    HttpResponse<String> post =
        scim.post("/Users?attributes=userName", FULL_USER.formatted("p-post"));
    assertThat(post.statusCode()).isEqualTo(201);
    JsonNode created = json(post);
    assertOnlyUserName(created);
    String pid = created.path("id").asText();

    HttpResponse<String> put =
        scim.put("/Users/" + pid + "?attributes=userName", FULL_USER.formatted("p-put"));
    assertThat(put.statusCode()).isEqualTo(200);
    assertOnlyUserName(json(put));
    assertThat(json(put).path("userName").asText()).isEqualTo("p-put");

    HttpResponse<String> patch =
        scim.patch(
            "/Users/" + pid + "?excludedAttributes=name,emails",
            patchBody("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"Chief\"}"));
    assertThat(patch.statusCode()).isEqualTo(200);
    assertThat(json(patch).has("name")).isFalse();
    assertThat(json(patch).has("emails")).isFalse();
    assertThat(json(patch).path("title").asText()).isEqualTo("Chief");

    HttpResponse<String> patch2 =
        scim.patch(
            "/Users/" + pid + "?attributes=title",
            patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"B\"}"));
    assertThat(patch2.statusCode()).isEqualTo(200);
    assertThat(json(patch2).path("title").asText()).isEqualTo("Chief");
    assertThat(json(patch2).has("displayName")).isFalse();
  }

  @Test
  void rfc7644_3_4_2_5_excludedMembers_onGroups() {
    String gid =
        scim.create(
                "/Groups",
                "{\"schemas\":[\""
                    + GROUP
                    + "\"],\"displayName\":\"p-grp\",\"members\":[{\"value\":\""
                    + id
                    + "\"}]}")
            .path("id")
            .asText();
    JsonNode g = json(scim.get("/Groups/" + gid + "?excludedAttributes=members"));
    assertThat(g.has("members")).isFalse();
    assertThat(g.path("displayName").asText()).isEqualTo("p-grp");
    JsonNode l =
        scim.list(
            "/Groups?filter=" + q("displayName eq \"p-grp\"") + "&excludedAttributes=members");
    assertThat(l.path("Resources").get(0).has("members")).isFalse();
  }

  // §3.4.3 POST .search

  static List<String> names(JsonNode listResponse) {
    List<String> out = new ArrayList<>();
    listResponse
        .path("Resources")
        .forEach(r -> out.add(r.path("userName").asText(r.path("displayName").asText())));
    return out;
  }

  @Test
  void rfc7644_3_4_3_postSearch_perType_takesEveryParameterFromTheBody() {
    scim.create("/Users", FULL_USER.formatted("p-s1"));
    scim.create("/Users", FULL_USER.formatted("p-s2"));
    scim.create("/Users", FULL_USER.formatted("p-s3"));
    String body =
        "{\"schemas\":[\""
            + SEARCH_REQUEST
            + "\"],\"attributes\":[\"displayName\",\"userName\"],\"filter\":\"userName sw \\\"p-s\\\"\","
            + "\"sortBy\":\"userName\",\"sortOrder\":\"descending\",\"startIndex\":2,\"count\":1}";
    HttpResponse<String> r = scim.post("/Users/.search", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode l = json(r);
    assertThat(l.path("schemas").toString()).contains(LIST_RESPONSE);
    assertThat(l.path("totalResults").asInt()).isEqualTo(3);
    assertThat(l.path("startIndex").asInt()).isEqualTo(2);
    assertThat(l.path("itemsPerPage").asInt()).isEqualTo(1);
    JsonNode only = l.path("Resources").get(0);
    assertThat(only.path("userName").asText()).isEqualTo("p-s2");
    assertThat(only.path("displayName").asText()).isEqualTo("Babs");
    assertThat(only.has("name")).isFalse();
  }

  @Test
  void rfc7644_3_4_3_postSearch_excludedAttributes() {
    String body =
        "{\"schemas\":[\""
            + SEARCH_REQUEST
            + "\"],\"excludedAttributes\":[\"name\"],\"filter\":\"userName eq \\\"p-bjensen\\\"\"}";
    JsonNode l = json(scim.post("/Users/.search", body));
    assertThat(l.path("totalResults").asInt()).isEqualTo(1);
    assertThat(l.path("Resources").get(0).has("name")).isFalse();
    assertThat(l.path("Resources").get(0).has("emails")).isTrue();
  }

  @Test
  void rfc7644_3_4_3_postSearch_atTheRoot_searchesEveryType() {
    String body =
        "{\"schemas\":[\""
            + SEARCH_REQUEST
            + "\"],\"filter\":\"userName eq \\\"p-bjensen\\\" or displayName eq \\\"p-grp-root\\\"\"}";
    scim.create("/Groups", "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"p-grp-root\"}");
    HttpResponse<String> r = scim.post("/.search", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode l = json(r);
    assertThat(l.path("totalResults").asInt()).isEqualTo(2);
    List<String> types = new ArrayList<>();
    l.path("Resources").forEach(x -> types.add(x.path("meta").path("resourceType").asText()));
    assertThat(types).containsExactlyInAnyOrder("User", "Group");
  }

  @Test
  void rfc7644_3_4_2_1_rootSearch_attributesATypeLacks_areUnassigned() {
    scim.create(
        "/Groups", "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"p-grp-unassigned\"}");
    // Groups have no userName: "not (userName pr)" holds for every group, and for no user.
    JsonNode l =
        scim.list("/?filter=" + q("not (userName pr) and displayName eq \"p-grp-unassigned\""));
    assertThat(l.path("totalResults").asInt()).isEqualTo(1);
    assertThat(l.path("Resources").get(0).path("meta").path("resourceType").asText())
        .isEqualTo("Group");
    JsonNode users = scim.list("/?filter=" + q("userName eq \"p-bjensen\""));
    assertThat(users.path("totalResults").asInt()).isEqualTo(1);
    assertScimError(scim.get("/?filter=" + q("shoeSize eq 3")), 400, "invalidFilter");
  }

  @Test
  void rfc7644_3_4_3_postSearch_badFilter_is400InvalidFilter() {
    assertScimError(
        scim.post(
            "/Users/.search",
            "{\"schemas\":[\"" + SEARCH_REQUEST + "\"],\"filter\":\"userName eq\"}"),
        400,
        "invalidFilter");
  }

  @Test
  void rfc7644_3_4_3_search_withOtherMethods_isNotASearch() {
    HttpResponse<String> get = scim.get("/Users/.search");
    assertThat(get.statusCode()).isIn(404, 405);
    assertScimError(get, get.statusCode(), null);
    HttpResponse<String> put = scim.put("/Users/.search", "{}");
    assertThat(put.statusCode()).isIn(404, 405);
    assertScimError(put, put.statusCode(), null);
  }

  @Test
  void rfc7644_3_4_3_postSearch_emptyBody_isAnUnfilteredSearch() {
    HttpResponse<String> r =
        scim.post("/Groups/.search", "{\"schemas\":[\"" + SEARCH_REQUEST + "\"]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("totalResults").asInt()).isGreaterThanOrEqualTo(0);
  }
}
