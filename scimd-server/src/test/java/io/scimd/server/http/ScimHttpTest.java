package io.scimd.server.http;

import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.service.ServiceConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The HTTP adapter through a real server and a real client: routing, auth, discovery, errors. */
class ScimHttpTest {
  static TestServer server;

  @BeforeAll
  static void start() {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void health_answers200Up_withoutCredentials() {
    HttpResponse<String> r = server.sendRaw("GET", "/health", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("status").asText()).isEqualTo("UP");
  }

  @Test
  void scimEndpoint_withoutToken_answers401WithWwwAuthenticate() {
    HttpResponse<String> r = server.sendRaw("GET", "/scim/v2/Users", null);
    assertScimError(r, 401, null);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"scimd\"");
  }

  @Test
  void scimEndpoint_withWrongToken_answers401InvalidToken() {
    HttpResponse<String> r =
        server.sendRaw(
            "GET",
            "/scim/v2/Users",
            null,
            "Authorization",
            "Bearer not-the-token-at-all-0123456789");
    assertScimError(r, 401, null);
    assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
        .startsWith("Bearer realm=\"scimd\"")
        .contains("error=\"invalid_token\"");
  }

  @Test
  void scimEndpoint_withOtherScheme_answers401() {
    HttpResponse<String> r =
        server.sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Basic " + TestServer.TOKEN);
    assertScimError(r, 401, null);
  }

  @Test
  void bearerScheme_isCaseInsensitive() {
    HttpResponse<String> r =
        server.sendRaw(
            "GET", "/scim/v2/Users", null, "Authorization", "bEaReR " + TestServer.TOKEN);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/scim+json");
  }

