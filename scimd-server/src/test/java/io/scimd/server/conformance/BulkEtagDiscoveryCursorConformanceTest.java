package io.scimd.server.conformance;

import static io.scimd.core.schema.SchemaUrns.BULK_REQUEST;
import static io.scimd.core.schema.SchemaUrns.BULK_RESPONSE;
import static io.scimd.core.schema.SchemaUrns.ENTERPRISE_USER;
import static io.scimd.core.schema.SchemaUrns.ERROR;
import static io.scimd.core.schema.SchemaUrns.GROUP;
import static io.scimd.core.schema.SchemaUrns.RESOURCE_TYPE;
import static io.scimd.core.schema.SchemaUrns.SEARCH_REQUEST;
import static io.scimd.core.schema.SchemaUrns.SERVICE_PROVIDER_CONFIG;
import static io.scimd.core.schema.SchemaUrns.USER;
import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * RFC 7644 §3.7 (bulk), §3.14 (ETags), §4 with RFC 7643 §5–§7 (discovery), and RFC 9865 (cursors).
 */
class BulkEtagDiscoveryCursorConformanceTest extends ConformanceSuite {
  static final String TEST_EXT = "urn:example:scim:schemas:extension:test:2.0:User";

  static String bulk(String failOnErrors, String... ops) {
    return "{\"schemas\":[\""
        + BULK_REQUEST
        + "\"]"
        + (failOnErrors == null ? "" : ",\"failOnErrors\":" + failOnErrors)
        + ",\"Operations\":["
        + String.join(",", ops)
        + "]}";
  }

