package io.scimd.server.e2e;

import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.LIST_RESPONSE;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Okta's "Okta SCIM 2.0 SPEC Test" (the Runscope suite Okta asks integrators to pass), replayed
 * step by step with its headers and assertions, then Okta's CRUD test flows: import paging,
 * reactivation by re-POST, password sync, and group push.
 */
class OktaSpecTest {
  TestServer server;
  TestServer.Client okta;

  @BeforeEach
  void start() {
    server = TestServer.start();
    // The suite sends a Content-Type even on GETs without a body, and Accept-Charset.
    okta =
        server.client(
            "Accept-Charset", "utf-8",
            "Accept", "application/scim+json",
            "User-Agent", "OKTA SCIM Integration");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void specTest_requiredSteps_inOrder() {
    okta.send(
        "POST",
        "/scim/v2/Users",
        "{\"schemas\":[\""
            + USER
            + "\"],\"userName\":\"seed@example.com\",\"name\":{\"givenName\":\"Seed\",\"familyName\":\"User\"},\"emails\":[{\"primary\":true,\"value\":\"seed@example.com\",\"type\":\"work\"}],\"active\":true}");

    // Test Users endpoint.
    HttpResponse<String> first =
        okta.send(
            "GET",
            "/scim/v2/Users?count=1&startIndex=1",
            null,
            "Content-Type",
            "application/scim+json; charset=utf-8");
    assertThat(first.statusCode()).isEqualTo(200);
    JsonNode list = json(first);
    assertThat(list.path("schemas").toString()).contains(LIST_RESPONSE);
    assertThat(list.path("itemsPerPage").isNumber()).isTrue();
    assertThat(list.path("startIndex").isNumber()).isTrue();
    assertThat(list.path("totalResults").isNumber()).isTrue();
    JsonNode r0 = list.path("Resources").get(0);
    assertThat(r0.path("id").asText()).isNotBlank();
    assertThat(r0.path("name").path("familyName").asText()).isNotBlank();
    assertThat(r0.path("name").path("givenName").asText()).isNotBlank();
    assertThat(r0.path("userName").asText()).isNotBlank();
    assertThat(r0.has("active")).isTrue();
    assertThat(r0.path("emails").get(0).path("value").asText()).isNotBlank();
    String isvUserId = r0.path("id").asText();

    // Get Users/{{id}}.
    JsonNode got = okta.read("/scim/v2/Users/" + isvUserId);
    assertThat(got.path("id").asText()).isEqualTo(isvUserId);

    // Test invalid User by username, and "make sure random user doesn't exist".
    JsonNode invalid =
        okta.read("/scim/v2/Users?filter=" + q("userName eq \"invalid-user-9d1c@example.com\""));
    assertThat(invalid.path("totalResults").asInt()).isZero();
    assertThat(invalid.path("schemas").toString()).contains("ListResponse");

    // Test invalid User by ID.
    assertScimError(okta.send("GET", "/scim/v2/Users/010101010101010101", null), 404, null);

    // Create Okta user with realistic values: Content-Type application/json, Accept with a charset.
    String body =
        "{\"schemas\":[\""
            + USER
            + "\"],\"userName\":\"Jessie.Rowe@example.com\",\"name\":{\"givenName\":\"Jessie\",\"familyName\":\"Rowe\"},\"emails\":[{\"primary\":true,\"value\":\"jessie.rowe@example.com\",\"type\":\"work\"}],\"displayName\":\"Jessie Rowe\",\"active\":true}";
    HttpResponse<String> created =
        server.send(
            "POST",
            "/scim/v2/Users",
            body,
            "Content-Type",
            "application/json",
            "Accept",
            "application/scim+json; charset=utf-8");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode c = json(created);
    assertThat(c.path("active").asBoolean()).isTrue();
    assertThat(c.path("name").path("familyName").asText()).isEqualTo("Rowe");
    assertThat(c.path("schemas").toString()).contains(USER);
    assertThat(c.path("userName").asText()).isEqualTo("Jessie.Rowe@example.com");
    String idUserOne = c.path("id").asText();

    // Verify that user was created.
    assertThat(okta.read("/scim/v2/Users/" + idUserOne).path("name").path("givenName").asText())
        .isEqualTo("Jessie");

    // Expect failure when recreating user with same values.
    HttpResponse<String> again =
        server.send(
            "POST",
            "/scim/v2/Users",
            body,
            "Content-Type",
            "application/json",
            "Accept",
            "application/scim+json; charset=utf-8");
    assertScimError(again, 409, "uniqueness");

    // Username Case Sensitivity Check.
    JsonNode caps =
        okta.read("/scim/v2/Users?filter=" + q("userName eq \"JESSIE.ROWE@EXAMPLE.COM\""));
    assertThat(caps.path("totalResults").asInt()).isEqualTo(1);
    assertThat(caps.path("Resources").get(0).path("id").asText()).isEqualTo(idUserOne);

    // Verify Groups endpoint (Okta asserts a response time under 600 ms).
    long t0 = System.nanoTime();
    HttpResponse<String> groups = okta.send("GET", "/scim/v2/Groups", null);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(groups.statusCode()).isEqualTo(200);
    assertThat(json(groups).path("totalResults").asInt()).isZero();
    assertThat(ms).isLessThan(600);

    // Check status 401: an Authorization header that is not a bearer token.
    HttpResponse<String> unauth =
        server.sendRaw(
            "GET",
            "/scim/v2/Users?filter=" + q("userName eq \"JESSIE.ROWE@EXAMPLE.COM\""),
            null,
            "Authorization",
            "non-token",
            "Accept",
            "application/scim+json");
    assertScimError(unauth, 401, null);
    assertThat(unauth.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Bearer");

    // Check status 404.
    assertScimError(okta.send("GET", "/scim/v2/Users/00919288221112222", null), 404, null);
  }

  @Test
  void filter_withFormEncodedSpaces_isDecodedLikePercentTwenty() {
    okta.createUser("plus.user@example.com");
    // Many HTTP stacks encode the query as application/x-www-form-urlencoded: spaces as '+'.
    String raw =
        "GET /scim/v2/Users?filter=userName+eq+%22plus.user%40example.com%22&startIndex=1&count=100 HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\nAuthorization: Bearer "
            + TestServer.TOKEN
            + "\r\nAccept: application/scim+json\r\n"
            + "Connection: close\r\n\r\n";
    String response = server.rawExchange(raw);
    assertThat(response).startsWith("HTTP/1.1 200");
    assertThat(response).contains("\"totalResults\":1");
  }

  @Test
  void importPaging_startIndexAndCount_visitsEveryUserOnce() {
    for (int i = 0; i < 230; i++) {
      okta.createUser(String.format("import%03d@example.com", i));
    }
    Set<String> seen = new HashSet<>();
    for (int start = 1; start <= 230; start += 100) {
      JsonNode page = okta.read("/scim/v2/Users?startIndex=" + start + "&count=100");
      assertThat(page.path("totalResults").asInt()).isEqualTo(230);
      assertThat(page.path("startIndex").asInt()).isEqualTo(start);
      assertThat(page.path("itemsPerPage").asInt()).isEqualTo(Math.min(100, 230 - start + 1));
      assertThat(page.path("Resources").size()).isEqualTo(page.path("itemsPerPage").asInt());
      page.path("Resources").forEach(u -> assertThat(seen.add(u.path("id").asText())).isTrue());
    }
    assertThat(seen).hasSize(230);
    JsonNode past = okta.read("/scim/v2/Users?startIndex=301&count=100");
    assertThat(past.path("totalResults").asInt()).isEqualTo(230);
    assertThat(past.path("Resources").size()).isZero();
  }

  @Test
  void reactivation_byRePost_answers409_thenLookupAndUpdate() {
    String create =
        """
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "returning@example.com",
         "name": {"givenName": "Re", "familyName": "Turner"}, "emails": [{"primary": true, "value": "returning@example.com", "type": "work"}],
         "displayName": "Re Turner", "externalId": "00u1returning", "password": "Secret#1234", "active": true}""";
    HttpResponse<String> created = okta.send("POST", "/scim/v2/Users", create);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = json(created).path("id").asText();
    String user = "/scim/v2/Users/" + id;

    // Unassigned in Okta: deactivated, never deleted.
    okta.patchOk(user, "{\"op\": \"replace\", \"value\": {\"active\": false}}");
    assertThat(okta.read(user).path("active").asBoolean()).isFalse();

    // Re-assigned: Okta POSTs the same user again, gets 409, then looks it up by userName.
    assertScimError(
        okta.send(
            "POST",
            "/scim/v2/Users",
            create.replace("returning@example.com\",\n", "Returning@Example.com\",\n")),
        409,
        "uniqueness");
    JsonNode found =
        okta.read(
            "/scim/v2/Users?filter="
                + q("userName eq \"returning@example.com\"")
                + "&startIndex=1&count=100");
    assertThat(found.path("totalResults").asInt()).isEqualTo(1);
    assertThat(found.path("Resources").get(0).path("id").asText()).isEqualTo(id);
    assertThat(found.path("Resources").get(0).path("active").asBoolean()).isFalse();

    // ... and reactivates it, by PATCH or by PUT of the whole profile.
    okta.patchOk(user, "{\"op\": \"replace\", \"value\": {\"active\": true}}");
    assertThat(okta.read(user).path("active").asBoolean()).isTrue();
    okta.patchOk(user, "{\"op\": \"replace\", \"value\": {\"active\": false}}");
    HttpResponse<String> put =
        okta.send(
            "PUT",
            user,
            """
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "%s", "userName": "returning@example.com",
             "name": {"givenName": "Re", "familyName": "Turner-Smith"}, "emails": [{"primary": true, "value": "returning@example.com", "type": "work"}],
             "displayName": "Re Turner-Smith", "externalId": "00u1returning", "groups": [], "active": true}"""
                .formatted(id));
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    JsonNode after = json(put);
    assertThat(after.path("active").asBoolean()).isTrue();
    assertThat(after.path("name").path("familyName").asText()).isEqualTo("Turner-Smith");
    assertThat(after.has("password")).isFalse();
    assertThat(put.headers().firstValue("ETag")).isPresent();

    // Password sync: a PATCH without path carrying the password; it is never returned.
    JsonNode pw =
        json(
            okta.patchOk(user, "{\"op\": \"replace\", \"value\": {\"password\": \"N3w#Secret\"}}"));
    assertThat(pw.has("password")).isFalse();
    assertThat(pw.path("active").asBoolean()).isTrue();
  }

  @Test
  void putUser_omittingAttributes_clearsThem() {
    String id = okta.createUser("put.clear@example.com");
    String user = "/scim/v2/Users/" + id;
    okta.patchOk(
        user, "{\"op\": \"add\", \"value\": {\"nickName\": \"nick\", \"title\": \"CTO\"}}");
    // RFC 7644 §3.5.1: PUT replaces the resource; attributes left out are cleared.
    HttpResponse<String> put =
        okta.send(
            "PUT",
            user,
            "{\"schemas\":[\""
                + USER
                + "\"],\"id\":\""
                + id
                + "\",\"userName\":\"put.clear@example.com\",\"title\":\"CEO\",\"active\":true}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).has("nickName")).isFalse();
    assertThat(json(put).path("title").asText()).isEqualTo("CEO");
    assertThat(okta.read(user).path("id").asText()).isEqualTo(id);
  }

  @Test
  void groupPush_membersByValueFilter_noPathReplace_andEmptyingPush() {
    String a = okta.createUser("a@example.com");
    String b = okta.createUser("b@example.com");
    String c = okta.createUser("c@example.com");
    HttpResponse<String> created =
        okta.send(
            "POST",
            "/scim/v2/Groups",
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\"Engineering\",\"members\":[{\"value\":\""
                + a
                + "\",\"display\":\"a@example.com\"}]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String gid = json(created).path("id").asText();
    assertThat(json(created).path("members").size()).isEqualTo(1);
    String group = "/scim/v2/Groups/" + gid;

    // Group lookup by displayName before push, paged.
    JsonNode byName =
        okta.read(
            "/scim/v2/Groups?filter="
                + q("displayName eq \"engineering\"")
                + "&startIndex=1&count=100");
    assertThat(byName.path("totalResults").asInt()).isEqualTo(1);

    okta.patchOk(
        group,
        "{\"op\": \"add\", \"path\": \"members\", \"value\": [{\"value\": \""
            + b
            + "\", \"display\": \"b@example.com\"}, {\"value\": \""
            + c
            + "\", \"display\": \"c@example.com\"}]}");
    assertThat(okta.memberIds(gid)).containsExactlyInAnyOrder(a, b, c);
    okta.patchOk(group, "{\"op\": \"remove\", \"path\": \"members[value eq \\\"" + b + "\\\"]\"}");
    assertThat(okta.memberIds(gid)).containsExactlyInAnyOrder(a, c);
    // Removing a member that is not there is a no-op success.
    okta.patchOk(group, "{\"op\": \"remove\", \"path\": \"members[value eq \\\"" + b + "\\\"]\"}");
    assertThat(okta.memberIds(gid)).containsExactlyInAnyOrder(a, c);

    // Rename and replace of all members in one no-path value object.
    okta.patchOk(
        group,
        "{\"op\": \"replace\", \"value\": {\"id\": \""
            + gid
            + "\", \"displayName\": \"Engineering 2\", \"members\": [{\"value\": \""
            + b
            + "\"}]}}");
    JsonNode g = okta.read(group);
    assertThat(g.path("displayName").asText()).isEqualTo("Engineering 2");
    assertThat(okta.memberIds(gid)).containsExactly(b);

    // "Push now" of an emptied group, inside a no-path value object.
    okta.patchOk(group, "{\"op\": \"replace\", \"value\": {\"members\": []}}");
    assertThat(okta.memberIds(gid)).isEmpty();
    assertThat(okta.read(group).path("displayName").asText()).isEqualTo("Engineering 2");

    // PUT with members, then PUT without members empties it (PUT replaces).
    HttpResponse<String> put =
        okta.send(
            "PUT",
            group,
            "{\"schemas\":[\""
                + GROUP
                + "\"],\"id\":\""
                + gid
                + "\",\"displayName\":\"Engineering\",\"members\":[{\"value\":\""
                + a
                + "\"},{\"value\":\""
                + c
                + "\"}]}");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(json(put).path("members").size()).isEqualTo(2);
    assertThat(okta.memberIds(gid)).containsExactlyInAnyOrder(a, c);

    assertThat(okta.send("DELETE", group, null).statusCode()).isEqualTo(204);
    assertScimError(okta.send("GET", group, null), 404, null);
    assertScimError(okta.send("DELETE", group, null), 404, null);
    // The users survive their group.
    assertThat(okta.read("/scim/v2/Users/" + a).path("groups").toString()).doesNotContain(gid);
  }

  @Test
  void groupMember_unknownUserId_isRejectedWithoutChangingTheGroup() {
    String a = okta.createUser("known@example.com");
    String gid = okta.createGroup("Known");
    okta.patchOk(
        "/scim/v2/Groups/" + gid,
        "{\"op\": \"add\", \"path\": \"members\", \"value\": [{\"value\": \"" + a + "\"}]}");
    HttpResponse<String> r =
        okta.send(
            "PATCH",
            "/scim/v2/Groups/" + gid,
            patchBody(
                "{\"op\": \"add\", \"path\": \"members\", \"value\": [{\"value\": \"no-such-user-id\"}]}"));
    assertThat(r.statusCode()).as(r.body()).isIn(400, 404);
    assertThat(okta.memberIds(gid)).containsExactly(a);
  }
}
