package io.scimd.server.limits;

import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.service.ServiceConfig;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The request limits (issue 7 §4), each small enough to reach: each is published in {@code
 * /ServiceProviderConfig}, where SCIM has a field for it or else in scimd's extension, and a
 * request beyond it answers the SCIM error that names it and changes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLimitsTest {
  static final int MAX_RESULTS = 5;
  static final int MAX_PAYLOAD = 2048;
  static final int BULK_OPERATIONS = 2;
  static final int PATCH_OPERATIONS = 3;
  static final int FILTER_LENGTH = 100;
  static final int FILTER_DEPTH = 2;

  TestServer server;
  TestServer.Client scim;
  String userId;

  @BeforeAll
  void start() {
    ServerConfig config = TestServer.config();
    server =
        TestServer.start(
            config.withService(
                config
                    .service()
                    .withRequestLimits(
                        MAX_RESULTS,
                        MAX_PAYLOAD,
                        BULK_OPERATIONS,
                        PATCH_OPERATIONS,
                        FILTER_LENGTH,
                        FILTER_DEPTH)));
    scim = server.scim();
    userId = scim.createUser("limited");
    for (int i = 0; i < MAX_RESULTS + 2; i++) {
      scim.createUser("many-" + i);
    }
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void serviceProviderConfig_publishesEveryLimit() {
    JsonNode spc = json(server.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null));
    assertThat(spc.path("bulk").path("maxOperations").asInt()).isEqualTo(BULK_OPERATIONS);
    assertThat(spc.path("bulk").path("maxPayloadSize").asInt()).isEqualTo(MAX_PAYLOAD);
    assertThat(spc.path("filter").path("maxResults").asInt()).isEqualTo(MAX_RESULTS);
    assertThat(spc.path("pagination").path("maxPageSize").asInt()).isEqualTo(MAX_RESULTS);
    assertThat(spc.path("schemas").toString()).contains(ServiceConfig.LIMITS);
    JsonNode limits = spc.path(ServiceConfig.LIMITS);
    assertThat(limits.path("maxPayloadSize").asInt()).isEqualTo(MAX_PAYLOAD);
    assertThat(limits.path("maxFilterLength").asInt()).isEqualTo(FILTER_LENGTH);
    assertThat(limits.path("maxFilterDepth").asInt()).isEqualTo(FILTER_DEPTH);
    assertThat(limits.path("maxPatchOperations").asInt()).isEqualTo(PATCH_OPERATIONS);
    assertThat(limits.has("rateLimit")).as("rate limiting is off here").isFalse();
  }

  @Test
  void aFilterLongerThanTheLimit_is400InvalidFilter_namingIt_onGetAndSearch() {
    String filter = "userName eq \"" + "a".repeat(FILTER_LENGTH - 13) + "\"";
    assertThat(filter).hasSize(FILTER_LENGTH + 1);
    JsonNode e = assertScimError(scim.get("/Users?filter=" + q(filter)), 400, "invalidFilter");
    assertThat(e.path("detail").asText())
        .contains("the filter has 101 characters; at most 100 are allowed")
        .contains("maxFilterLength")
        .contains("/ServiceProviderConfig");
    e = assertScimError(scim.post("/Users/.search", search(filter)), 400, "invalidFilter");
    assertThat(e.path("detail").asText()).contains("maxFilterLength");
    e = assertScimError(scim.post("/.search", search(filter)), 400, "invalidFilter");
    assertThat(e.path("detail").asText()).contains("maxFilterLength");

    String atTheLimit = filter.substring(0, 13) + "a".repeat(FILTER_LENGTH - 14) + "\"";
    assertThat(atTheLimit).hasSize(FILTER_LENGTH);
    assertThat(scim.get("/Users?filter=" + q(atTheLimit)).statusCode()).isEqualTo(200);
  }

  @Test
  void aFilterNestedDeeperThanTheLimit_is400InvalidFilter_sayingHowDeep() {
    String deep = "userName eq \"x\" or (title pr and (nickName pr or not (active eq true)))";
    JsonNode e = assertScimError(scim.get("/Users?filter=" + q(deep)), 400, "invalidFilter");
    assertThat(e.path("detail").asText())
        .contains("the filter nests 3 levels deep")
        .contains("at most 2 are allowed")
        .contains("maxFilterDepth");
    String bracketed = "emails[type eq \"work\" and (value co \"x\" or (value co \"y\"))]";
    e = assertScimError(scim.post("/Users/.search", search(bracketed)), 400, "invalidFilter");
    assertThat(e.path("detail").asText()).contains("nests 3 levels deep");

    String allowed = "userName eq \"x\" or (title pr and not (active eq true))";
    assertThat(scim.get("/Users?filter=" + q(allowed)).statusCode()).isEqualTo(200);
    // Parentheses inside a string are no nesting.
    assertThat(scim.get("/Users?filter=" + q("userName eq \"(((((\"")).statusCode()).isEqualTo(200);
  }

  @Test
  void aPatchWithTooManyOperations_is413NamingTheLimit_andChangesNothing() {
    String before = server.snapshot();
    String tooMany =
        patchBody(
            "{\"op\":\"replace\",\"path\":\"nickName\",\"value\":\"a\"}",
            "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"b\"}",
            "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"c\"}",
            "{\"op\":\"replace\",\"path\":\"userType\",\"value\":\"d\"}");
    JsonNode e = assertScimError(scim.patch("/Users/" + userId, tooMany), 413, null);
    assertThat(e.path("detail").asText())
        .contains("the PATCH request has 4 operations; at most 3 are allowed")
        .contains("maxPatchOperations");
    assertThat(server.snapshot()).isEqualTo(before);

    // The same inside a bulk request: that operation fails alone.
    ObjectNode bulk = bulk();
    ObjectNode op = ((ArrayNode) bulk.get("Operations")).addObject();
    op.put("method", "PATCH").put("path", "/Users/" + userId).set("data", json(tooMany));
    HttpResponse<String> r = scim.post("/Bulk", bulk.toString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode result = json(r).path("Operations").get(0);
    assertThat(result.path("status").asText()).isEqualTo("413");
    assertThat(result.path("response").path("detail").asText()).contains("maxPatchOperations");
    assertThat(server.snapshot()).isEqualTo(before);

    HttpResponse<String> ok =
        scim.patch(
            "/Users/" + userId,
            patchBody(
                "{\"op\":\"replace\",\"path\":\"nickName\",\"value\":\"a\"}",
                "{\"op\":\"replace\",\"path\":\"title\",\"value\":\"b\"}",
                "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"c\"}"));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
  }

  @Test
  void aBulkWithTooManyOperations_is413NamingTheLimit_andCreatesNothing() {
    String before = server.snapshot();
    ObjectNode bulk = bulk();
    ArrayNode ops = (ArrayNode) bulk.get("Operations");
    for (int i = 0; i <= BULK_OPERATIONS; i++) {
      ops.addObject()
          .put("method", "POST")
          .put("path", "/Users")
          .put("bulkId", "b" + i)
          .set("data", json(user("bulk-" + i)));
    }
    JsonNode e = assertScimError(scim.post("/Bulk", bulk.toString()), 413, null);
    assertThat(e.path("detail").asText())
        .contains("the bulk request has 3 operations; at most 2 are allowed")
        .contains("bulk.maxOperations");
    assertThat(server.snapshot()).isEqualTo(before);
  }

  @Test
  void aBodyLargerThanTheLimit_is413NamingMaxPayloadSize_andCreatesNothing() {
    String before = server.snapshot();
    String big =
        "{\"schemas\":[\""
            + SchemaUrns.USER
            + "\"],\"userName\":\"big\",\"nickName\":\""
            + "n".repeat(MAX_PAYLOAD)
            + "\"}";
    JsonNode e = assertScimError(scim.post("/Users", big), 413, null);
    assertThat(e.path("detail").asText()).contains("maxPayloadSize").contains("2048 bytes");
    ObjectNode bulk = bulk();
    ((ArrayNode) bulk.get("Operations"))
        .addObject()
        .put("method", "POST")
        .put("path", "/Users")
        .put("bulkId", "big")
        .set("data", json(big));
    e = assertScimError(scim.post("/Bulk", bulk.toString()), 413, null);
    assertThat(e.path("detail").asText()).contains("maxPayloadSize");
    assertThat(server.snapshot()).isEqualTo(before);
  }

  @Test
  void aCountAboveMaxResults_isCappedToIt() {
    JsonNode page = scim.list("/Users?count=100");
    assertThat(page.path("totalResults").asInt()).isGreaterThan(MAX_RESULTS);
    assertThat(page.path("itemsPerPage").asInt()).isEqualTo(MAX_RESULTS);
    assertThat(page.path("Resources").size()).isEqualTo(MAX_RESULTS);
  }

  private static ObjectNode bulk() {
    ObjectNode bulk = TestServer.JSON.createObjectNode();
    bulk.putArray("schemas").add(SchemaUrns.BULK_REQUEST);
    bulk.putArray("Operations");
    return bulk;
  }

  private static String search(String filter) {
    ObjectNode s = TestServer.JSON.createObjectNode();
    s.putArray("schemas").add(SchemaUrns.SEARCH_REQUEST);
    s.put("filter", filter);
    return s.toString();
  }
}