  @Test
  void schemas_servedWithoutCredentials_listExactlyTheRegistry() {
    HttpResponse<String> r = server.sendRaw("GET", "/scim/v2/Schemas", null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = json(r);
    assertThat(body.path("schemas").get(0).asText()).isEqualTo(SchemaUrns.LIST_RESPONSE);
    List<String> ids = new ArrayList<>();
    body.path("Resources").forEach(s -> ids.add(s.path("id").asText()));
    assertThat(ids)
        .containsExactlyElementsOf(
            SchemaRegistry.builtIn().schemas().stream().map(Schema::id).toList());
    assertThat(body.path("totalResults").asInt()).isEqualTo(ids.size());
  }

  @Test
  void schemaById_servedWithoutCredentials_anyCase() {
    HttpResponse<String> r =
        server.sendRaw("GET", "/scim/v2/Schemas/" + SchemaUrns.USER.toUpperCase(), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(json(r).path("id").asText()).isEqualTo(SchemaUrns.USER);
    assertThat(json(r).path("meta").path("location").asText())
        .isEqualTo(server.url("/scim/v2/Schemas/" + SchemaUrns.USER));
  }

  @Test
  void resourceTypes_servedWithoutCredentials_matchTheRegistry() {
    JsonNode body = json(server.sendRaw("GET", "/scim/v2/ResourceTypes", null));
    List<String> endpoints = new ArrayList<>();
    body.path("Resources").forEach(t -> endpoints.add(t.path("endpoint").asText()));
    assertThat(endpoints)
        .containsExactlyElementsOf(
            SchemaRegistry.builtIn().resourceTypes().stream().map(ResourceType::endpoint).toList());
    HttpResponse<String> user = server.sendRaw("GET", "/scim/v2/ResourceTypes/User", null);
    assertThat(user.statusCode()).isEqualTo(200);
    assertThat(json(user).path("schema").asText()).isEqualTo(SchemaUrns.USER);
    assertThat(json(user).path("schemaExtensions").get(0).path("schema").asText())
        .isEqualTo(SchemaUrns.ENTERPRISE_USER);
  }

  @Test
  void unknownSchemaOrResourceType_answers404() {
    assertScimError(server.sendRaw("GET", "/scim/v2/Schemas/urn:example:nope", null), 404, null);
    assertScimError(server.sendRaw("GET", "/scim/v2/ResourceTypes/Device", null), 404, null);
  }

  @Test
  void serviceProviderConfig_publishesTheServiceLimits() {
    HttpResponse<String> r = server.sendRaw("GET", "/scim/v2/ServiceProviderConfig/", null);
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode c = json(r);
    ServiceConfig d = ServiceConfig.DEFAULTS;
    assertThat(c.path("schemas").get(0).asText()).isEqualTo(SchemaUrns.SERVICE_PROVIDER_CONFIG);
    assertThat(c.path("patch").path("supported").asBoolean()).isTrue();
    assertThat(c.path("bulk").path("supported").asBoolean()).isTrue();
    assertThat(c.path("bulk").path("maxOperations").asInt()).isEqualTo(d.bulkMaxOperations());
    assertThat(c.path("bulk").path("maxPayloadSize").asInt()).isEqualTo(d.maxPayloadSize());
    assertThat(c.path("filter").path("maxResults").asInt()).isEqualTo(d.maxPageSize());
    assertThat(c.path("changePassword").path("supported").asBoolean()).isFalse();
    assertThat(c.path("sort").path("supported").asBoolean()).isTrue();
    assertThat(c.path("etag").path("supported").asBoolean()).isTrue();
    JsonNode auth = c.path("authenticationSchemes").get(0);
    assertThat(auth.path("type").asText()).isEqualTo("oauthbearertoken");
    assertThat(auth.path("primary").asBoolean()).isTrue();
    JsonNode p = c.path("pagination");
    assertThat(p.path("cursor").asBoolean()).isTrue();
    assertThat(p.path("index").asBoolean()).isTrue();
    assertThat(p.path("defaultPaginationMethod").asText()).isEqualTo("index");
    assertThat(p.path("defaultPageSize").asInt()).isEqualTo(d.defaultPageSize());
    assertThat(p.path("maxPageSize").asInt()).isEqualTo(d.maxPageSize());
    assertThat(p.path("cursorTimeout").isInt()).isTrue();
  }

  @Test
  void discovery_withFilter_answers403() {
    assertScimError(server.sendRaw("GET", "/scim/v2/Schemas?filter=id%20pr", null), 403, null);
  }

  @Test
  void unknownPath_answers404ScimError() {
    assertScimError(server.send("GET", "/scim/v2/Devices", null), 404, null);
    assertScimError(server.send("GET", "/scim/v2/Users/a/b", null), 404, null);
    assertScimError(server.sendRaw("GET", "/nothing-here", null), 404, null);
  }

  @Test
  void wrongMethod_answers405WithAllow() {
    HttpResponse<String> r = server.send("DELETE", "/scim/v2/Users", null);
    assertScimError(r, 405, null);
    assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD, POST");
    HttpResponse<String> spc = server.send("PUT", "/scim/v2/ServiceProviderConfig", "{}");
    assertScimError(spc, 405, null);
    assertThat(spc.headers().firstValue("Allow")).hasValue("GET, HEAD");
    HttpResponse<String> bulk = server.send("GET", "/scim/v2/Bulk", null);
    assertScimError(bulk, 405, null);
    assertThat(bulk.headers().firstValue("Allow")).hasValue("POST");
  }

  /** A raw exchange split into status, headers (names lower-cased) and body. */
  record Raw(int status, java.util.Map<String, String> headers, String body) {
    static Raw of(String response) {
      int end = response.indexOf("\r\n\r\n");
      String[] lines = response.substring(0, end).split("\r\n");
      java.util.Map<String, String> headers = new java.util.HashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(
            lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
            lines[i].substring(colon + 1).trim());
      }
      return new Raw(
          Integer.parseInt(lines[0].split(" ")[1]), headers, response.substring(end + 4));
    }

    JsonNode json() {
      try {
        return TestServer.JSON.readTree(body);
      } catch (java.io.IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }
  }

  private static Raw exchange(String method, String path, String body, String... headerLines) {
    StringBuilder req =
        new StringBuilder(
            method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    req.append("Authorization: Bearer ").append(TestServer.TOKEN).append("\r\n");
    for (String h : headerLines) {
      req.append(h).append("\r\n");
    }
    if (body != null) {
      req.append("Content-Type: application/scim+json\r\nContent-Length: ")
          .append(body.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n");
    }
    req.append("\r\n").append(body == null ? "" : body);
    return Raw.of(server.rawExchange(req.toString()));
  }

  /** RFC 9110 §9.3.2: HEAD answers as GET does, without the body. */
  @Test
  void head_answersLikeGet_withoutTheBody() {
    HttpResponse<String> created = server.send("POST", "/scim/v2/Users", user("head.user"));
    String path = URI.create(created.headers().firstValue("Location").orElseThrow()).getPath();
    for (String p :
        List.of(
            path,
            "/scim/v2/Users?filter=userName%20eq%20%22head.user%22",
            "/scim/v2/ServiceProviderConfig",
            "/health")) {
      Raw get = exchange("GET", p, null);
      Raw head = exchange("HEAD", p, null);
      assertThat(head.status()).as(p).isEqualTo(200).isEqualTo(get.status());
      assertThat(head.body()).as(p).isEmpty();
      assertThat(head.headers().get("content-type"))
          .as(p)
          .isEqualTo(get.headers().get("content-type"));
      assertThat(head.headers().get("content-length"))
          .as(p)
          .isEqualTo(Integer.toString(get.body().getBytes(StandardCharsets.UTF_8).length));
      assertThat(head.headers().get("etag")).as(p).isEqualTo(get.headers().get("etag"));
    }
    Raw missing = exchange("HEAD", "/scim/v2/Users/no-such-user", null);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.body()).isEmpty();
    assertThat(missing.headers().get("content-type")).isEqualTo("application/scim+json");
    Raw notModified =
        exchange(
            "HEAD",
            path,
            null,
            "If-None-Match: " + created.headers().firstValue("ETag").orElseThrow());
    assertThat(notModified.status()).isEqualTo(304);
    Raw bulk = exchange("HEAD", "/scim/v2/Bulk", null);
    assertThat(bulk.status()).isEqualTo(405);
    assertThat(bulk.headers().get("allow")).isEqualTo("POST");
  }

  /**
   * RFC 9110 §13.1.1: If-Match is "*" or a list of entity-tags. An empty one names no version: it
   * is refused, not taken as absent, which would write over whatever version is there.
   */
  @Test
  void emptyIfMatch_answers400InvalidValue_andChangesNothing() {
    HttpResponse<String> created = server.send("POST", "/scim/v2/Users", user("empty.ifmatch"));
    String path = URI.create(created.headers().firstValue("Location").orElseThrow()).getPath();
    String patch =
        "{\"schemas\":[\""
            + SchemaUrns.PATCH_OP
            + "\"],\"Operations\":[{\"op\":\"replace\",\"path\":\"nickName\",\"value\":\"x\"}]}";
    List<Raw> answers =
        List.of(
            exchange("PUT", path, user("renamed.ifmatch"), "If-Match: "),
            exchange("PATCH", path, patch, "If-Match:"),
            exchange("DELETE", path, null, "If-Match: , "));
    for (Raw r : answers) {
      assertThat(r.status()).as(r.body()).isEqualTo(400);
      assertThat(r.headers().get("content-type")).isEqualTo("application/scim+json");
      JsonNode e = r.json();
      assertThat(e.path("scimType").asText()).isEqualTo("invalidValue");
      assertThat(e.path("detail").asText()).contains("If-Match is empty");
    }
    HttpResponse<String> after = server.send("GET", path, null);
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(json(after).path("userName").asText()).isEqualTo("empty.ifmatch");
    assertThat(json(after).has("nickName")).isFalse();
    assertThat(after.headers().firstValue("ETag")).isEqualTo(created.headers().firstValue("ETag"));
  }

  @Test
  void me_answers501() {
    assertScimError(server.send("GET", "/scim/v2/Me", null), 501, null);
    assertScimError(server.send("PATCH", "/scim/v2/Me", "{}"), 501, null);
  }

  @Test
  void xmlBody_answers415() {
    assertScimError(
        server.send("POST", "/scim/v2/Users", "<user/>", "Content-Type", "application/xml"),
        415,
        null);
    assertScimError(
        server.send("POST", "/scim/v2/Users", "<user/>", "Content-Type", "text/xml"), 415, null);
  }

  @Test
  void jsonContentTypes_areAccepted() {
    HttpResponse<String> r =
        server.send(
            "POST",
            "/scim/v2/Users",
            user("ct-json"),
            "Content-Type",
            "application/json; charset=utf-8");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
  }

  @Test
  void malformedJson_answers400InvalidSyntaxWithLocation() {
    HttpResponse<String> r =
        server.send("POST", "/scim/v2/Users", "{\n  \"userName\": \"x\",\n  }");
    assertScimError(r, 400, "invalidSyntax");
    assertThat(json(r).path("detail").asText()).contains("line 3");
  }

  @Test
  void trailingContent_answers400InvalidSyntax() {
    assertScimError(server.send("POST", "/scim/v2/Users", user("a") + " {}"), 400, "invalidSyntax");
  }

  @Test
  void duplicateKeys_answer400InvalidSyntax() {
    HttpResponse<String> r =
        server.send("POST", "/scim/v2/Users", "{\"userName\":\"a\",\"userName\":\"b\"}");
    assertScimError(r, 400, "invalidSyntax");
    assertThat(json(r).path("detail").asText()).contains("userName");
  }

  @Test
  void emptyBody_answers400InvalidSyntax() {
    assertScimError(server.send("POST", "/scim/v2/Users", ""), 400, "invalidSyntax");
  }

  @Test
  void bodyLargerThanMaxPayload_answers413() {
    String big = "{\"userName\":\"" + "x".repeat(ServiceConfig.DEFAULTS.maxPayloadSize()) + "\"}";
    assertScimError(server.send("POST", "/scim/v2/Users", big), 413, null);
  }

  @Test
  void chunkedBodyLargerThanMaxPayload_answers413() {
    byte[] big =
        ("{\"userName\":\"" + "x".repeat(ServiceConfig.DEFAULTS.maxPayloadSize()) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.url("/scim/v2/Users")))
            .header("Authorization", "Bearer " + TestServer.TOKEN)
            .header("Content-Type", "application/scim+json")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));
    assertScimError(server.send(b), 413, null);
  }

