package io.scimd.server.e2e;

import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What real clients still tripped over (issue 6 §2), each sent over HTTP exactly as the client
 * sends it, against a started scimd on SQLite.
 */
class InteropTest {
  static final String ENTERPRISE = SchemaUrns.ENTERPRISE_USER;
  static final String ENTERPRISE_LOWER = ENTERPRISE.toLowerCase(Locale.ROOT);

  TestServer scim;

  @BeforeEach
  void start() {
    scim = TestServer.start();
  }

  @AfterEach
  void stop() {
    scim.close();
  }

  HttpResponse<String> send(String method, String path, String body) {
    return scim.send(method, path, body);
  }

  String createUser(String body) {
    return scim.client().create("/scim/v2/Users", body).path("id").asText();
  }

  String user(String userName) {
    return scim.client().createUser(userName);
  }

  // ---- Entra's filter: attr[filter].sub op value --------------------------------------------

  @Test
  void filter_subAttributeAfterValueFilter_answersAsTheValueFilterOfBoth() {
    String alice =
        createUser(
            """
            {"userName":"alice","emails":[{"type":"work","value":"a@x.com"}],
             "addresses":[{"type":"work","locality":"Paris"}]}""");
    // The same address, but not as a work one: only a value that satisfies both terms counts.
    createUser(
        """
        {"userName":"bob","emails":[{"type":"home","value":"a@x.com"},{"type":"work","value":"b@x.com"}],
         "addresses":[{"type":"home","locality":"Paris"}]}""");

    HttpResponse<String> entra =
        send(
            "GET",
            "/scim/v2/Users?filter=" + q("emails[type eq \"work\"].value eq \"a@x.com\""),
            null);
    assertThat(entra.statusCode()).as(entra.body()).isEqualTo(200);
    assertThat(json(entra).path("totalResults").asInt()).isEqualTo(1);
    assertThat(json(entra).path("Resources").get(0).path("id").asText()).isEqualTo(alice);
    HttpResponse<String> rfc =
        send(
            "GET",
            "/scim/v2/Users?filter=" + q("emails[type eq \"work\" and value eq \"a@x.com\"]"),
            null);
    assertThat(json(rfc).path("Resources")).isEqualTo(json(entra).path("Resources"));

    HttpResponse<String> address =
        send(
            "GET",
            "/scim/v2/Users?filter=" + q("addresses[type eq \"work\"].locality eq \"Paris\""),
            null);
    assertThat(json(address).path("totalResults").asInt()).isEqualTo(1);
    assertThat(json(address).path("Resources").get(0).path("id").asText()).isEqualTo(alice);
  }

  @Test
  void filter_subAttributeAfterValueFilter_onGroupMembers() {
    String u = user("ann");
    HttpResponse<String> g =
        send(
            "POST",
            "/scim/v2/Groups",
            "{\"displayName\":\"Staff\",\"members\":[{\"value\":\"" + u + "\"}]}");
    assertThat(g.statusCode()).as(g.body()).isEqualTo(201);
    HttpResponse<String> found =
        send(
            "GET",
            "/scim/v2/Groups?excludedAttributes=members&filter="
                + q("members[type eq \"User\"].value eq \"" + u + "\""),
            null);
    assertThat(found.statusCode()).as(found.body()).isEqualTo(200);
    assertThat(json(found).path("totalResults").asInt()).isEqualTo(1);
  }

  @Test
  void filter_subAttributeAfterValueFilterWithoutOperator_isInvalidFilter() {
    HttpResponse<String> r =
        send("GET", "/scim/v2/Users?filter=" + q("emails[type eq \"work\"].value"), null);
    assertScimError(r, 400, "invalidFilter");
    assertThat(json(r).path("detail").asText()).contains("position 28");
  }

