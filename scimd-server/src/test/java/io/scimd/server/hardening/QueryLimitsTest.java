package io.scimd.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.resource.Projection;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.service.ServiceConfig;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What one request may make the server compute (issue 6 §5): queries the store cannot answer from
 * an index examine a bounded number of candidates (400 {@code tooMany} beyond it, RFC 7644
 * §3.4.2.2), {@code attributes} lists have a bounded length, and a tampered cursor is the client's
 * error on every store. The memory and concurrency side is {@link QueryIsolationTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryLimitsTest {
  static final int LIMIT = 20;
  static final int USERS = 25;

  TestServer server;

  @BeforeAll
  void start() throws Exception {
    ServiceConfig service = ServiceConfig.DEFAULTS.withQueryLimits(LIMIT, 1);
    server =
        TestServer.start(
            new ServerConfig(
                "127.0.0.1",
                0,
                Files.createTempDirectory("scimd-limits"),
                null,
                TestServer.TOKEN,
                service));
    seed(server, USERS);
  }

  @AfterAll
  void stop() {
    server.close();
  }

  /** Users u0.. with title "x" (even) or "y" (odd), in one bulk request. */
  static void seed(TestServer s, int n) {
    ObjectNode bulk = TestServer.JSON.createObjectNode();
    bulk.putArray("schemas").add(SchemaUrns.BULK_REQUEST);
    ArrayNode ops = bulk.putArray("Operations");
    for (int i = 0; i < n; i++) {
      ObjectNode op =
          ops.addObject().put("method", "POST").put("path", "/Users").put("bulkId", "b" + i);
      ObjectNode data = op.putObject("data");
      data.putArray("schemas").add(SchemaUrns.USER);
      data.put("userName", "u" + i).put("title", i % 2 == 0 ? "x" : "y");
    }
    HttpResponse<String> r = s.send("POST", "/scim/v2/Bulk", bulk.toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).doesNotContain("\"status\":\"4").doesNotContain("\"status\":\"5");
  }

  private HttpResponse<String> get(String pathAndQuery) {
    return server.send("GET", pathAndQuery, null);
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static void assertTooMany(HttpResponse<String> r) {
    JsonNode e = TestServer.assertWellFormed(r);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(e.path("scimType").asText()).isEqualTo("tooMany");
    assertThat(e.path("detail").asText())
        .contains(USERS + " resources")
        .contains("narrow the filter");
  }

  @Test
  void filterOrSortNoIndexServes_beyondTheCandidateLimit_answers400TooMany() {
    assertTooMany(get("/scim/v2/Users?filter=" + q("title eq \"x\"")));
    assertTooMany(get("/scim/v2/Users?sortBy=title"));
    assertTooMany(get("/scim/v2/Users?filter=" + q("userName pr and title eq \"x\"")));
    assertTooMany(get("/scim/v2/?filter=" + q("title eq \"x\"")));
    assertTooMany(
        server.send(
            "POST",
            "/scim/v2/Users/.search",
            "{\"schemas\":[\""
                + SchemaUrns.SEARCH_REQUEST
                + "\"],\"filter\":\"title eq \\\"y\\\"\"}"));
  }

  @Test
  void filterNarrowedByAnIndex_withinTheLimit_answers() {
    // u1, u10..u19: 11 candidates, of which the evaluator keeps the even ones
    HttpResponse<String> r =
        get(
            "/scim/v2/Users?filter="
                + q("userName sw \"u1\" and title eq \"x\"")
                + "&sortBy=title");
    JsonNode body = TestServer.assertWellFormed(r);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body.path("totalResults").asInt()).isEqualTo(5);
    // co on userName is answered by the database: no candidate is examined one by one
    r = get("/scim/v2/Users?filter=" + q("userName co \"2\""));
    assertThat(TestServer.assertWellFormed(r).path("totalResults").asInt())
        .as(r.body())
        .isEqualTo(7); // u2, u12, u20-u24
    // a total alone costs no examination
    r = get("/scim/v2/Users?sortBy=title&count=0");
    assertThat(TestServer.assertWellFormed(r).path("totalResults").asInt())
        .as(r.body())
        .isEqualTo(USERS);
  }

  @Test
  void serviceProviderConfig_stillPublishesThePageSizeAsMaxResults() {
    JsonNode spc =
        TestServer.assertWellFormed(server.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null));
    // RFC 7643 §5: filter.maxResults is the most resources a response returns, not the work limit.
    assertThat(spc.path("filter").path("maxResults").asInt())
        .isEqualTo(ServiceConfig.DEFAULTS.maxPageSize());
    assertThat(spc.path("filter").path("supported").asBoolean()).isTrue();
  }

  @Test
  void search_naming60000Attributes_answers400InvalidValue() {
    ObjectNode search = TestServer.JSON.createObjectNode();
    search.putArray("schemas").add(SchemaUrns.SEARCH_REQUEST);
    ArrayNode names = search.putArray("attributes");
    for (int i = 0; i < 60_000; i++) {
      names.add("a" + i);
    }
    long started = System.nanoTime();
    HttpResponse<String> r = server.send("POST", "/scim/v2/Users/.search", search.toString());
    JsonNode e = TestServer.assertWellFormed(r);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(e.path("scimType").asText()).isEqualTo("invalidValue");
    assertThat(e.path("detail").asText())
        .contains("60000 attributes")
        .contains("at most " + Projection.MAX_PATHS);
    assertThat((System.nanoTime() - started) / 1_000_000).as("ms").isLessThan(5_000);
  }

  @Test
  void attributeListsOverTheLimit_answer400_andAtTheLimitAnswer() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < Projection.MAX_PATHS; i++) {
      names.add(i % 2 == 0 ? "userName" : "name.givenName");
    }
    String atLimit = String.join(",", names);
    assertThat(get("/scim/v2/Users?count=1&attributes=" + q(atLimit)).statusCode()).isEqualTo(200);
    HttpResponse<String> r =
        get("/scim/v2/Users?count=1&excludedAttributes=" + q(atLimit + ",title"));
    assertThat(TestServer.assertWellFormed(r).path("scimType").asText())
        .as(r.body())
        .isEqualTo("invalidValue");
    assertThat(r.statusCode()).isEqualTo(400);
  }

  /** A cursor this server issued, with its key replaced by a string. */
  static String tampered(String cursor) throws Exception {
    ObjectNode n = (ObjectNode) TestServer.JSON.readTree(Base64.getUrlDecoder().decode(cursor));
    n.set("k", TextNode.valueOf("x"));
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(TestServer.JSON.writeValueAsBytes(n));
  }

  static void assertTamperedCursorIsInvalidCursor(TestServer s) throws Exception {
    HttpResponse<String> first =
        s.send("GET", "/scim/v2/Users?sortBy=meta.created&count=1&cursor=", null);
    String next = TestServer.assertWellFormed(first).path("nextCursor").asText();
    assertThat(next).as(first.body()).isNotEmpty();
    HttpResponse<String> r =
        s.send(
            "GET", "/scim/v2/Users?sortBy=meta.created&count=1&cursor=" + q(tampered(next)), null);
    JsonNode e = TestServer.assertWellFormed(r);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(e.path("scimType").asText()).isEqualTo("invalidCursor");
  }

  @Test
  void cursorWithATamperedKey_answers400InvalidCursor_onSqlite() throws Exception {
    assertTamperedCursorIsInvalidCursor(server);
  }

  @Test
  void cursorWithATamperedKey_answers400InvalidCursor_onPostgres() throws Exception {
    try (PgTestDatabase db = PgTestDatabase.createOrSkipEachTest()) {
      PgTestDatabase.require(db);
      ServerConfig config =
          new ServerConfig(
                  "127.0.0.1",
                  0,
                  Files.createTempDirectory("scimd-pg"),
                  null,
                  TestServer.TOKEN,
                  ServiceConfig.DEFAULTS)
              .withDatabase(db.url(), PoolSettings.defaults().withMaxPoolSize(2));
      try (TestServer pg = TestServer.start(config)) {
        seed(pg, 3);
        assertTamperedCursorIsInvalidCursor(pg);
      }
    }
  }
}
