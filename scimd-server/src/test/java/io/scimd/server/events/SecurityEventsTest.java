package io.scimd.server.events;

import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.patchBody;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * scimd as an SSF transmitter over real HTTP: a started server, SCIM writes, and receivers on
 * 127.0.0.1 (the JDK's HTTP server for push) that verify every SET's signature against {@code
 * /oauth/jwks} with Nimbus. On SQLite here; on PostgreSQL in {@link PostgresSecurityEventsTest}.
 */
class SecurityEventsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String P = "urn:ietf:params:scim:event:prov:";
  static final String TENANT_PATH = "/tenants/default";

  TestServer server;
  HttpServer receiver;
  final List<String> pushed = Collections.synchronizedList(new ArrayList<>());
  final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
  final List<String> contentTypes = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger answer = new AtomicInteger(202);
  final AtomicInteger refused = new AtomicInteger();

  ServerConfig config() {
    return TestServer.config();
  }

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start(config());
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/events",
        ex -> {
          byte[] body = ex.getRequestBody().readAllBytes();
          int status = answer.get();
          if (status == 202) {
            pushed.add(new String(body, StandardCharsets.US_ASCII));
            authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
            contentTypes.add(ex.getRequestHeaders().getFirst("Content-Type"));
            ex.sendResponseHeaders(202, -1);
          } else {
            refused.incrementAndGet();
            byte[] err =
                "{\"err\":\"invalid_request\",\"description\":\"no\"}"
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, err.length);
            ex.getResponseBody().write(err);
          }
          ex.close();
        });
    receiver.start();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    if (receiver != null) {
      receiver.stop(0);
    }
  }

  String receiverUrl() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/events";
  }

  HttpResponse<String> send(String method, String path, String body) {
    return server.send(method, path, body);
  }

  /** The claims of a SET after checking its header and signature against {@code /oauth/jwks}. */
  JsonNode verified(String set) throws Exception {
    JWSObject jws = JWSObject.parse(set);
    assertThat(jws.getHeader().getType().getType()).isEqualTo("secevent+jwt");
    assertThat(jws.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
    HttpResponse<String> jwks = server.sendRaw("GET", "/oauth/jwks", null);
    assertThat(jwks.statusCode()).isEqualTo(200);
    ECKey key = (ECKey) JWKSet.parse(jwks.body()).getKeyByKeyId(jws.getHeader().getKeyID());
    assertThat(key).as("the SET's key is published at /oauth/jwks").isNotNull();
    assertThat(jws.verify(new ECDSAVerifier(key))).as("the SET's signature").isTrue();
    return JSON.readTree(jws.getPayload().toString());
  }

  static List<String> eventUris(JsonNode claims) {
    List<String> out = new ArrayList<>();
    claims.path("events").fieldNames().forEachRemaining(out::add);
    return out;
  }

  String createUser(String userName) {
    HttpResponse<String> r = send("POST", "/scim/v2/Users", user(userName));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    return json(r).get("id").asText();
  }

  void patch(String id, String op) {
    HttpResponse<String> r = send("PATCH", "/scim/v2/Users/" + id, patchBody(op));
    assertThat(r.statusCode()).as(r.body()).isIn(200, 204);
  }

  void awaitPushed(int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (pushed.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(pushed).as("SETs pushed").hasSizeGreaterThanOrEqualTo(n);
  }

  @Test
  void pushStream_deliversSignedSetsInOrder_withTheRequestedEventsOnly() throws Exception {
    HttpResponse<String> created =
        send(
            "POST",
            TENANT_PATH + "/ssf/streams",
            "{\"delivery\":{\"method\":\"urn:ietf:rfc:8935\",\"endpoint_url\":\""
                + receiverUrl()
                + "\",\"authorization_header\":\"Bearer receiver-secret\"},"
                + "\"events_requested\":[\""
                + P
                + "create:full\",\""
                + P
                + "patch:full\",\""
                + P
                + "deactivate\",\""
                + P
                + "delete\",\"urn:example:unknown\"],\"description\":\"siem\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode stream = json(created);
    String streamId = stream.get("stream_id").asText();
    assertThat(stream.path("delivery").get("method").asText()).isEqualTo("urn:ietf:rfc:8935");
    assertThat(stream.path("delivery").has("authorization_header")).isFalse();
    assertThat(stream.get("events_delivered").toString())
        .isEqualTo(
            "[\""
                + P
                + "create:full\",\""
                + P
                + "patch:full\",\""
                + P
                + "delete\",\""
                + P
                + "deactivate\"]");
    assertThat(created.body()).doesNotContain("receiver-secret");

    String id = createUser("bjensen");
    patch(id, "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"Babs\"}");
    patch(id, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    assertThat(send("DELETE", "/scim/v2/Users/" + id, null).statusCode()).isEqualTo(204);

    awaitPushed(4);
    assertThat(contentTypes).allMatch(t -> t.equals("application/secevent+jwt"));
    assertThat(authorizations).allMatch(a -> a.equals("Bearer receiver-secret"));
    List<JsonNode> sets = new ArrayList<>();
    for (String s : pushed) {
      sets.add(verified(s));
    }
    assertThat(eventUris(sets.get(0))).containsExactly(P + "create:full");
    assertThat(eventUris(sets.get(1))).containsExactly(P + "patch:full");
    assertThat(eventUris(sets.get(2))).containsExactly(P + "patch:full", P + "deactivate");
    assertThat(eventUris(sets.get(3))).containsExactly(P + "delete");
    assertThat(sets).hasSize(4);
    String issuer = server.url(TENANT_PATH);
    for (JsonNode c : sets) {
      assertThat(c.get("iss").asText()).isEqualTo(issuer);
      assertThat(c.get("aud").asText()).isEqualTo(stream.get("aud").asText());
      assertThat(c.path("sub_id").get("format").asText()).isEqualTo("scim");
      assertThat(c.path("sub_id").get("uri").asText()).isEqualTo("/Users/" + id);
      assertThat(c.get("txn").asText()).isNotEmpty();
    }
    assertThat(sets.stream().map(c -> c.get("jti").asText()).distinct()).hasSize(4);
    JsonNode data = sets.get(0).path("events").path(P + "create:full").path("data");
    assertThat(data.get("userName").asText()).isEqualTo("bjensen");
    assertThat(data.get("id").asText()).isEqualTo(id);

    // The configuration the receiver reads back, and the stream's verification event.
    HttpResponse<String> read =
        send("GET", TENANT_PATH + "/ssf/streams?stream_id=" + streamId, null);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(json(read).get("description").asText()).isEqualTo("siem");
    HttpResponse<String> verify =
        send(
            "POST",
            TENANT_PATH + "/ssf/verify",
            "{\"stream_id\":\"" + streamId + "\",\"state\":\"abc\"}");
    assertThat(verify.statusCode()).as(verify.body()).isEqualTo(204);
    awaitPushed(5);
    JsonNode v = verified(pushed.get(4));
    assertThat(
            v.path("events")
                .path("https://schemas.openid.net/secevent/ssf/event-type/verification")
                .get("state")
                .asText())
        .isEqualTo("abc");
    assertThat(v.path("sub_id").get("id").asText()).isEqualTo(streamId);
  }

  @Test
  void pushStream_refusedSet_isRetriedThenDeadLettered_andTheNextOnesFollow() throws Exception {
    answer.set(400);
    HttpResponse<String> created =
        send(
            "POST",
            TENANT_PATH + "/ssf/streams",
            "{\"delivery\":{\"method\":\"urn:ietf:rfc:8935\",\"endpoint_url\":\""
                + receiverUrl()
                + "\"},\"events_requested\":[\""
                + P
                + "create:notice\"]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    createUser("refused");
    // The workers try a refused SET a few times (with backoff), then set it aside.
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (refused.get() < 5 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(refused.get()).as("attempts at the refused SET").isEqualTo(5);
    answer.set(202);
    String accepted = createUser("accepted");
    awaitPushed(1);
    assertThat(eventUris(verified(pushed.get(0)))).containsExactly(P + "create:notice");
    assertThat(verified(pushed.get(0)).path("sub_id").get("uri").asText())
        .isEqualTo("/Users/" + accepted);
    assertThat(refused.get()).isEqualTo(5);
    assertThat(verified(pushed.get(0)).path("events").path(P + "create:notice").get("attributes"))
        .isNotNull();
  }

  @Test
  void aStreamThatAsksForCaepSessionRevoked_getsItWhenAUserIsDeactivatedOrDeleted()
      throws Exception {
    String caep = "https://schemas.openid.net/secevent/caep/event-type/session-revoked";
    HttpResponse<String> created =
        send(
            "POST",
            TENANT_PATH + "/ssf/streams",
            "{\"delivery\":{\"method\":\"urn:ietf:rfc:8936\"},\"events_requested\":[\""
                + caep
                + "\"]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode stream = json(created);
    assertThat(stream.path("events_delivered").toString()).contains(caep);
    String pollPath = TENANT_PATH + "/ssf/poll/" + stream.get("stream_id").asText();

    String id = createUser("leaver");
    patch(id, "{\"op\":\"replace\",\"path\":\"displayName\",\"value\":\"L\"}");
    patch(id, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    JsonNode polled = json(send("POST", pollPath, "{\"returnImmediately\":true}"));
    // The creation and the rename are no session's end: one SET, the deactivation's.
    assertThat(polled.path("sets").size()).as(polled.toString()).isEqualTo(1);
    JsonNode set = verified(polled.path("sets").elements().next().asText());
    assertThat(eventUris(set)).containsExactly(caep);
    assertThat(set.path("sub_id").path("uri").asText()).isEqualTo("/Users/" + id);
    assertThat(set.path("events").path(caep).path("initiating_entity").asText()).isEqualTo("admin");
  }

  @Test
  void pollStream_returnsUnacknowledgedSetsAgain_andAcknowledgedOnesNever() throws Exception {
    HttpResponse<String> created =
        send(
            "POST",
            TENANT_PATH + "/ssf/streams",
            "{\"delivery\":{\"method\":\"urn:ietf:rfc:8936\"},\"events_requested\":[\""
                + P
                + "create:notice\",\""
                + P
                + "patch:notice\",\""
                + P
                + "deactivate\",\""
                + P
                + "activate\"]}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    JsonNode stream = json(created);
    String streamId = stream.get("stream_id").asText();
    String pollUrl = stream.path("delivery").get("endpoint_url").asText();
    assertThat(pollUrl).isEqualTo(server.url(TENANT_PATH + "/ssf/poll/" + streamId));
    String pollPath = TENANT_PATH + "/ssf/poll/" + streamId;

    String id = createUser("polly");
    JsonNode first = json(send("POST", pollPath, "{\"returnImmediately\":true}"));
    assertThat(first.path("sets").size()).isEqualTo(1);
    String jti = first.path("sets").fieldNames().next();
    JsonNode claims = verified(first.path("sets").get(jti).asText());
    assertThat(eventUris(claims)).containsExactly(P + "create:notice");
    assertThat(claims.get("jti").asText()).isEqualTo(jti);

    // Not acknowledged: it comes again, the same SET by its jti.
    JsonNode again = json(send("POST", pollPath, "{\"returnImmediately\":true}"));
    assertThat(again.path("sets").has(jti)).isTrue();

    patch(id, "{\"op\":\"replace\",\"path\":\"active\",\"value\":false}");
    JsonNode next =
        json(
            send(
                "POST",
                pollPath,
                "{\"ack\":[\"" + jti + "\"],\"returnImmediately\":true,\"maxEvents\":10}"));
    assertThat(next.path("sets").has(jti)).isFalse();
    assertThat(next.path("sets").size()).isEqualTo(1);
    String jti2 = next.path("sets").fieldNames().next();
    JsonNode deactivated = verified(next.path("sets").get(jti2).asText());
    assertThat(eventUris(deactivated)).containsExactly(P + "patch:notice", P + "deactivate");
    assertThat(deactivated.path("events").path(P + "patch:notice").get("attributes").toString())
        .isEqualTo("[\"active\"]");

    // maxEvents bounds a poll, and moreAvailable says more wait.
    createUser("more-1");
    createUser("more-2");
    JsonNode bounded =
        json(
            send(
                "POST",
                pollPath,
                "{\"ack\":[\"" + jti2 + "\"],\"returnImmediately\":true,\"maxEvents\":1}"));
    assertThat(bounded.path("sets").size()).isEqualTo(1);
    assertThat(bounded.get("moreAvailable").asBoolean()).isTrue();
    List<String> rest = new ArrayList<>();
    bounded.path("sets").fieldNames().forEachRemaining(rest::add);
    JsonNode all = json(send("POST", pollPath, "{\"returnImmediately\":true}"));
    all.path("sets").fieldNames().forEachRemaining(rest::add);
    JsonNode done =
        json(
            send(
                "POST",
                pollPath,
                "{\"ack\":" + JSON.writeValueAsString(rest) + ",\"returnImmediately\":true}"));
    assertThat(done.path("sets").size()).isZero();
    assertThat(done.get("moreAvailable").asBoolean()).isFalse();

    // A verification event comes first in the next poll, until acknowledged.
    assertThat(
            send("POST", TENANT_PATH + "/ssf/verify", "{\"stream_id\":\"" + streamId + "\"}")
                .statusCode())
        .isEqualTo(204);
    JsonNode verification = json(send("POST", pollPath, "{\"returnImmediately\":true}"));
    String vjti = verification.path("sets").fieldNames().next();
    assertThat(eventUris(verified(verification.path("sets").get(vjti).asText())))
        .containsExactly("https://schemas.openid.net/secevent/ssf/event-type/verification");
    JsonNode after =
        json(send("POST", pollPath, "{\"ack\":[\"" + vjti + "\"],\"returnImmediately\":true}"));
    assertThat(after.path("sets").size()).isZero();
  }

  @Test
  void pollStream_anEntryThatMakesNoSet_neverHoldsTheCursor() throws Exception {
    String streamId =
        json(send(
                "POST",
                TENANT_PATH + "/ssf/streams",
                "{\"events_requested\":[\"" + P + "put:full\"]}"))
            .get("stream_id")
            .asText();
    String pollPath = TENANT_PATH + "/ssf/poll/" + streamId;
    // A PUT of a user deleted since: its put:full has no representation left to carry.
    String gone = createUser("gone");
    String replaced =
        "{\"schemas\":[\"urn:ietf:params:scim:schemas:core:2.0:User\"],\"userName\":\"%s\","
            + "\"displayName\":\"Changed\"}";
    assertThat(send("PUT", "/scim/v2/Users/" + gone, replaced.formatted("gone")).statusCode())
        .isEqualTo(200);
    assertThat(send("DELETE", "/scim/v2/Users/" + gone, null).statusCode()).isEqualTo(204);
    String kept = createUser("kept");
    assertThat(send("PUT", "/scim/v2/Users/" + kept, replaced.formatted("kept")).statusCode())
        .isEqualTo(200);

    JsonNode first = json(send("POST", pollPath, "{\"returnImmediately\":true}"));
    assertThat(first.path("sets").size()).isEqualTo(1);
    String jti = first.path("sets").fieldNames().next();
    JsonNode put = verified(first.path("sets").get(jti).asText());
    assertThat(put.path("sub_id").get("uri").asText()).isEqualTo("/Users/" + kept);
    assertThat(put.path("events").path(P + "put:full").path("data").get("displayName").asText())
        .isEqualTo("Changed");
    JsonNode after =
        json(send("POST", pollPath, "{\"ack\":[\"" + jti + "\"],\"returnImmediately\":true}"));
    assertThat(after.path("sets").size()).as(after.toString()).isZero();
  }

  @Test
  void pollStream_longPoll_returnsWhenAChangeIsMade() throws Exception {
    String streamId =
        json(send(
                "POST",
                TENANT_PATH + "/ssf/streams",
                "{\"events_requested\":[\"" + P + "create:full\"]}"))
            .get("stream_id")
            .asText();
    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    Thread.sleep(500);
                  } catch (InterruptedException e) {
                    return;
                  }
                  createUser("late");
                });
    long t0 = System.nanoTime();
    JsonNode polled = json(send("POST", TENANT_PATH + "/ssf/poll/" + streamId, "{}"));
    writer.join();
    assertThat(polled.path("sets").size()).isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void configurationStatusAndScopes() throws Exception {
    HttpResponse<String> conf = send("GET", "/.well-known/ssf-configuration/tenants/default", null);
    assertThat(conf.statusCode()).as(conf.body()).isEqualTo(200);
    JsonNode c = json(conf);
    assertThat(c.get("issuer").asText()).isEqualTo(server.url(TENANT_PATH));
    assertThat(c.get("jwks_uri").asText()).isEqualTo(server.url("/oauth/jwks"));
    assertThat(c.get("configuration_endpoint").asText())
        .isEqualTo(server.url(TENANT_PATH + "/ssf/streams"));
    assertThat(c.get("delivery_methods_supported").toString())
        .isEqualTo("[\"urn:ietf:rfc:8935\",\"urn:ietf:rfc:8936\"]");
    assertThat(json(send("GET", "/.well-known/ssf-configuration", null)).get("issuer").asText())
        .isEqualTo(server.url(TENANT_PATH));
    assertThat(send("GET", "/.well-known/ssf-configuration/tenants/other", null).statusCode())
        .isEqualTo(404);
    assertThat(server.sendRaw("GET", "/.well-known/ssf-configuration", null).statusCode())
        .isEqualTo(401);

    JsonNode spc = json(server.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null));
    assertThat(spc.path("securityEvents").get("eventUris").toString())
        .contains(P + "create:full", P + "deactivate");

    // A client with the events scope only manages streams and reads no resources.
    HttpResponse<String> client =
        send("POST", "/admin/v1/clients", "{\"name\":\"siem\",\"scopes\":[\"events\"]}");
    assertThat(client.statusCode()).as(client.body()).isEqualTo(201);
    String token =
        json(send("POST", "/admin/v1/clients/" + json(client).get("id").asText() + "/tokens", "{}"))
            .get("token")
            .asText();
    String auth = "Bearer " + token;
    assertThat(server.sendRaw("GET", "/scim/v2/Users", null, "Authorization", auth).statusCode())
        .isEqualTo(403);
    HttpResponse<String> mine =
        server.sendRaw(
            "POST",
            TENANT_PATH + "/ssf/streams",
            "{\"events_requested\":[\"" + P + "delete\"]}",
            "Authorization",
            auth);
    assertThat(mine.statusCode()).as(mine.body()).isEqualTo(201);
    String streamId = json(mine).get("stream_id").asText();

    // Status: paused, then enabled.
    HttpResponse<String> paused =
        server.sendRaw(
            "POST",
            TENANT_PATH + "/ssf/status",
            "{\"stream_id\":\"" + streamId + "\",\"status\":\"paused\",\"reason\":\"upgrade\"}",
            "Authorization",
            auth);
    assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
    assertThat(json(paused).get("status").asText()).isEqualTo("paused");
    assertThat(
            json(server.sendRaw(
                    "GET",
                    TENANT_PATH + "/ssf/status?stream_id=" + streamId,
                    null,
                    "Authorization",
                    auth))
                .get("reason")
                .asText())
        .isEqualTo("upgrade");

    // A client without events or admin gets no stream.
    HttpResponse<String> reader =
        send("POST", "/admin/v1/clients", "{\"name\":\"reader\",\"scopes\":[\"scim:read\"]}");
    String readerToken =
        json(send("POST", "/admin/v1/clients/" + json(reader).get("id").asText() + "/tokens", "{}"))
            .get("token")
            .asText();
    HttpResponse<String> refused =
        server.sendRaw(
            "GET", TENANT_PATH + "/ssf/streams", null, "Authorization", "Bearer " + readerToken);
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(json(refused).get("err").asText()).isEqualTo("access_denied");

    // Bad input is a 400 with an err, never a 500.
    for (String bad :
        List.of(
            "{\"delivery\":{\"method\":\"urn:example:carrier-pigeon\"}}",
            "{\"delivery\":{\"method\":\"urn:ietf:rfc:8935\"}}",
            "{\"delivery\":{\"method\":\"urn:ietf:rfc:8935\",\"endpoint_url\":\"ftp://x\"}}",
            "{\"events_requested\":\"nope\",\"x\":1}",
            "[1,2]",
            "not json")) {
      HttpResponse<String> r = send("POST", TENANT_PATH + "/ssf/streams", bad);
      assertThat(r.statusCode()).as(bad + " -> " + r.body()).isEqualTo(400);
      assertThat(json(r).get("err").asText()).isEqualTo("invalid_request");
    }
    HttpResponse<String> badPoll =
        send("POST", TENANT_PATH + "/ssf/poll/" + streamId, "{\"maxEvents\":\"ten\"}");
    assertThat(badPoll.statusCode()).isEqualTo(400);
    assertThat(send("GET", TENANT_PATH + "/ssf/streams?stream_id=nope", null).statusCode())
        .isEqualTo(404);

    // Deleted, it is gone.
    assertThat(
            send("DELETE", TENANT_PATH + "/ssf/streams?stream_id=" + streamId, null).statusCode())
        .isEqualTo(204);
    assertThat(send("GET", TENANT_PATH + "/ssf/streams?stream_id=" + streamId, null).statusCode())
        .isEqualTo(404);
  }
}