  // ---- Entra's legacy manager PATCH ------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"manager", ENTERPRISE + ":manager"})
  void patch_managerAsOneElementArray_setsTheManager(String path) {
    String boss = user("boss");
    String id = user("worker");
    HttpResponse<String> r =
        send(
            "PATCH",
            "/scim/v2/Users/" + id,
            patchBody(
                "{\"op\":\"Add\",\"path\":\""
                    + path
                    + "\",\"value\":[{\"$ref\":null,\"value\":\""
                    + boss
                    + "\"}]}"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path(ENTERPRISE).path("manager").path("value").asText()).isEqualTo(boss);
    assertThat(
            json(send("GET", "/scim/v2/Users/" + id, null))
                .path(ENTERPRISE)
                .path("manager")
                .path("value")
                .asText())
        .isEqualTo(boss);
  }

  @Test
  void patch_managerAsArrayOfTwo_isInvalidValueAndChangesNothing() {
    String id = user("worker");
    HttpResponse<String> r =
        send(
            "PATCH",
            "/scim/v2/Users/" + id,
            patchBody(
                "{\"op\":\"Add\",\"path\":\"manager\",\"value\":[{\"value\":\"m1\"},{\"value\":\"m2\"}]}"));
    assertScimError(r, 400, "invalidValue");
    assertThat(json(r).path("detail").asText()).contains("single-valued");
    assertThat(json(send("GET", "/scim/v2/Users/" + id, null)).has(ENTERPRISE)).isFalse();
  }

  // ---- PUT with another id in the body ---------------------------------------------------------

  @Test
  void put_bodyIdDifferentFromUrl_isIgnoredAndTheUrlResourceIsReplaced() {
    String a = user("anna");
    String b = user("bert");
    HttpResponse<String> r =
        send(
            "PUT",
            "/scim/v2/Users/" + a,
            "{\"id\":\"" + b + "\",\"userName\":\"anna2\",\"displayName\":\"Anna\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("id").asText()).isEqualTo(a);
    assertThat(json(r).path("userName").asText()).isEqualTo("anna2");
    assertThat(json(send("GET", "/scim/v2/Users/" + b, null)).path("userName").asText())
        .isEqualTo("bert");
    HttpResponse<String> ghost =
        send("PUT", "/scim/v2/Users/" + a, "{\"id\":\"no-such-id\",\"userName\":\"anna3\"}");
    assertThat(ghost.statusCode()).as(ghost.body()).isEqualTo(200);
    assertThat(json(ghost).path("id").asText()).isEqualTo(a);
  }

  // ---- Errors Jetty raises itself --------------------------------------------------------------

  /** Sends {@code requestLine}, the token and {@code headerLines} verbatim on a socket. */
  Raw raw(String requestLine, String... headerLines) {
    List<String> lines = new ArrayList<>(List.of("Authorization: Bearer " + TestServer.TOKEN));
    lines.addAll(List.of(headerLines));
    return scim.raw(requestLine, null, lines);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "POST", "PUT", "PATCH", "DELETE"})
  void encodedSlashInPath_anyMethod_isScimError(String method) {
    Raw r = scim.raw(method + " /scim/v2/Users/a%2Fb HTTP/1.1", "{}", TestServer.authorized());
    assertScimError(r, 400);
    assertThat(r.body()).contains("Ambiguous URI");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "PUT /scim/v2/Users/%2e%2e HTTP/1.1",
        "DELETE /scim/v2/..;/Users HTTP/1.1",
        "PATCH /scim//v2/Users/x HTTP/1.1",
        "DELETE /scim/v2/Users/a%5Cb HTTP/1.1",
        "PUT /scim/v2/Users/%C0%AF HTTP/1.1",
        "PATCH /scim/v2/Users/x#frag HTTP/1.1",
        "G@T /scim/v2/Users HTTP/1.1",
        "GET /scim/v2/Users HTTP/9.9",
      })
  void requestJettyRejects_isScimError(String requestLine) {
    Raw r = raw(requestLine);
    assertThat(r.status()).isBetween(400, 505);
    assertScimError(r, r.status());
  }

  @Test
  void badHeaders_areScimErrors() {
    assertScimError(raw("PUT /scim/v2/Users/x HTTP/1.1", "Bad Header: y"), 400);
    assertScimError(raw("PATCH /scim/v2/Users/x HTTP/1.1", "X: a", " folded"), 400);
    assertScimError(
        raw("DELETE /scim/v2/Users/x HTTP/1.1", "Content-Length: 1", "Content-Length: 2"), 400);
    assertScimError(raw("PUT /scim/v2/Users/x HTTP/1.1", "X-Big: " + "a".repeat(20_000)), 431);
    assertScimError(raw("DELETE /scim/v2/Users/x HTTP/1.1", "Expect: the-unexpected"), 417);
  }

  // ---- Content-Location ------------------------------------------------------------------------