  static JsonNode bulkOk(String body) {
    HttpResponse<String> r = scim.post("/Bulk", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode b = json(r);
    assertThat(b.path("schemas").toString()).contains(BULK_RESPONSE);
    for (JsonNode op : b.path("Operations")) {
      assertThat(op.path("status").isTextual()).as("bulk status is a string: %s", op).isTrue();
    }
    return b;
  }

  // §3.7

  @Test
  void rfc7644_3_7_1_bulkIdReference_groupListsUserCreatedInTheSameRequest() {
    String userName = fresh("alice");
    JsonNode b =
        bulkOk(
            bulk(
                null,
                "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"ytrewq\",\"data\":{\"schemas\":[\""
                    + GROUP
                    + "\"],\"displayName\":\""
                    + fresh("Tour Guides")
                    + "\",\"members\":[{\"type\":\"User\",\"value\":\"bulkId:qwerty\"}]}}",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"qwerty\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + userName
                    + "\"}}"));
    JsonNode ops = b.path("Operations");
    assertThat(ops.size()).isEqualTo(2);
    Map<String, JsonNode> byBulkId = new HashMap<>();
    ops.forEach(o -> byBulkId.put(o.path("bulkId").asText(), o));
    JsonNode userOp = byBulkId.get("qwerty");
    JsonNode groupOp = byBulkId.get("ytrewq");
    assertThat(userOp.path("status").asText()).isEqualTo("201");
    assertThat(groupOp.path("status").asText()).isEqualTo("201");
    assertThat(userOp.path("method").asText()).isEqualTo("POST");
    assertThat(userOp.path("version").asText()).isNotBlank();
    String userLocation = userOp.path("location").asText();
    assertThat(userLocation).startsWith(scim.base() + "/Users/");
    String uid = userLocation.substring(userLocation.lastIndexOf('/') + 1);
    HttpResponse<String> g =
        scim.send("GET", groupOp.path("location").asText().substring(scim.base().length()), null);
    assertThat(json(g).path("members").get(0).path("value").asText()).isEqualTo(uid);
  }

  @Test
  void rfc7644_3_7_1_circularReferences_resolvedOrReported409() {
    String body =
        bulk(
            null,
            "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"qwerty\",\"data\":{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + fresh("Group A")
                + "\",\"members\":[{\"type\":\"Group\",\"value\":\"bulkId:ytrewq\"}]}}",
            "{\"method\":\"POST\",\"path\":\"/Groups\",\"bulkId\":\"ytrewq\",\"data\":{\"schemas\":[\""
                + GROUP
                + "\"],\"displayName\":\""
                + fresh("Group B")
                + "\",\"members\":[{\"type\":\"Group\",\"value\":\"bulkId:qwerty\"}]}}");
    JsonNode b = bulkOk(body);
    for (JsonNode op : b.path("Operations")) {
      assertThat(op.path("status").asText()).isIn("201", "409");
      if (op.path("status").asText().equals("409")) {
        assertThat(op.path("response").path("status").asText()).isEqualTo("409");
      }
    }
  }

  @Test
  void rfc7644_3_7_3_errorsAreReportedPerOperation_withTheScimErrorInResponse() {
    String dup = fresh("dup");
    scim.createUser(dup);
    JsonNode b =
        bulkOk(
            bulk(
                null,
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"a\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + dup
                    + "\"}}",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"b\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + fresh("ok")
                    + "\"}}"));
    JsonNode first = b.path("Operations").get(0);
    assertThat(first.path("status").asText()).isEqualTo("409");
    assertThat(first.path("response").path("schemas").toString()).contains(ERROR);
    assertThat(first.path("response").path("scimType").asText()).isEqualTo("uniqueness");
    assertThat(first.path("response").path("status").asText()).isEqualTo("409");
    assertThat(b.path("Operations").get(1).path("status").asText()).isEqualTo("201");
  }

  @Test
  void rfc7644_3_7_3_failOnErrors_stopsProcessing() {
    String last = fresh("never");
    JsonNode b =
        bulkOk(
            bulk(
                "1",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"a\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"]}}",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"b\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"]}}",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"c\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + last
                    + "\"}}"));
    assertThat(b.path("Operations").size()).isEqualTo(1);
    assertThat(b.path("Operations").get(0).path("status").asText()).isEqualTo("400");
    assertThat(b.path("Operations").get(0).path("response").path("scimType").asText())
        .isEqualTo("invalidValue");
    assertThat(scim.userNames("userName eq \"" + last + "\"")).isEmpty();
  }

  /**
   * §3.7.3: failOnErrors is "the number of errors that the service provider will accept before the
   * operation is terminated": what ran before stays done and reports its own status.
   */
  @Test
  void rfc7644_3_7_3_failOnErrors_keepsWhatRanBeforeTheLimit() {
    String dup = fresh("dup");
    scim.createUser(dup);
    String kept = fresh("kept");
    String never = fresh("never");
    JsonNode b =
        bulkOk(
            bulk(
                "1",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"k\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + kept
                    + "\"}}",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"d\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + dup
                    + "\"}}",
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"n\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + never
                    + "\"}}"));
    JsonNode ops = b.path("Operations");
    assertThat(ops.size()).isEqualTo(2);
    assertThat(ops.get(0).path("status").asText()).isEqualTo("201");
    assertThat(ops.get(0).path("location").asText()).contains("/Users/");
    assertThat(ops.get(1).path("status").asText()).isEqualTo("409");
    assertThat(ops.get(1).path("response").path("scimType").asText()).isEqualTo("uniqueness");
    assertThat(scim.userNames("userName eq \"" + kept + "\"")).containsExactly(kept);
    assertThat(scim.userNames("userName eq \"" + never + "\"")).isEmpty();
  }

  @Test
  void rfc7644_3_7_putPatchDelete_andVersionPreconditions() {
    JsonNode u = scim.create("/Users", user(fresh("bulk")));
    String id = u.path("id").asText();
    String version = u.path("meta").path("version").asText();
    JsonNode b =
        bulkOk(
            bulk(
                null,
                "{\"method\":\"PATCH\",\"path\":\"/Users/"
                    + id
                    + "\",\"version\":"
                    + TestServer.JSON.valueToTree(version)
                    + ",\"data\":"
                    + patchBody("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"T\"}")
                    + "}",
                "{\"method\":\"PUT\",\"path\":\"/Users/"
                    + id
                    + "\",\"version\":"
                    + TestServer.JSON.valueToTree(version)
                    + ",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + u.path("userName").asText()
                    + "\"}}"));
    assertThat(b.path("Operations").get(0).path("status").asText()).isEqualTo("200");
    assertThat(b.path("Operations").get(0).path("location").asText())
        .isEqualTo(scim.base() + "/Users/" + id);
    assertThat(b.path("Operations").get(1).path("status").asText()).isEqualTo("412");
    JsonNode d = bulkOk(bulk(null, "{\"method\":\"DELETE\",\"path\":\"/Users/" + id + "\"}"));
    assertThat(d.path("Operations").get(0).path("status").asText()).isEqualTo("204");
    assertThat(scim.get("/Users/" + id).statusCode()).isEqualTo(404);
  }

  @Test
  void rfc7644_3_7_postWithoutBulkId_isAnOperationError() {
    JsonNode b =
        bulkOk(
            bulk(
                null,
                "{\"method\":\"POST\",\"path\":\"/Users\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + fresh("nb")
                    + "\"}}"));
    assertThat(b.path("Operations").get(0).path("status").asText()).isEqualTo("400");
  }

  @Test
  void rfc7644_3_7_4_tooManyOperations_is413() {
    JsonNode spc = json(scim.get("/ServiceProviderConfig"));
    int max = spc.path("bulk").path("maxOperations").asInt();
    List<String> ops = new ArrayList<>();
    for (int i = 0; i <= max; i++) {
      ops.add("{\"method\":\"DELETE\",\"path\":\"/Users/x" + i + "\"}");
    }
    assertScimError(scim.post("/Bulk", bulk(null, ops.toArray(String[]::new))), 413, null);
  }

  @Test
  void rfc7644_3_7_4_payloadTooLarge_is413() {
    JsonNode spc = json(scim.get("/ServiceProviderConfig"));
    int max = spc.path("bulk").path("maxPayloadSize").asInt();
    String pad = "x".repeat(max);
    assertScimError(
        scim.post(
            "/Bulk",
            bulk(
                null,
                "{\"method\":\"POST\",\"path\":\"/Users\",\"bulkId\":\"a\",\"data\":{\"schemas\":[\""
                    + USER
                    + "\"],\"userName\":\""
                    + pad
                    + "\"}}")),
        413,
        null);
  }

  // §3.14 ETags

  @Test
  void rfc7644_3_14_etags_ifNoneMatch304_ifMatch412_weakTags() {
    JsonNode u = scim.create("/Users", user(fresh("etag")));
    String path = "/Users/" + u.path("id").asText();
    String etag = scim.get(path).headers().firstValue("ETag").orElseThrow();
    assertThat(etag).startsWith("W/\"").endsWith("\"");
    assertThat(etag).isEqualTo(u.path("meta").path("version").asText());
    HttpResponse<String> notModified = scim.get(path, "If-None-Match", etag);
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(scim.get(path, "If-None-Match", "W/\"other\"").statusCode()).isEqualTo(200);
    assertThat(scim.get(path, "If-None-Match", "*").statusCode()).isEqualTo(304);

    String body = patchBody("{\"op\":\"replace\",\"path\":\"title\",\"value\":\"x\"}");
    assertScimError(scim.patch(path, body, "If-Match", "W/\"stale\""), 412, null);
    assertScimError(
        scim.put(
            path,
            "{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + u.path("userName").asText() + "\"}",
            "If-Match",
            "W/\"stale\""),
        412,
        null);
    assertScimError(scim.delete(path, "If-Match", "W/\"stale\""), 412, null);
    HttpResponse<String> ok = scim.patch(path, body, "If-Match", etag);
    assertThat(ok.statusCode()).isEqualTo(200);
    String newTag = ok.headers().firstValue("ETag").orElseThrow();
    assertThat(newTag).isNotEqualTo(etag);
    // The old tag no longer matches; the strong form of the current one compares weakly equal (RFC
    // 7232 §2.3.2).
    assertThat(scim.get(path, "If-None-Match", etag).statusCode()).isEqualTo(200);
    assertThat(scim.get(path, "If-None-Match", etag + ", " + newTag).statusCode()).isEqualTo(304);
    assertScimError(scim.delete(path, "If-Match", etag), 412, null);
    assertThat(scim.delete(path, "If-Match", "*").statusCode()).isEqualTo(204);
  }

  // RFC 7644 §4, RFC 7643 §5–§7 discovery

  @Test
  void rfc7643_5_serviceProviderConfig_publishesWhatIsEnforced() {
    HttpResponse<String> r = scim.send("GET", "/ServiceProviderConfig", null, "Authorization", "");
    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode spc = json(r);
    assertThat(spc.path("schemas").toString()).contains(SERVICE_PROVIDER_CONFIG);
    for (String f : List.of("patch", "bulk", "filter", "changePassword", "sort", "etag")) {
      assertThat(spc.path(f).path("supported").isBoolean()).as(f).isTrue();
    }
    assertThat(spc.path("authenticationSchemes").isArray()).isTrue();
    assertThat(spc.path("authenticationSchemes").get(0).path("type").asText())
        .isEqualTo("oauthbearertoken");
    assertThat(spc.path("filter").path("maxResults").asInt()).isPositive();
    // RFC 9865 §4: the pagination block.
    JsonNode p = spc.path("pagination");
    assertThat(p.path("cursor").asBoolean()).isTrue();
    assertThat(p.path("index").asBoolean()).isTrue();
    assertThat(p.path("defaultPaginationMethod").asText()).isIn("index", "cursor");
    assertThat(p.path("defaultPageSize").asInt()).isPositive();
    assertThat(p.path("maxPageSize").asInt())
        .isGreaterThanOrEqualTo(p.path("defaultPageSize").asInt());
    assertThat(p.path("cursorTimeout").asInt()).isPositive();
  }

  @Test
  void rfc7643_6_resourceTypes_andRfc7644_4_filterIsForbidden() {
    JsonNode list = scim.list("/ResourceTypes");
    Set<String> names = new HashSet<>();
    list.path("Resources").forEach(t -> names.add(t.path("name").asText()));
    assertThat(names).contains("User", "Group", "Device");
    JsonNode user = json(scim.get("/ResourceTypes/User"));
    assertThat(user.path("endpoint").asText()).isEqualTo("/Users");
    assertThat(user.path("schema").asText()).isEqualTo(USER);
    assertThat(user.path("schemaExtensions").toString())
        .contains(ENTERPRISE_USER)
        .contains(TEST_EXT);
    assertThat(user.path("schemas").toString()).contains(RESOURCE_TYPE);
    assertScimError(scim.get("/ResourceTypes/Nope"), 404, null);
    assertThat(scim.get("/ResourceTypes?filter=" + q("name eq \"User\"")).statusCode())
        .isEqualTo(403);
    assertThat(scim.get("/Schemas?filter=" + q("id eq \"x\"")).statusCode()).isEqualTo(403);
  }

  @Test
  void rfc7643_7_schemas_describeTheCharacteristicsTheServerEnforces() {
    JsonNode all = scim.list("/Schemas");
    Set<String> ids = new HashSet<>();
    all.path("Resources").forEach(s -> ids.add(s.path("id").asText()));
    assertThat(ids).contains(USER, GROUP, ENTERPRISE_USER, DEVICE, TEST_EXT);
    JsonNode user = json(scim.get("/Schemas/" + USER));
    assertThat(user.path("id").asText()).isEqualTo(USER);
    Map<String, JsonNode> attrs = new HashMap<>();
    user.path("attributes").forEach(a -> attrs.put(a.path("name").asText(), a));
    for (JsonNode a : attrs.values()) {
      for (String c :
          List.of("name", "type", "multiValued", "required", "mutability", "returned")) {
        assertThat(a.has(c)).as("%s has %s", a.path("name").asText(), c).isTrue();
      }
    }
    JsonNode userName = attrs.get("userName");
    assertThat(userName.path("required").asBoolean()).isTrue();
    assertThat(userName.path("uniqueness").asText()).isEqualTo("server");
    assertThat(userName.path("caseExact").asBoolean()).isFalse();
    assertThat(attrs.get("password").path("returned").asText()).isEqualTo("never");
    assertThat(attrs.get("password").path("mutability").asText()).isEqualTo("writeOnly");
    assertThat(attrs.get("groups").path("mutability").asText()).isEqualTo("readOnly");
    assertThat(attrs.get("emails").path("multiValued").asBoolean()).isTrue();
    assertThat(attrs.get("emails").path("subAttributes").isArray()).isTrue();

    // Behaviour matches: required -> 400; uniqueness server + caseExact false -> 409 in any case;
    // readOnly -> ignored; returned never -> absent.
    assertScimError(scim.post("/Users", "{\"schemas\":[\"" + USER + "\"]}"), 400, "invalidValue");
    String n = fresh("Disco");
    scim.createUser(n);
    assertScimError(
        scim.post(
            "/Users", "{\"schemas\":[\"" + USER + "\"],\"userName\":\"" + n.toLowerCase() + "\"}"),
        409,
        "uniqueness");
    assertThat(scim.userNames("userName eq \"" + n.toUpperCase() + "\"")).containsExactly(n);
    JsonNode created =
        scim.create(
            "/Users",
            "{\"schemas\":[\""
                + USER
                + "\"],\"userName\":\""
                + fresh("d")
                + "\",\"password\":\"pw-12345678\",\"groups\":[{\"value\":\"g\"}]}");
    assertThat(created.has("password")).isFalse();
    assertThat(created.path("groups").size()).isZero();

    // Every returned:never attribute in any published schema is absent from a full GET.
    JsonNode device = json(scim.get("/Schemas/" + DEVICE));
    device
        .path("attributes")
        .forEach(
            a -> {
              if (a.path("name").asText().equals("secret")) {
                assertThat(a.path("returned").asText()).isEqualTo("never");
                assertThat(a.path("mutability").asText()).isEqualTo("writeOnly");
              }
              if (a.path("name").asText().equals("assetTag")) {
                assertThat(a.path("mutability").asText()).isEqualTo("immutable");
              }
            });
    assertScimError(scim.get("/Schemas/urn:nope"), 404, null);
  }

  @Test
  void rfc7644_4_discoveryListResponses_haveListFields() {
    for (String p : List.of("/Schemas", "/ResourceTypes")) {
      JsonNode l = scim.list(p);
      assertThat(l.path("totalResults").asInt()).isEqualTo(l.path("Resources").size());
    }
  }

  // RFC 9865 cursor paging

  @Test
  void rfc9865_cursorWalk_coversAllResultsExactlyOnce_whileInsertingConcurrently()
      throws InterruptedException {
    String prefix = fresh("cur") + "-";
    Set<String> initial = new HashSet<>();
    for (int i = 0; i < 23; i++) {
      initial.add(scim.create("/Users", user(prefix + i)).path("userName").asText());
    }
    String filter = q("userName sw \"" + prefix + "\"");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger inserted = new AtomicInteger();
    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (!stop.get()) {
                    scim.createUser(prefix + "new" + inserted.incrementAndGet());
                  }
                });
    List<String> seen = new ArrayList<>();
    JsonNode page = scim.list("/Users?filter=" + filter + "&count=4&cursor=");
    assertThat(page.has("startIndex")).isFalse();
    int pages = 1;
    while (true) {
      assertThat(page.path("itemsPerPage").asInt())
          .isEqualTo(page.path("Resources").size())
          .isLessThanOrEqualTo(4);
      page.path("Resources").forEach(u -> seen.add(u.path("userName").asText()));
      if (!page.hasNonNull("nextCursor")) {
        break;
      }
      assertThat(pages++).isLessThan(200);
      page =
          scim.list(
              "/Users?filter=" + filter + "&count=4&cursor=" + q(page.path("nextCursor").asText()));
    }
    stop.set(true);
    writer.join();
    assertThat(new HashSet<>(seen)).as("no duplicates").hasSameSizeAs(seen);
    assertThat(seen).containsAll(initial);
  }

  @Test
  void rfc9865_firstPage_withEmptyCursor_andLastPageHasNoNextCursor() {
    String prefix = fresh("cp") + "-";
    for (int i = 0; i < 3; i++) {
      scim.createUser(prefix + i);
    }
    JsonNode first =
        scim.list("/Users?filter=" + q("userName sw \"" + prefix + "\"") + "&cursor=&count=2");
    assertThat(first.path("Resources").size()).isEqualTo(2);
    assertThat(first.path("itemsPerPage").asInt()).isEqualTo(2);
    assertThat(first.path("nextCursor").asText()).isNotBlank();
    JsonNode second =
        scim.list(
            "/Users?filter="
                + q("userName sw \"" + prefix + "\"")
                + "&count=2&cursor="
                + q(first.path("nextCursor").asText()));
    assertThat(second.path("Resources").size()).isEqualTo(1);
    assertThat(second.hasNonNull("nextCursor")).isFalse();
    // Bare "cursor" (no '=') is the first page too.
    JsonNode bare =
        scim.list("/Users?filter=" + q("userName sw \"" + prefix + "\"") + "&count=2&cursor");
    assertThat(bare.path("Resources").size()).isEqualTo(2);
  }

  @Test
  void rfc9865_cursorWithSortBy_walksInSortOrder() {
    String prefix = fresh("cs") + "-";
    for (String s : List.of("c", "a", "d", "b")) {
      scim.createUser(prefix + s);
    }
    List<String> seen = new ArrayList<>();
    String f =
        "/Users?filter="
            + q("userName sw \"" + prefix + "\"")
            + "&sortBy=userName&sortOrder=descending&count=1&cursor=";
    JsonNode page = scim.list(f);
    while (true) {
      page.path("Resources")
          .forEach(u -> seen.add(u.path("userName").asText().substring(prefix.length())));
      if (!page.hasNonNull("nextCursor")) {
        break;
      }
      page = scim.list(f + q(page.path("nextCursor").asText()));
    }
    assertThat(seen).containsExactly("d", "c", "b", "a");
  }

  @Test
  void rfc9865_invalidCursor_is400InvalidCursor() {
    assertScimError(scim.get("/Users?cursor=not-a-real-cursor"), 400, "invalidCursor");
    assertScimError(scim.get("/Users?cursor=" + q("!!!@@@")), 400, "invalidCursor");
    assertScimError(
        scim.post(
            "/Users/.search", "{\"schemas\":[\"" + SEARCH_REQUEST + "\"],\"cursor\":\"garbage\"}"),
        400,
        "invalidCursor");
  }

  @Test
  void rfc9865_cursorInPostSearch() {
    String prefix = fresh("cq") + "-";
    for (int i = 0; i < 3; i++) {
      scim.createUser(prefix + i);
    }
    String f = "\"filter\":\"userName sw \\\"" + prefix + "\\\"\",\"count\":2";
    JsonNode first =
        json(
            scim.post(
                "/Users/.search",
                "{\"schemas\":[\"" + SEARCH_REQUEST + "\"]," + f + ",\"cursor\":\"\"}"));
    assertThat(first.path("Resources").size()).isEqualTo(2);
    String next = first.path("nextCursor").asText();
    assertThat(next).isNotBlank();
    JsonNode second =
        json(
            scim.post(
                "/Users/.search",
                "{\"schemas\":[\""
                    + SEARCH_REQUEST
                    + "\"],"
                    + f
                    + ",\"cursor\":"
                    + TestServer.JSON.valueToTree(next)
                    + "}"));
    assertThat(second.path("Resources").size()).isEqualTo(1);
  }
}