  @Test
  void badPercentEncoding_answers400() {
    String raw =
        server.rawExchange(
            "GET /scim/v2/Users/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TestServer.TOKEN
                + "\r\nConnection: close\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 400");
    assertThat(raw).contains(SchemaUrns.ERROR).doesNotContain("<html");
  }

  @Test
  void badQueryEncoding_answers400() {
    String raw =
        server.rawExchange(
            "GET /scim/v2/Users?filter=%E0%A4 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                + TestServer.TOKEN
                + "\r\nConnection: close\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 400");
    assertThat(raw).contains(SchemaUrns.ERROR);
  }

  @Test
  void endpointSegment_isCaseInsensitive_andTrailingSlashTolerated() {
    assertThat(server.send("GET", "/scim/v2/users/", null).statusCode()).isEqualTo(200);
    assertThat(server.send("GET", "/scim/v2/GROUPS", null).statusCode()).isEqualTo(200);
  }

  @Test
  void unknownId_answers404ScimError() {
    assertScimError(server.send("GET", "/scim/v2/Users/does-not-exist", null), 404, null);
  }

  @Test
  void create_answers201WithAbsoluteLocationFromForwardedHeaders() {
    HttpResponse<String> r =
        server.send(
            "POST",
            "/scim/v2/Users",
            user("forwarded.user"),
            "X-Forwarded-Proto",
            "https",
            "X-Forwarded-Host",
            "scim.example.com");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    String id = json(r).path("id").asText();
    assertThat(r.headers().firstValue("Location"))
        .hasValue("https://scim.example.com/scim/v2/Users/" + id);
    assertThat(r.headers().firstValue("ETag")).isPresent();
    assertThat(json(r).path("meta").path("location").asText())
        .isEqualTo("https://scim.example.com/scim/v2/Users/" + id);
  }

