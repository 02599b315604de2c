package io.scimd.server.limits;

import static io.scimd.server.http.TestServer.assertScimError;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.ServerConfig;
import io.scimd.server.clients.Tokens;
import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
import io.scimd.server.transport.Cidr;
import io.scimd.server.transport.TransportConfig;
import io.scimd.store.Credentials;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.net.InetAddress;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failed authentications through HTTP (issue 7 §4): every bad credential answers the one same 401,
 * and an address that failed {@code --auth-failure-limit} times (5 a minute here) is answered 429
 * with {@code Retry-After} for its requests without a token this node knows, while good clients,
 * other addresses, discovery and {@code /health} go on. The client address is the one the transport
 * makes out: from a trusted proxy, the forwarded client's.
 */
class AuthFailureThrottleTest {
  static final String USERS = "GET /scim/v2/Users?count=1 HTTP/1.1";

  TestServer server;
  Store cli;

  @BeforeEach
  void start() {
    ServerConfig config =
        TestServer.config()
            .withAuthFailureLimit(Rate.parse("5/m", null))
            .withTransport(
                TransportConfig.DEFAULTS.withTrustedProxies(List.of(Cidr.parse("127.0.0.1"))));
    server = TestServer.start(config);
    cli =
        Stores.open(
            config.dataDir().toString(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults());
  }

  @AfterEach
  void stop() {
    cli.close();
    server.close();
  }

  Raw get(String from, String... headers) throws Exception {
    return server.raw(InetAddress.getByName(from), USERS, null, List.of(headers));
  }

  /** The response as a client can tell it apart: status, headers but Date, body. */
  static String shape(Raw r) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(r.headers());
    headers.remove("Date");
    // Every answer has an id of its own, which says nothing about the credential.
    headers.remove("X-Request-Id");
    return r.status() + " " + headers + " " + r.body();
  }

  static final Scope SYSTEM = Scope.system(Scope.DEFAULT_TENANT, "test");

  /** A client {@code name} with one bearer token {@code token}. */
  Credentials.Credential credential(
      String name, String token, @org.jspecify.annotations.Nullable Instant expires) {
    Credentials.Client c =
        cli.credentials().createClient(SYSTEM, name, java.util.Set.of("scim:read", "scim:write"));
    return cli.credentials()
        .issue(SYSTEM, c.id(), Credentials.Kind.BEARER, Tokens.hash(token), "x", expires, 3);
  }

  @Test
  void everyBadCredential_isAnsweredTheSame401() throws Exception {
    String revoked = Tokens.generate();
    Credentials.Credential r = credential("revoked", revoked, null);
    cli.credentials().revoke(SYSTEM, r.id());
    String expired = Tokens.generate();
    credential("expired", expired, Instant.now().minusSeconds(60));

    List<String> headers =
        List.of(
            "Authorization: Bearer " + Tokens.generate(),
            "Authorization: Bearer " + revoked,
            "Authorization: Bearer " + expired,
            "Authorization: Bearer " + TestServer.TOKEN + "x",
            "Authorization: Bearer",
            "Authorization: Bearer a b",
            "Authorization: bearer %%%",
            "Authorization: Basic dXNlcjpwYXNz",
            "Authorization: Token " + TestServer.TOKEN,
            "Authorization: ");
    List<String> shapes = new ArrayList<>();
    for (int i = 0; i < headers.size(); i++) {
      // Each from an address of its own, so that the throttle plays no part.
      Raw answer = get("127.0.0." + (10 + i), headers.get(i));
      assertScimError(answer, 401, null);
      assertThat(answer.headers().get("WWW-Authenticate"))
          .isEqualTo("Bearer realm=\"scimd\", error=\"invalid_token\"");
      shapes.add(shape(answer));
    }
    assertThat(shapes).as("%s", headers).containsOnly(shapes.get(0));

    // No header at all: RFC 6750 §3.1's challenge without an error, which says nothing of tokens.
    Raw none = get("127.0.0.30");
    assertScimError(none, 401, null);
    assertThat(none.headers().get("WWW-Authenticate")).isEqualTo("Bearer realm=\"scimd\"");
  }

  @Test
  void anAddressPastTheLimit_is429WithRetryAfter_butGoodClientsAndOthersGoOn() throws Exception {
    String bad = "Authorization: Bearer " + Tokens.generate();
    String good = "Authorization: Bearer " + TestServer.TOKEN;
    // The good token is known to this node: it was used lately, from elsewhere.
    assertThat(get("127.0.0.2", good).status()).isEqualTo(200);
    String unseen = Tokens.generate();
    credential("unseen", unseen, null);

    for (int i = 0; i < 5; i++) {
      assertScimError(get("127.0.0.3", bad), 401, null);
    }
    Raw refused = get("127.0.0.3", bad);
    assertScimError(refused, 429, null);
    long retryAfter = Long.parseLong(refused.headers().get("Retry-After"));
    assertThat(retryAfter).as("a failure is forgiven every 12 s").isBetween(1L, 12L);
    assertThat(refused.body())
        .contains("too many failed authentications from this address")
        .contains("retry after " + retryAfter + " s");

    // From that address: no header and a token never seen here are refused without a lookup, a
    // token this node knows goes through; discovery and health are never throttled.
    assertScimError(get("127.0.0.3"), 429, null);
    assertScimError(get("127.0.0.3", "Authorization: Bearer " + unseen), 429, null);
    assertThat(get("127.0.0.3", good).status()).isEqualTo(200);
    assertThat(
            server
                .raw(
                    InetAddress.getByName("127.0.0.3"),
                    "GET /scim/v2/ServiceProviderConfig HTTP/1.1",
                    null,
                    List.of())
                .status())
        .isEqualTo(200);
    assertThat(
            server
                .raw(InetAddress.getByName("127.0.0.3"), "GET /health HTTP/1.1", null, List.of())
                .status())
        .isEqualTo(200);

    // Another address is not held, and the unseen token works from there.
    assertScimError(get("127.0.0.4", bad), 401, null);
    assertThat(get("127.0.0.4", "Authorization: Bearer " + unseen).status()).isEqualTo(200);
  }

  @Test
  void behindATrustedProxy_eachForwardedClientIsHeldOnItsOwn_andAnIpv6ClientByIts64()
      throws Exception {
    String bad = "Authorization: Bearer " + Tokens.generate();
    for (int i = 0; i < 5; i++) {
      assertScimError(get("127.0.0.1", bad, "X-Forwarded-For: 203.0.113.7"), 401, null);
    }
    assertScimError(get("127.0.0.1", bad, "X-Forwarded-For: 203.0.113.7"), 429, null);
    assertScimError(get("127.0.0.1", bad, "X-Forwarded-For: 203.0.113.8"), 401, null);
    assertScimError(get("127.0.0.1", bad), 401, null);

    for (int i = 0; i < 5; i++) {
      assertScimError(get("127.0.0.1", bad, "X-Forwarded-For: 2001:db8::" + i), 401, null);
    }
    assertScimError(get("127.0.0.1", bad, "X-Forwarded-For: [2001:db8::ff]"), 429, null);
    assertScimError(get("127.0.0.1", bad, "X-Forwarded-For: [2001:db8:0:1::1]"), 401, null);
  }
}
