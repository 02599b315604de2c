package io.scimd.server.conformance;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Less common corners of RFC 7644 §3.4–§3.7 and RFC 7643 §3 that real clients reach. */
class EdgeConformanceTest extends ConformanceSuite {
  @Test
  void rfc7644_3_5_2_patchOnExtensionAttributes_byUrnPath() {
    JsonNode u = scim.create("/Users", user(fresh("ext")));
    String path = "/Users/" + u.path("id").asText();
    HttpResponse<String> r =
        scim.patch(
            path,
            patchBody(
                "{\"op\":\"add\",\"path\":\""
                    + ENTERPRISE_USER
                    + ":department\",\"value\":\"Sales\"}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode after = json(r);
    assertThat(after.path(ENTERPRISE_USER).path("department").asText()).isEqualTo("Sales");
    assertThat(after.path("schemas").toString()).contains(ENTERPRISE_USER);
    HttpResponse<String> removed =
        scim.patch(path, patchBody("{\"op\":\"remove\",\"path\":\"" + ENTERPRISE_USER + "\"}"));
    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
    assertThat(json(removed).has(ENTERPRISE_USER)).isFalse();
    assertThat(json(removed).path("schemas").toString()).doesNotContain(ENTERPRISE_USER);
  }

  @Test
  void rfc7644_3_4_2_2_filterOnMetaAndSubAttributesOfMultiValued() {
    String n = fresh("meta");
    scim.create(
        "/Users",
        "{\"schemas\":[\""
            + USER
            + "\"],\"userName\":\""
            + n
            + "\",\"emails\":[{\"type\":\"work\",\"value\":\""
            + n
            + "@x.com\"}]}");
    assertThat(scim.userNames("meta.resourceType eq \"User\" and userName eq \"" + n + "\""))
        .containsExactly(n);
    assertThat(scim.userNames("emails.type eq \"work\" and userName eq \"" + n + "\""))
        .containsExactly(n);
    assertThat(scim.userNames("emails.type eq \"home\" and userName eq \"" + n + "\"")).isEmpty();
  }

  @Test
  void rfc7644_3_4_2_3_sortByMetaLastModified() {
    String p = fresh("sm") + "-";
    for (String s : List.of("b", "a", "c")) {
      scim.createUser(p + s);
    }
    JsonNode l =
        scim.list("/Users?filter=" + q("userName sw \"" + p + "\"") + "&sortBy=meta.lastModified");
    List<String> order = new ArrayList<>();
    l.path("Resources").forEach(u -> order.add(u.path("userName").asText().substring(p.length())));
    assertThat(order).containsExactly("b", "a", "c");
  }

  @Test
  void rfc7644_3_7_2_bulkIdInPath_refersToTheCreatedResource() {
    String n = fresh("bp");
    String body =
        "{\"schemas\":[\""
            + BULK_REQUEST
            + "\"],\"Operations\":["
            + "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"u1\",\"data\":{\"schemas\":[\""
            + USER
            + "\"],\"userName\":\""
            + n
            + "\"}},"
            + "{\"method\":\"PATCH\",\"path\":\"/Users/bulkId:u1\",\"data\":"
            + patchBody("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"T\"}")
            + "}]}";
    HttpResponse<String> r = scim.post("/Bulk", body);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode ops = json(r).path("Operations");
    assertThat(ops.get(0).path("status").asText()).isEqualTo("201");
    assertThat(ops.get(1).path("status").asText()).as(r.body()).isEqualTo("200");
    JsonNode u =
        scim.list("/Users?filter=" + q("userName eq \"" + n + "\"")).path("Resources").get(0);
    assertThat(u.path("title").asText()).isEqualTo("T");
  }

  @Test
  void rfc7644_3_5_1_putGroup_withMembers_replacesThem() {
    String a = scim.createUser(fresh("pm"));
    String b = scim.createUser(fresh("pm"));
    String name = fresh("pg");
    JsonNode g =
        scim.create(
            "/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + name
                + "\",\"members\":[{\"value\":\""
                + a
                + "\"}]}");
    HttpResponse<String> r =
        scim.put(
            "/Groups/" + g.path("id").asText(),
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + name
                + "\",\"members\":[{\"value\":\""
                + b
                + "\"}]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("members").size()).isEqualTo(1);
    assertThat(json(r).path("members").get(0).path("value").asText()).isEqualTo(b);
  }

  @Test
  void rfc7644_3_3_memberThatDoesNotExist_isRejected() {
    HttpResponse<String> r =
        scim.post(
            "/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + fresh("bad")
                + "\",\"members\":[{\"value\":\"no-such-user\"}]}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertScimError(r, 400);
  }

  @Test
  void rfc7644_3_12_methodNotAllowed_onResource() {
    JsonNode u = scim.create("/Users", user(fresh("m")));
    HttpResponse<String> r = scim.post("/Users/" + u.path("id").asText(), "{}");
    assertThat(r.statusCode()).isIn(404, 405, 501);
    assertScimError(r, r.statusCode(), null);
  }

  @Test
  void rfc7643_3_1_metaVersion_equalsETag_onPutAndPatch() {
    JsonNode u = scim.create("/Users", user(fresh("v")));
    String path = "/Users/" + u.path("id").asText();
    HttpResponse<String> put =
        scim.put(
            path,
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\""
                + u.path("userName").asText()
                + "\",\"title\":\"a\"}");
    assertThat(put.headers().firstValue("ETag"))
        .hasValue(json(put).path("meta").path("version").asText());
    assertThat(json(put).path("meta").path("lastModified").asText())
        .isNotEqualTo(u.path("meta").path("lastModified").asText());
    HttpResponse<String> patch =
        scim.patch(path, patchBody("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"b\"}"));
    assertThat(patch.headers().firstValue("ETag"))
        .hasValue(json(patch).path("meta").path("version").asText());
    // RFC 7643 §3.1: meta.location is the resource's URI, as are Location and Content-Location.
    String location = json(patch).path("meta").path("location").asText();
    assertThat(patch.headers().firstValue("Location")).hasValue(location);
    assertThat(patch.headers().firstValue("Content-Location")).hasValue(location);
  }

  @Test
  void rfc9865_countWithCursor_andNegativeCount() {
    String p = fresh("cc") + "-";
    for (int i = 0; i < 3; i++) {
      scim.createUser(p + i);
    }
    JsonNode zero =
        scim.list("/Users?filter=" + q("userName sw \"" + p + "\"") + "&cursor=&count=0");
    assertThat(zero.path("Resources").size()).isZero();
    JsonNode big =
        scim.list("/Users?filter=" + q("userName sw \"" + p + "\"") + "&cursor=&count=100000");
    assertThat(big.path("Resources").size()).isEqualTo(3);
    assertThat(big.hasNonNull("nextCursor")).isFalse();
  }

  @Test
  void rfc7644_3_4_2_2_filterWithUnqualifiedExtensionAttribute() {
    String n = fresh("uq");
    scim.create(
        "/Users",
        "{\"schemas\":[\""
            + USER
            + "\",\""
            + ENTERPRISE_USER
            + "\"],\"userName\":\""
            + n
            + "\",\""
            + ENTERPRISE_USER
            + "\":{\"employeeNumber\":\"E-"
            + n
            + "\"}}");
    HttpResponse<String> r = scim.get("/Users?filter=" + q("employeeNumber eq \"E-" + n + "\""));
    // Either resolved to the extension (unambiguous) or refused as unknown; never a wrong empty
    // 200.
    if (r.statusCode() == 200) {
      assertThat(json(r).path("totalResults").asInt()).isEqualTo(1);
    } else {
      assertScimError(r, 400, "invalidFilter");
    }
  }

  // RFC 7643 §3 makes "schemas" REQUIRED; scimd documents (ResourceValidator) that a missing one is
  // accepted and that an unknown URN carrying no attributes is ignored (Entra's group URN). The
  // rendered "schemas" is always the server's own.
  @Test
  void documentedChoice_unknownAttributelessUrn_isIgnored_andNotEchoed() {
    JsonNode u =
        scim.create(
            "/Users",
            "{\"schemas\":[\"" + USER + "\",\"urn:nope:1\"],\"userName\":\"" + fresh("us") + "\"}");
    assertThat(u.path("schemas").toString()).doesNotContain("urn:nope:1").contains(USER);
    assertScimError(
        scim.post(
            "/Users",
            "{\"schemas\":[\""
                + USER
                + "\",\"urn:nope:1\"],\"userName\":\""
                + fresh("us")
                + "\",\"urn:nope:1\":{\"a\":1}}"),
        400,
        "invalidValue");
  }

  @Test
  void documentedChoice_missingSchemas_isAccepted_andRenderedByTheServer() {
    JsonNode u = scim.create("/Users", "{\"userName\":\"" + fresh("ns") + "\"}");
    assertThat(u.path("schemas").toString()).contains(USER);
    assertScimError(
        scim.post("/Users", "{\"schemas\":\"" + USER + "\",\"userName\":\"" + fresh("ns") + "\"}"),
        400,
        "invalidSyntax");
  }

  @Test
  void rfc9865_cursorSurvivesDeletionOfTheLastSeenResource() {
    String p = fresh("cd") + "-";
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ids.add(scim.createUser(p + i));
    }
    String f = "/Users?filter=" + q("userName sw \"" + p + "\"") + "&count=2&cursor=";
    JsonNode page = scim.list(f);
    List<String> seen = new ArrayList<>();
    while (true) {
      page.path("Resources").forEach(u -> seen.add(u.path("userName").asText()));
      if (!page.hasNonNull("nextCursor")) {
        break;
      }
      // Delete the last resource of this page before asking for the next one.
      String last =
          page.path("Resources").get(page.path("Resources").size() - 1).path("id").asText();
      assertThat(scim.delete("/Users/" + last).statusCode()).isEqualTo(204);
      page = scim.list(f + q(page.path("nextCursor").asText()));
    }
    assertThat(seen).hasSize(6).doesNotHaveDuplicates();
  }

  @Test
  void rfc7644_3_5_2_groupPatch_withIfMatch_answersNewETag() {
    String a = scim.createUser(fresh("gm"));
    JsonNode g =
        scim.create(
            "/Groups", "{\"schemas\":[\"" + GROUP + "\"],\"displayName\":\"" + fresh("ge") + "\"}");
    String path = "/Groups/" + g.path("id").asText();
    String etag = g.path("meta").path("version").asText();
    HttpResponse<String> r =
        scim.patch(
            path,
            patchBody(
                "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\"" + a + "\"}]}"),
            "If-Match",
            etag);
    assertThat(r.statusCode()).isIn(200, 204);
    String newTag = r.headers().firstValue("ETag").orElseThrow();
    assertThat(newTag).isNotEqualTo(etag);
    assertThat(scim.get(path).headers().firstValue("ETag")).hasValue(newTag);
    assertScimError(
        scim.patch(path, patchBody("{\"op\":\"remove\",\"path\":\"members\"}"), "If-Match", etag),
        412,
        null);
  }
}
