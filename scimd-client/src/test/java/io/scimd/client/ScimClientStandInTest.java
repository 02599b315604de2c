package io.scimd.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.client.StandIn.Answer;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.patch.PatchOperation;
import io.scimd.core.patch.PatchRequest;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The client against a stand-in server on 127.0.0.1, for what scimd itself never answers on demand:
 * throttling, outages, odd paging and hostile values. The client against the real server is {@code
 * io.scimd.server.ScimClientTest}.
 */
class ScimClientStandInTest {
  static final String USER_JSON =
      "{\"id\":\"1\",\"userName\":\"a\",\"meta\":{\"version\":\"W/\\\"3\\\"\"}}";

  static ScimClient client(StandIn s) {
    return ScimClient.builder(s.base())
        .bearer("t0ken")
        .retry(
            new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5)))
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  // ---- retries -----------------------------------------------------------------------------

  @Test
  void get_429WithRetryAfterSeconds_waitsThatLongThenSucceeds() throws Exception {
    AtomicInteger n = new AtomicInteger();
    try (StandIn s =
            new StandIn(
                r ->
                    n.getAndIncrement() == 0
                        ? Answer.json(429, "{\"detail\":\"slow down\"}", "Retry-After", "1")
                        : Answer.json(200, USER_JSON, "ETag", "W/\"3\""));
        ScimClient c = client(s)) {
      long t0 = System.nanoTime();
      ScimResource u = c.resources("Users").get("1");
      Duration took = Duration.ofNanos(System.nanoTime() - t0);

      assertThat(u.etag()).isEqualTo("W/\"3\"");
      assertThat(s.seen).hasSize(2);
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950));
      assertThat(s.seen.get(1).header("Authorization")).isEqualTo("Bearer t0ken");
      assertThat(s.seen.get(1).header("User-Agent")).isEqualTo("scimd-client");
    }
  }

  @Test
  void post_503WithRetryAfterHttpDate_isRetriedAtThatDate() throws Exception {
    Instant now = Instant.parse("2026-03-01T10:00:00Z");
    String date =
        DateTimeFormatter.RFC_1123_DATE_TIME.format(now.plusSeconds(1).atZone(ZoneOffset.UTC));
    AtomicInteger n = new AtomicInteger();
    try (StandIn s =
            new StandIn(
                r ->
                    n.getAndIncrement() == 0
                        ? Answer.json(503, "", "Retry-After", date)
                        : Answer.json(201, USER_JSON));
        ScimClient c =
            ScimClient.builder(s.base())
                .clock(InstantSource.fixed(now))
                .retry(RetryPolicy.defaults())
                .build()) {
      long t0 = System.nanoTime();
      c.resources("Users").create(User.of("a").json());

      // A POST is retried after a 503: the server says it did nothing.
      assertThat(s.seen).hasSize(2);
      assertThat(Duration.ofNanos(System.nanoTime() - t0))
          .isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }
  }

  @Test
  void retryAfter_longerThanThePolicyWaits_failsAtOnceWithTheWait() throws Exception {
    try (StandIn s = new StandIn(r -> Answer.json(429, "", "Retry-After", "3600"));
        ScimClient c = client(s)) {
      assertThatThrownBy(() -> c.resources("Users").get("1"))
          .isInstanceOfSatisfying(
              ScimClientException.class,
              e -> {
                assertThat(e.status()).isEqualTo(429);
                assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(1));
                assertThat(e.unavailable()).isTrue();
              });
      assertThat(s.seen).hasSize(1);
    }
  }

  @Test
  void post_502_isNotRetried_butGet_is() throws Exception {
    try (StandIn s = new StandIn(r -> Answer.json(502, "<html>bad gateway</html>"));
        ScimClient c = client(s)) {
      assertThatThrownBy(() -> c.resources("Users").create(User.of("a").json()))
          .isInstanceOfSatisfying(
              ScimClientException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(ScimClientException.Kind.HTTP);
                assertThat(e.status()).isEqualTo(502);
                assertThat(e.detail()).isEqualTo("<html>bad gateway</html>");
              });
      assertThat(s.seen).hasSize(1);

      assertThatThrownBy(() -> c.resources("Users").get("1"))
          .isInstanceOf(ScimClientException.class);
      assertThat(s.seen).hasSize(1 + 3);
    }
  }

  @Test
  void conflict_isNotRetried_andCarriesStatusScimTypeDetail() throws Exception {
    try (StandIn s =
            new StandIn(
                r ->
                    Answer.json(
                        409,
                        "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],"
                            + "\"status\":\"409\",\"scimType\":\"uniqueness\",\"detail\":\"taken\"}"));
        ScimClient c = client(s)) {
      assertThatThrownBy(() -> c.resources("Users").create(User.of("a").json()))
          .isInstanceOfSatisfying(
              ScimClientException.class,
              e -> {
                assertThat(e.status()).isEqualTo(409);
                assertThat(e.scimType()).isEqualTo("uniqueness");
                assertThat(e.detail()).isEqualTo("taken");
                assertThat(e.unavailable()).isFalse();
              });
      assertThat(s.seen).hasSize(1);
    }
  }

  @Test
  void connectionRefused_isAConnectFailure_retriedThenReported() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    try (ScimClient c =
        ScimClient.builder(URI.create("http://127.0.0.1:" + port + "/scim/v2"))
            .retry(new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO))
            .build()) {
      assertThatThrownBy(() -> c.resources("Users").create(User.of("a").json()))
          .isInstanceOfSatisfying(
              ScimClientException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(ScimClientException.Kind.CONNECT);
                assertThat(e.status()).isZero();
                assertThat(e.unavailable()).isTrue();
              });
    }
  }

  @Test
  void slowAnswer_isATimeout_andAPostIsNotSentAgain() throws Exception {
    try (StandIn s =
            new StandIn(
                r -> {
                  try {
                    Thread.sleep(1_500);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return Answer.json(201, USER_JSON);
                });
        ScimClient c =
            ScimClient.builder(s.base()).requestTimeout(Duration.ofMillis(300)).build()) {
      assertThatThrownBy(() -> c.resources("Users").create(User.of("a").json()))
          .isInstanceOfSatisfying(
              ScimClientException.class,
              e -> assertThat(e.kind()).isEqualTo(ScimClientException.Kind.TIMEOUT));
      assertThat(s.seen).hasSize(1);
    }
  }

  // ---- values that must not change the request ---------------------------------------------

  @Test
  void filterValue_withQuotesAndBackslashes_reachesTheServerAsOneValue() throws Exception {
    String hostile = "x\" or userName pr or \"\\";
    try (StandIn s = new StandIn(r -> Answer.json(200, "{\"totalResults\":0,\"Resources\":[]}"));
        ScimClient c = client(s)) {
      assertThat(c.resources("Users").list(Filters.eq("userName", hostile)).toList()).isEmpty();

      Filter received = FilterParser.parse(s.seen.get(0).query("filter"));
      assertThat(received).isEqualTo(Filters.eq("userName", hostile));
      assertThat(received).isInstanceOf(Filter.Compare.class);
    }
  }

  @Test
  void filterNames_areSentAsTheSchemasSpellThem_forServersThatCompareExactly() throws Exception {
    try (StandIn s = new StandIn(r -> Answer.json(200, "{\"totalResults\":0,\"Resources\":[]}"));
        ScimClient c = client(s)) {
      c.resources("Users")
          .list(
              Filters.and(
                  Filters.eq("USERNAME", "a"),
                  Filters.eq(
                      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
                      "7")))
          .toList();
      assertThat(s.seen.get(0).query("filter"))
          .isEqualTo(
              "userName eq \"a\" and"
                  + " urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq"
                  + " \"7\"");
    }
  }

  @Test
  void filters_rejectABadAttributePath() {
    assertThatThrownBy(() -> Filters.eq("userName eq \"x\" or id", "y"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void id_withSlashAndSpace_isOnePathSegment() throws Exception {
    try (StandIn s = new StandIn(r -> Answer.json(200, USER_JSON));
        ScimClient c = client(s)) {
      c.resources("/Users/").get("a/b c?d");
      assertThat(s.seen.get(0).uri().getRawPath()).isEqualTo("/scim/v2/Users/a%2Fb%20c%3Fd");
    }
  }

  // ---- paging ------------------------------------------------------------------------------

  @Test
  void indexPaging_goesOnFromWhatTheServerSent_whenItSendsFewerThanAsked() throws Exception {
    try (StandIn s =
            new StandIn(
                r -> {
                  int start = Integer.parseInt(r.query("startIndex"));
                  return Answer.json(200, page(7, start, Math.min(3, 7 - start + 1)));
                });
        ScimClient c = client(s)) {
      List<String> ids =
          c.resources("Users")
              .list(SearchRequest.builder().pageSize(100).build())
              .map(ScimResource::id)
              .toList();

      assertThat(ids).containsExactly("1", "2", "3", "4", "5", "6", "7");
      assertThat(s.seen).extracting(r -> r.query("startIndex")).containsExactly("1", "4", "7");
      assertThat(s.seen.get(0).query("count")).isEqualTo("100");
    }
  }

  @Test
  void indexPaging_stopsAtAnEmptyPage_whenTotalResultsOverstates() throws Exception {
    try (StandIn s =
            new StandIn(
                r ->
                    Answer.json(
                        200,
                        r.query("startIndex").equals("1") ? page(100, 1, 2) : page(100, 3, 0)));
        ScimClient c = client(s)) {
      assertThat(c.resources("Users").list(SearchRequest.all()).count()).isEqualTo(2);
      assertThat(s.seen).hasSize(2);
    }
  }

  @Test
  void cursorPaging_followsNextCursor_andIsLazy() throws Exception {
    try (StandIn s =
            new StandIn(
                r ->
                    switch (r.query("cursor")) {
                      case "" -> Answer.json(200, cursorPage(1, "c2"));
                      case "c2" -> Answer.json(200, cursorPage(2, "c3"));
                      default -> Answer.json(200, cursorPage(3, null));
                    });
        ScimClient c = client(s)) {
      SearchRequest byCursor = SearchRequest.builder().paging(Paging.CURSOR).build();
      assertThat(c.resources("Users").list(byCursor).findFirst()).isPresent();
      assertThat(s.seen).hasSize(1);

      assertThat(c.resources("Users").list(byCursor).map(ScimResource::id).toList())
          .containsExactly("1", "2", "3");
      assertThat(s.seen).extracting(r -> r.query("cursor")).containsExactly("", "", "c2", "c3");
    }
  }

  @Test
  void cursorPaging_theSameCursorBack_isAnError_notALoop() throws Exception {
    try (StandIn s = new StandIn(r -> Answer.json(200, cursorPage(1, "same")));
        ScimClient c = client(s)) {
      SearchRequest byCursor = SearchRequest.builder().paging(Paging.CURSOR).build();
      assertThatThrownBy(() -> c.resources("Users").list(byCursor).toList())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("same nextCursor");
      assertThat(s.seen).hasSize(2);
    }
  }

  @Test
  void autoPaging_usesCursors_whenTheServerPublishesThem() throws Exception {
    try (StandIn s =
            new StandIn(
                r ->
                    r.uri().getPath().endsWith("/ServiceProviderConfig")
                        ? Answer.json(200, "{\"pagination\":{\"cursor\":true,\"index\":true}}")
                        : Answer.json(200, cursorPage(1, null)));
        ScimClient c = client(s)) {
      SearchRequest auto = SearchRequest.builder().paging(Paging.AUTO).build();
      c.resources("Users").list(auto).toList();
      c.resources("Groups").list(auto).toList();
      assertThat(s.seen)
          .extracting(r -> r.uri().getPath() + "?" + r.uri().getQuery())
          .containsExactly(
              "/scim/v2/ServiceProviderConfig?null",
              "/scim/v2/Users?cursor=",
              "/scim/v2/Groups?cursor=");
    }
  }

  static String page(int total, int start, int n) {
    StringBuilder b =
        new StringBuilder(
            "{\"totalResults\":" + total + ",\"startIndex\":" + start + ",\"Resources\":[");
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append("{\"id\":\"").append(start + i).append("\"}");
    }
    return b.append("]}").toString();
  }

  static String cursorPage(int id, String next) {
    return "{\"totalResults\":3,\"Resources\":[{\"id\":\""
        + id
        + "\"}]"
        + (next == null ? "" : ",\"nextCursor\":\"" + next + "\"")
        + "}";
  }

  // ---- PATCH, bulk, OAuth ------------------------------------------------------------------

  @Test
  void memberChanges_areChunkedToTheLimit_andEachIsAValidPatchOp() {
    List<String> add = IntStream.range(0, 250).mapToObj(i -> "a" + i).toList();
    List<String> remove = IntStream.range(0, 30).mapToObj(i -> "r\"" + i).toList();

    List<Patch> patches = Patch.memberChanges(add, remove, 100);

    List<Integer> changesPerPatch = new ArrayList<>();
    List<String> added = new ArrayList<>();
    int removed = 0;
    for (Patch p : patches) {
      List<PatchOperation> ops = PatchRequest.parse(p.toJson());
      int changes = 0;
      for (PatchOperation op : ops) {
        if (op.value() != null) {
          changes += op.value().size();
          op.value().forEach(v -> added.add(v.path("value").asText()));
        } else {
          changes++;
          removed++;
        }
      }
      changesPerPatch.add(changes);
    }
    assertThat(changesPerPatch).containsExactly(100, 100, 80);
    assertThat(added).isEqualTo(add);
    assertThat(removed).isEqualTo(30);
    assertThat(Patch.memberChanges(List.of(), List.of(), 100)).isEmpty();
  }

  @Test
  void patchBuilder_rejectsABadPath() {
    assertThatThrownBy(() -> Patch.builder().replace("emails[type eq", "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void bulk_readsStatusAsStringOrNumber_andTheIdFromLocation() throws Exception {
    try (StandIn s =
            new StandIn(
                r ->
                    Answer.json(
                        200,
                        "{\"Operations\":[{\"method\":\"POST\",\"bulkId\":\"q\",\"location\":"
                            + "\"http://x/scim/v2/Users/92\",\"version\":\"W/\\\"1\\\"\",\"status\":\"201\"},"
                            + "{\"method\":\"DELETE\",\"status\":404,\"response\":{\"scimType\":null,"
                            + "\"detail\":\"no such user\"}}]}"));
        ScimClient c = client(s)) {
      BulkResponse r =
          c.bulk(
              BulkRequest.builder()
                  .failOnErrors(1)
                  .post("Users", "q", User.of("a").json())
                  .delete("Users", "gone", null)
                  .build());

      assertThat(r.results()).hasSize(2);
      assertThat(r.results().get(0).status()).isEqualTo(201);
      assertThat(r.results().get(0).id()).isEqualTo("92");
      assertThat(r.results().get(1).succeeded()).isFalse();
      assertThat(r.results().get(1).detail()).isEqualTo("no such user");
      JsonNode sent = Http.JSON.readTree(s.seen.get(0).body());
      assertThat(sent.path("failOnErrors").asInt()).isEqualTo(1);
      assertThat(sent.path("Operations").get(1).path("path").asText()).isEqualTo("/Users/gone");
      assertThat(s.seen.get(0).uri().getPath()).isEqualTo("/scim/v2/Bulk");
    }
  }

  @Test
  void clientCredentials_basicAuth_cachesUntilExpiry_andRefreshesAfter401() throws Exception {
    AtomicInteger issued = new AtomicInteger();
    Instant[] now = {Instant.parse("2026-03-01T10:00:00Z")};
    try (StandIn tokens =
            new StandIn(
                r ->
                    Answer.json(
                        200,
                        "{\"access_token\":\"tok"
                            + issued.incrementAndGet()
                            + "\",\"token_type\":\"Bearer\",\"expires_in\":60}"));
        StandIn scim =
            new StandIn(
                r ->
                    r.header("Authorization").equals("Bearer tok2")
                        ? Answer.json(401, "{\"detail\":\"revoked\"}")
                        : Answer.json(200, USER_JSON))) {
      ClientCredentials cc =
          ClientCredentials.builder(
                  URI.create("http://127.0.0.1:" + tokens.port() + "/oauth/token"),
                  "app id",
                  "s:cr&t")
              .clock(() -> now[0])
              .margin(Duration.ofSeconds(10))
              .build();
      try (ScimClient c = ScimClient.builder(scim.base()).bearer(cc).build()) {
        c.resources("Users").get("1");
        c.resources("Users").get("1");
        assertThat(issued).hasValue(1);

        now[0] = now[0].plusSeconds(51); // past 60 s minus the 10 s margin
        c.resources("Users").get("1"); // tok2 is refused; the client fetches tok3 and retries
        assertThat(issued).hasValue(3);
        assertThat(scim.seen)
            .extracting(r -> r.header("Authorization"))
            .containsExactly("Bearer tok1", "Bearer tok1", "Bearer tok2", "Bearer tok3");
      }
      StandIn.Seen tokenRequest = tokens.seen.get(0);
      assertThat(tokenRequest.body()).isEqualTo("grant_type=client_credentials");
      assertThat(tokenRequest.header("Authorization"))
          .isEqualTo("Basic " + Base64.getEncoder().encodeToString("app+id:s%3Acr%26t".getBytes()));
      assertThat(cc.toString()).doesNotContain("s:cr&t");
    }
  }

  @Test
  void clientCredentials_refused_isAnHttpErrorWithoutTheSecret() throws Exception {
    try (StandIn tokens = new StandIn(r -> Answer.json(401, "{\"error\":\"invalid_client\"}"))) {
      ClientCredentials cc =
          ClientCredentials.builder(
                  URI.create("http://127.0.0.1:" + tokens.port() + "/oauth/token"),
                  "app",
                  "hunter2")
              .build();
      assertThatThrownBy(cc::get)
          .isInstanceOfSatisfying(
              ScimClientException.class,
              e -> {
                assertThat(e.status()).isEqualTo(401);
                assertThat(e.scimType()).isEqualTo("invalid_client");
                assertThat(e.getMessage()).doesNotContain("hunter2");
              });
    }
  }

  @Test
  void userWithers_copy_andLeaveTheOriginal() {
    User a = User.of("a");
    User b = a.withDisplayName("B").withEmail("b@example.com");
    assertThat(a.displayName()).isNull();
    assertThat(b.displayName()).isEqualTo("B");
    assertThat(b.email()).isEqualTo("b@example.com");
    ObjectNode json = b.json();
    json.put("displayName", "changed outside");
    assertThat(b.displayName()).isEqualTo("B");
  }
}