  @Test
  void getPutPatchPost_carryLocationAndContentLocationEqualToMetaLocation() {
    HttpResponse<String> created = send("POST", "/scim/v2/Users", "{\"userName\":\"loc\"}");
    String id = json(created).path("id").asText();
    String location = scim.url("/scim/v2/Users/" + id);
    List<HttpResponse<String>> answers =
        List.of(
            created,
            send("GET", "/scim/v2/Users/" + id, null),
            send("PUT", "/scim/v2/Users/" + id, "{\"userName\":\"loc2\"}"),
            send(
                "PATCH",
                "/scim/v2/Users/" + id,
                patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"L\"}")));
    for (HttpResponse<String> r : answers) {
      assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
      assertThat(json(r).path("meta").path("location").asText()).isEqualTo(location);
      assertThat(r.headers().firstValue("Content-Location"))
          .as(r.request().method())
          .hasValue(location);
      assertThat(r.headers().firstValue("Location")).as(r.request().method()).hasValue(location);
    }
  }

  // ---- Forgiving where the meaning is clear ----------------------------------------------------

  @Test
  void schemasInsideAnExtensionObject_isIgnored_onPostPutPatch() {
    String ext =
        "\"" + ENTERPRISE + "\":{\"schemas\":[\"" + ENTERPRISE + "\"],\"employeeNumber\":\"1\"}";
    HttpResponse<String> post =
        send(
            "POST",
            "/scim/v2/Users",
            "{\"schemas\":[\""
                + USER
                + "\",\""
                + ENTERPRISE
                + "\"],\"userName\":\"ext\","
                + ext
                + "}");
    assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
    assertThat(json(post).path(ENTERPRISE).path("employeeNumber").asText()).isEqualTo("1");
    assertThat(json(post).path(ENTERPRISE).has("schemas")).isFalse();
    String id = json(post).path("id").asText();

    HttpResponse<String> put =
        send(
            "PUT",
            "/scim/v2/Users/" + id,
            "{\"userName\":\"ext\"," + ext.replace("\"1\"", "\"2\"") + "}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).path(ENTERPRISE).path("employeeNumber").asText()).isEqualTo("2");

    HttpResponse<String> patch =
        send(
            "PATCH",
            "/scim/v2/Users/" + id,
            patchBody(
                "{\"op\":\"replace\",\"path\":\""
                    + ENTERPRISE
                    + "\",\"value\":{\"schemas\":[\""
                    + ENTERPRISE
                    + "\"],\"employeeNumber\":\"3\"}}",
                "{\"op\":\"replace\",\"value\":{"
                    + ext.replace("\"1\"", "\"4\"").replace("employeeNumber", "costCenter")
                    + "}}"));
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
    assertThat(json(patch).path(ENTERPRISE).path("employeeNumber").asText()).isEqualTo("3");
    assertThat(json(patch).path(ENTERPRISE).path("costCenter").asText()).isEqualTo("4");
  }

  @Test
  void memberWithWrongType_getsItsRealType_onPostPatchPut() {
    String u = user("typed");
    String sub =
        json(send("POST", "/scim/v2/Groups", "{\"displayName\":\"Sub\"}")).path("id").asText();
    HttpResponse<String> post =
        send(
            "POST",
            "/scim/v2/Groups",
            "{\"displayName\":\"G\",\"members\":[{\"value\":\""
                + u
                + "\",\"type\":\"Group\"},{\"value\":\""
                + sub
                + "\",\"type\":\"User\"}]}");
    assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
    String g = json(post).path("id").asText();
    assertThat(json(post).path("members").get(0).path("type").asText()).isEqualTo("User");
    assertThat(json(post).path("members").get(1).path("type").asText()).isEqualTo("Group");

    String v = user("typed2");
    HttpResponse<String> patch =
        send(
            "PATCH",
            "/scim/v2/Groups/" + g + "?attributes=members",
            patchBody(
                "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                    + v
                    + "\",\"type\":\"Group\"}]}"));
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(200);
    assertThat(json(patch).path("members").get(2).path("type").asText()).isEqualTo("User");

    HttpResponse<String> put =
        send(
            "PUT",
            "/scim/v2/Groups/" + g,
            "{\"displayName\":\"G\",\"members\":[{\"value\":\"" + sub + "\",\"type\":\"User\"}]}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).path("members").get(0).path("type").asText()).isEqualTo("Group");
  }

  @Test
  void memberDisplay_isKeptAsSent_andDerivedWhenAbsent() {
    String ann = createUser("{\"userName\":\"ann\",\"displayName\":\"Ann Smith\"}");
    String ben = user("ben");
    HttpResponse<String> post =
        send(
            "POST",
            "/scim/v2/Groups",
            "{\"displayName\":\"G\",\"members\":[{\"value\":\""
                + ann
                + "\",\"display\":\"Ann (HR)\"},{\"value\":\""
                + ben
                + "\"}]}");
    assertThat(post.statusCode()).as(post.body()).isEqualTo(201);
    String g = json(post).path("id").asText();
    JsonNode members = json(send("GET", "/scim/v2/Groups/" + g, null)).path("members");
    assertThat(members.get(0).path("display").asText()).isEqualTo("Ann (HR)");
    assertThat(members.get(1).path("display").asText()).isEqualTo("ben");

    // Okta's group push: add with display.
    String cid = createUser("{\"userName\":\"cid\",\"displayName\":\"Cid\"}");
    HttpResponse<String> patch =
        send(
            "PATCH",
            "/scim/v2/Groups/" + g,
            patchBody(
                "{\"op\":\"add\",\"path\":\"members\",\"value\":[{\"value\":\""
                    + cid
                    + "\",\"display\":\"Cid from Okta\"}]}"));
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(204);
    members = json(send("GET", "/scim/v2/Groups/" + g, null)).path("members");
    assertThat(members.get(2).path("display").asText()).isEqualTo("Cid from Okta");

    HttpResponse<String> put =
        send(
            "PUT",
            "/scim/v2/Groups/" + g,
            "{\"displayName\":\"G\",\"members\":[{\"value\":\""
                + ben
                + "\",\"display\":\"Benjamin\"},{\"value\":\""
                + ann
                + "\"}]}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    // A multi-valued attribute carries no order: find each member by its value.
    Map<String, String> displays = new java.util.HashMap<>();
    json(put)
        .path("members")
        .forEach(m -> displays.put(m.path("value").asText(), m.path("display").asText()));
    assertThat(displays).containsOnly(Map.entry(ben, "Benjamin"), Map.entry(ann, "Ann Smith"));
  }

  // ---- Canonical URNs in error details ---------------------------------------------------------

  @Test
  void errors_nameSchemaUrnsInTheirCanonicalCase() {
    HttpResponse<String> post =
        send(
            "POST",
            "/scim/v2/Users",
            "{\"userName\":\"u\",\"" + ENTERPRISE_LOWER + ":shoeSize\":\"9\"}");
    assertScimError(post, 400, "invalidValue");
    assertThat(json(post).path("detail").asText())
        .contains(ENTERPRISE + ":shoeSize")
        .doesNotContain(ENTERPRISE_LOWER);

    HttpResponse<String> wrongType =
        send(
            "POST",
            "/scim/v2/Users",
            "{\"userName\":\"u\",\"" + ENTERPRISE_LOWER + "\":{\"employeeNumber\":5}}");
    assertScimError(wrongType, 400, "invalidValue");
    assertThat(json(wrongType).path("detail").asText())
        .contains(ENTERPRISE + ":employeeNumber")
        .doesNotContain(ENTERPRISE_LOWER);

    String id = user("u");
    HttpResponse<String> patch =
        send(
            "PATCH",
            "/scim/v2/Users/" + id,
            patchBody(
                "{\"op\":\"add\",\"path\":\"" + ENTERPRISE_LOWER + ":shoeSize\",\"value\":\"9\"}"));
    assertScimError(patch, 400, "invalidPath");
    assertThat(json(patch).path("detail").asText())
        .contains(ENTERPRISE + ":")
        .doesNotContain(ENTERPRISE_LOWER);

    HttpResponse<String> patchValue =
        send(
            "PATCH",
            "/scim/v2/Users/" + id,
            patchBody(
                "{\"op\":\"add\",\"path\":\""
                    + ENTERPRISE_LOWER
                    + ":employeeNumber\",\"value\":5}"));
    assertScimError(patchValue, 400, "invalidValue");
    assertThat(json(patchValue).path("detail").asText())
        .contains(ENTERPRISE + ":employeeNumber")
        .doesNotContain(ENTERPRISE_LOWER);

    HttpResponse<String> filter =
        send(
            "GET",
            "/scim/v2/Users?filter=" + q(ENTERPRISE_LOWER + ":employeeNumber gt true"),
            null);
    assertScimError(filter, 400, "invalidFilter");
    assertThat(json(filter).path("detail").asText())
        .contains(ENTERPRISE + ":employeeNumber")
        .doesNotContain(ENTERPRISE_LOWER);

    HttpResponse<String> sort =
        send("GET", "/scim/v2/Users?sortBy=" + q(ENTERPRISE_LOWER + ":shoeSize"), null);
    assertScimError(sort, 400, "invalidPath");
    assertThat(json(sort).path("detail").asText())
        .contains(ENTERPRISE + ":")
        .doesNotContain(ENTERPRISE_LOWER);
  }
}
