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
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request shapes of the other provisioning clients: OneLogin, JumpCloud, Google Workspace, AWS
 * IAM Identity Center-style clients, Slack-/GitHub-style consumers, and SCIM client libraries
 * (UnboundID/Ping scim2, which use ETags, {@code .search} and {@code attributes}). Also the
 * authentication answers every client depends on.
 */
class OtherClientsTest {
  TestServer server;
  TestServer.Client client;

  @BeforeEach
  void start() {
    server = TestServer.start();
    client = server.client("Accept", "application/scim+json, application/json");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void authentication_missingWrongOrBasic_is401WithBearerChallenge() {
    for (String[] headers :
        List.of(
            new String[] {"Accept", "application/scim+json"},
            new String[] {"Authorization", "Bearer not-the-token-0123456789-0123456789"},
            new String[] {"Authorization", "Basic dXNlcjpwYXNz"},
            new String[] {"Authorization", "Bearer"},
            new String[] {"Authorization", "bearer " + TestServer.TOKEN + "x"})) {
      HttpResponse<String> r = server.sendRaw("GET", "/scim/v2/Users", null, headers);
      assertScimError(r, 401, null);
      assertThat(r.headers().firstValue("WWW-Authenticate").orElse(""))
          .as(String.join(" ", headers))
          .startsWith("Bearer");
    }
    // The scheme name is case-insensitive (RFC 7235 §2.1); some clients send "bearer".
    HttpResponse<String> lower =
        server.sendRaw(
            "GET", "/scim/v2/Users", null, "Authorization", "bearer " + TestServer.TOKEN);
    assertThat(lower.statusCode()).isEqualTo(200);
    // Writes are refused too, and nothing is created.
    HttpResponse<String> post =
        server.sendRaw(
            "POST", "/scim/v2/Users", "{\"schemas\":[\"" + USER + "\"],\"userName\":\"x\"}");
    assertScimError(post, 401, null);
    assertThat(client.read("/scim/v2/Users").path("totalResults").asInt()).isZero();
    // Discovery answers without credentials (clients read it before authenticating).
    for (String p :
        List.of("/scim/v2/ServiceProviderConfig", "/scim/v2/ResourceTypes", "/scim/v2/Schemas")) {
      assertThat(server.sendRaw("GET", p, null).statusCode()).as(p).isEqualTo(200);
    }
  }

  @Test
  void oneLogin_jumpCloud_plainJsonContentTypes_andPutUpdates() {
    // OneLogin and JumpCloud post application/json (RFC 7644 §3.1 allows it); the answer is SCIM
    // JSON.
    HttpResponse<String> created =
        server.send(
            "POST",
            "/scim/v2/Users",
            """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"jc.user@example.com","externalId":"5f1b2c3d4e",
             "name":{"givenName":"Jay","familyName":"Cloud"},"emails":[{"value":"jc.user@example.com","type":"work","primary":true}],
             "active":true,"title":"Dev"}""",
            "Content-Type",
            "application/json; charset=utf-8",
            "Accept",
            "application/json");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(created.headers().firstValue("Content-Type").orElse(""))
        .containsAnyOf("application/scim+json", "application/json");
    String id = json(created).path("id").asText();
    // JumpCloud updates with PUT of the whole user.
    HttpResponse<String> put =
        server.send(
            "PUT",
            "/scim/v2/Users/" + id,
            """
            {"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"%s","userName":"jc.user@example.com","externalId":"5f1b2c3d4e",
             "name":{"givenName":"Jay","familyName":"Cloud-Smith"},"emails":[{"value":"jc.user@example.com","type":"work","primary":true}],
             "active":false}"""
                .formatted(id),
            "Content-Type",
            "application/json");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).path("active").asBoolean()).isFalse();
    assertThat(json(put).has("title")).isFalse();
    // OneLogin's PATCH: op in upper case, sub-attribute path.
    JsonNode patched =
        json(
            client.patchOk(
                "/scim/v2/Users/" + id,
                "{\"op\":\"REPLACE\",\"path\":\"name.givenName\",\"value\":\"Jaye\"},{\"op\":\"ADD\",\"path\":\"nickName\",\"value\":\"jj\"}"));
    assertThat(patched.path("name").path("givenName").asText()).isEqualTo("Jaye");
    assertThat(patched.path("name").path("familyName").asText()).isEqualTo("Cloud-Smith");
    assertThat(patched.path("nickName").asText()).isEqualTo("jj");
    // A body that is not JSON, and an unsupported media type, answer SCIM errors, not HTML.
    HttpResponse<String> notJson =
        server.send("POST", "/scim/v2/Users", "userName=x", "Content-Type", "application/json");
    assertScimError(notJson, 400, "invalidSyntax");
  }

  @Test
  void googleAndGithubStyle_externalIdLookups_deltaSync_andSorting() throws InterruptedException {
    List<String> ids = new ArrayList<>();
    for (String n : List.of("carol", "alice", "bob")) {
      HttpResponse<String> r =
          client.send(
              "POST",
              "/scim/v2/Users",
              "{\"schemas\":[\""
                  + USER
                  + "\"],\"userName\":\""
                  + n
                  + "@example.com\",\"externalId\":\"ext-"
                  + n
                  + "\",\"active\":true}");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
      ids.add(json(r).path("id").asText());
    }
    // externalId is caseExact (RFC 7643 §3.1): the exact value matches, another case does not.
    assertThat(
            client
                .read("/scim/v2/Users?filter=" + q("externalId eq \"ext-alice\""))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);
    assertThat(
            client
                .read("/scim/v2/Users?filter=" + q("externalId eq \"EXT-ALICE\""))
                .path("totalResults")
                .asInt())
        .isZero();
    // Operators and logical words in any case.
    assertThat(
            client
                .read(
                    "/scim/v2/Users?filter="
                        + q("userName EQ \"alice@example.com\" OR externalId Eq \"ext-bob\""))
                .path("totalResults")
                .asInt())
        .isEqualTo(2);
    // GitHub-style deprovisioning: PATCH without path.
    client.patchOk(
        "/scim/v2/Users/" + ids.get(0), "{\"op\":\"Replace\",\"value\":{\"active\":false}}");
    assertThat(
            client
                .read("/scim/v2/Users?filter=" + q("active eq false"))
                .path("totalResults")
                .asInt())
        .isEqualTo(1);

    // Sorting, sortOrder case-insensitive.
    JsonNode sorted = client.read("/scim/v2/Users?sortBy=userName&sortOrder=DESCENDING");
    assertThat(sorted.path("Resources").get(0).path("userName").asText())
        .isEqualTo("carol@example.com");
    assertThat(sorted.path("Resources").get(2).path("userName").asText())
        .isEqualTo("alice@example.com");

    // Delta sync: everything modified after a user's lastModified, including changes in the same
    // second.
    String mark =
        client.read("/scim/v2/Users/" + ids.get(0)).path("meta").path("lastModified").asText();
    client.patchOk(
        "/scim/v2/Users/" + ids.get(1),
        "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Alice\"}");
    JsonNode changed =
        client.read("/scim/v2/Users?filter=" + q("meta.lastModified gt \"" + mark + "\""));
    List<String> changedIds = new ArrayList<>();
    changed.path("Resources").forEach(u -> changedIds.add(u.path("id").asText()));
    assertThat(changedIds).containsExactly(ids.get(1));
  }

  @Test
  void scimClientLibrary_etagsSearchAndAttributes() {
    HttpResponse<String> created =
        client.send(
            "POST",
            "/scim/v2/Users?attributes=userName",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\"lib@example.com\",\"displayName\":\"Lib\",\"active\":true}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode c = json(created);
    assertThat(c.has("displayName")).as("attributes applies to the POST response").isFalse();
    assertThat(c.path("userName").asText()).isEqualTo("lib@example.com");
    String id = c.path("id").asText();
    String user = "/scim/v2/Users/" + id;
    String etag = created.headers().firstValue("ETag").orElseThrow();
    assertThat(etag).startsWith("W/\"").endsWith("\"");

    // The ETag header matches meta.version, and a GET gives the same one.
    HttpResponse<String> got = client.send("GET", user, null);
    assertThat(got.headers().firstValue("ETag")).hasValue(etag);
    assertThat(json(got).path("meta").path("version").asText()).isEqualTo(etag);
    // If-None-Match with the current version: 304, no body.
    HttpResponse<String> notModified = client.send("GET", user, null, "If-None-Match", etag);
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    // If-Match with the current version: applied, with a new ETag.
    HttpResponse<String> p1 =
        client.send(
            "PATCH",
            user,
            patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Lib 2\"}"),
            "If-Match",
            etag);
    assertThat(p1.statusCode()).as(p1.body()).isEqualTo(200);
    String etag2 = p1.headers().firstValue("ETag").orElseThrow();
    assertThat(etag2).isNotEqualTo(etag);
    assertThat(json(p1).path("meta").path("version").asText()).isEqualTo(etag2);
    // A stale If-Match: 412 for PATCH, PUT and DELETE, and nothing changes.
    HttpResponse<String> stale =
        client.send(
            "PATCH",
            user,
            patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Lost\"}"),
            "If-Match",
            etag);
    assertScimError(stale, 412, null);
    HttpResponse<String> stalePut =
        client.send(
            "PUT",
            user,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"lib@example.com\"}",
            "If-Match",
            etag);
    assertScimError(stalePut, 412, null);
    assertScimError(client.send("DELETE", user, null, "If-Match", etag), 412, null);
    assertThat(client.read(user).path("displayName").asText()).isEqualTo("Lib 2");
    // If-Match: * matches any current version.
    HttpResponse<String> star =
        client.send(
            "PATCH",
            user,
            patchBody("{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Lib 3\"}"),
            "If-Match",
            "*");
    assertThat(star.statusCode()).as(star.body()).isEqualTo(200);
    // The strong form of the same tag, as some clients send it, is the same version.
    String etag3 = star.headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> strong =
        client.send("GET", user, null, "If-None-Match", etag3.substring(2));
    assertThat(strong.statusCode()).isEqualTo(304);

    // POST /Users/.search with attributes and excludedAttributes.
    HttpResponse<String> search =
        client.send(
            "POST",
            "/scim/v2/Users/.search",
            """
            {"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"filter":"userName sw \\"lib\\"",
             "attributes":["displayName"],"startIndex":1,"count":10}""");
    assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
    JsonNode found = json(search);
    assertThat(found.path("totalResults").asInt()).isEqualTo(1);
    JsonNode r0 = found.path("Resources").get(0);
    assertThat(r0.path("displayName").asText()).isEqualTo("Lib 3");
    assertThat(r0.has("userName")).isFalse();
    assertThat(r0.path("id").asText()).isEqualTo(id);
    // excludedAttributes never removes an always-returned attribute.
    JsonNode ex = client.read(user + "?excludedAttributes=id,userName,displayName");
    assertThat(ex.path("id").asText()).isEqualTo(id);
    assertThat(ex.has("displayName")).isFalse();

    // DELETE with the current version succeeds; a second DELETE is 404.
    assertThat(client.send("DELETE", user, null, "If-Match", etag3).statusCode()).isEqualTo(204);
    assertScimError(client.send("DELETE", user, null), 404, null);
    assertScimError(
        client.send(
            "PATCH", user, patchBody("{\"op\":\"replace\",\"path\":\"active\",\"value\":true}")),
        404,
        null);
  }

  @Test
  void awsStyleClient_errorsForBadRequests_areScimErrorsWithTheRightType() {
    String id = client.createUser("aws@example.com");
    String user = "/scim/v2/Users/" + id;
    assertScimError(client.send("PATCH", user, patchBody("{\"op\":\"remove\"}")), 400, "noTarget");
    assertScimError(
        client.send(
            "PATCH", user, patchBody("{\"op\":\"move\",\"path\":\"active\",\"value\":true}")),
        400);
    assertScimError(
        client.send(
            "PATCH",
            user,
            patchBody("{\"op\":\"replace\",\"path\":\"active\",\"value\":\"maybe\"}")),
        400,
        "invalidValue");
    assertScimError(
        client.send(
            "PATCH",
            user,
            patchBody("{\"op\":\"replace\",\"path\":\"emails[type eq\",\"value\":\"x\"}")),
        400,
        "invalidPath");
    assertScimError(
        client.send("GET", "/scim/v2/Users?filter=" + q("userName eq"), null),
        400,
        "invalidFilter");
    assertScimError(
        client.send("GET", "/scim/v2/Users?filter=" + q("active gt true"), null),
        400,
        "invalidFilter");
    // The resource's own id in a no-path PATCH value is accepted (Okta sends it); another id is a
    // mutability error.
    assertScimError(
        client.send(
            "PATCH",
            user,
            patchBody("{\"op\":\"replace\",\"value\":{\"id\":\"other\",\"displayName\":\"X\"}}")),
        400,
        "mutability");
    JsonNode p =
        json(
            client.patchOk(
                user,
                "{\"op\":\"replace\",\"value\":{\"id\":\"" + id + "\",\"displayName\":\"AWS\"}}"));
    assertThat(p.path("id").asText()).isEqualTo(id);
    assertThat(p.path("displayName").asText()).isEqualTo("AWS");
    // A userName clash by rename is 409 uniqueness and leaves the user unchanged.
    client.createUser("taken@example.com");
    assertScimError(
        client.send(
            "PATCH",
            user,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"userName\",\"value\":\"TAKEN@example.com\"}")),
        409,
        "uniqueness");
    assertThat(client.read(user).path("userName").asText()).isEqualTo("aws@example.com");
    // Changing only the case of one's own userName is not a conflict.
    JsonNode recased =
        json(
            client.patchOk(
                user, "{\"op\":\"replace\",\"path\":\"userName\",\"value\":\"AWS@example.com\"}"));
    assertThat(recased.path("userName").asText()).isEqualTo("AWS@example.com");
    // Unknown resource endpoints and methods answer SCIM errors.
    assertScimError(client.send("GET", "/scim/v2/Nope", null), 404, null);
    HttpResponse<String> method = client.send("DELETE", "/scim/v2/Users", null);
    assertThat(method.statusCode()).isIn(405, 501);
    assertThat(json(method).path("schemas").get(0).asText()).isEqualTo(SchemaUrns.ERROR);
  }
}