  @Test
  void create_withoutForwardedHeaders_locationNamesTheServer() {
    HttpResponse<String> r = server.send("POST", "/scim/v2/Users", user("plain.location"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(r.headers().firstValue("Location").orElseThrow())
        .startsWith(server.url("/scim/v2/Users/"));
  }

  @Test
  void ifNoneMatch_currentVersion_answers304() {
    HttpResponse<String> created = server.send("POST", "/scim/v2/Users", user("etag.user"));
    String location = created.headers().firstValue("Location").orElseThrow();
    String etag = created.headers().firstValue("ETag").orElseThrow();
    String path = URI.create(location).getPath();
    assertThat(server.send("GET", path, null, "If-None-Match", etag).statusCode()).isEqualTo(304);
    HttpResponse<String> stale =
        server.send("DELETE", path, null, "If-Match", "W/\"not-the-version\"");
    assertScimError(stale, 412, null);
  }

  @Test
  void listParameters_namesCaseInsensitive() {
    server.send("POST", "/scim/v2/Users", user("case.params"));
    HttpResponse<String> r =
        server.send(
            "GET", "/scim/v2/Users?FILTER=" + q("userName eq \"CASE.PARAMS\"") + "&Count=5", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("totalResults").asInt()).isEqualTo(1);
  }

  @Test
  void search_postBody_isAListRequest() {
    server.send("POST", "/scim/v2/Users", user("search.me"));
    String body =
        "{\"schemas\":[\""
            + SchemaUrns.SEARCH_REQUEST
            + "\"],\"filter\":\"userName eq \\\"search.me\\\"\",\"count\":10}";
    HttpResponse<String> typed = server.send("POST", "/scim/v2/Users/.search", body);
    assertThat(typed.statusCode()).as(typed.body()).isEqualTo(200);
    assertThat(json(typed).path("totalResults").asInt()).isEqualTo(1);
    HttpResponse<String> root = server.send("POST", "/scim/v2/.search", body);
    assertThat(root.statusCode()).as(root.body()).isEqualTo(200);
    assertThat(json(root).path("totalResults").asInt()).isEqualTo(1);
  }

  @Test
  void rootList_answers200ListResponse() {
    HttpResponse<String> r = server.send("GET", "/scim/v2/", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(json(r).path("schemas").get(0).asText()).isEqualTo(SchemaUrns.LIST_RESPONSE);
  }
}
