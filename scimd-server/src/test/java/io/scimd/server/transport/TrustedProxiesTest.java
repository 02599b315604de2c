package io.scimd.server.transport;

import static io.scimd.server.http.TestServer.assertWellFormed;
import static io.scimd.server.http.TestServer.authorized;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
import io.scimd.store.JournalEntry;
import io.scimd.store.PoolSettings;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Forwarding headers through a real server that trusts the proxy 127.0.0.1 and the block
 * 10.0.0.0/8, and nobody else: the same request from 127.0.0.1 (the proxy) and from 127.0.0.2 (a
 * client that reached the server directly).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustedProxiesTest {
  static final Scope READER = Scope.system(Scope.DEFAULT_TENANT, "test");

  TestServer server;
  Store journal;
  InetAddress proxy;
  InetAddress direct;
  long seen;

  @BeforeAll
  void start() throws UnknownHostException {
    proxy = InetAddress.getByName("127.0.0.1");
    direct = InetAddress.getByName("127.0.0.2");
    ServerConfig config =
        TestServer.config()
            .withTransport(
                TransportConfig.DEFAULTS.withTrustedProxies(
                    List.of(Cidr.parse("127.0.0.1"), Cidr.parse("10.0.0.0/8"))));
    server = TestServer.start(config);
    journal =
        Stores.open(
            config.dataDir().toString(),
            SchemaRegistry.builtIn(),
            InstantSource.system(),
            PoolSettings.defaults());
  }

  @AfterAll
  void stop() {
    journal.close();
    server.close();
  }

  Raw create(InetAddress from, String userName, String... headers) {
    Raw r = server.raw(from, "POST /scim/v2/Users HTTP/1.1", user(userName), authorized(headers));
    assertWellFormed(r);
    return r;
  }

  /** The client address the journal recorded for the last change. */
  String lastSource() {
    List<JournalEntry> entries = journal.read(READER, r -> r.journal(seen, 1000));
    assertThat(entries).isNotEmpty();
    JournalEntry last = entries.get(entries.size() - 1);
    seen = last.seq();
    return last.source();
  }

  @Test
  void xForwarded_fromTheTrustedProxy_namesTheUrlTheClientUsed() {
    Raw r =
        create(
            proxy,
            "via.proxy",
            "X-Forwarded-Proto: https",
            "X-Forwarded-Host: scim.example.com",
            "X-Forwarded-For: 198.51.100.7");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    String id = TestServer.json(r.body()).path("id").asText();
    assertThat(r.headers().get("Location"))
        .isEqualTo("https://scim.example.com/scim/v2/Users/" + id);
    assertThat(TestServer.json(r.body()).path("meta").path("location").asText())
        .isEqualTo(r.headers().get("Location"));
    // The client used HTTPS (to the proxy): browsers may be told to keep to it.
    assertThat(r.headers().get("Strict-Transport-Security")).isEqualTo("max-age=31536000");
    assertThat(lastSource()).isEqualTo("198.51.100.7");
  }

  @Test
  void rfc7239Forwarded_fromTheTrustedProxy_namesTheUrlTheClientUsed() {
    Raw r =
        create(
            proxy,
            "via.forwarded",
            "Forwarded: for=\"[2001:db8::7]:4711\";proto=https;host=idp-facing.example.org:8443");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.headers().get("Location"))
        .startsWith("https://idp-facing.example.org:8443/scim/v2/Users/");
    assertThat(lastSource()).isEqualTo("[2001:db8:0:0:0:0:0:7]"); // as Jetty writes an IPv6 client
  }

  @Test
  void forwardingHeaders_fromAnUntrustedClient_areIgnored() {
    Raw r =
        create(
            direct,
            "direct.client",
            "X-Forwarded-Proto: javascript",
            "X-Forwarded-Host: evil.example",
            "X-Forwarded-For: 203.0.113.66",
            "Forwarded: for=203.0.113.67;proto=https;host=evil.example");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.headers().get("Location")).startsWith("http://127.0.0.1/scim/v2/Users/");
    assertThat(r.headers()).doesNotContainKey("Strict-Transport-Security");
    assertThat(lastSource()).isEqualTo("127.0.0.2");
  }

  @Test
  void aSchemeOtherThanHttpOrHttps_fromTheTrustedProxy_neverReachesLocation() {
    Raw r =
        create(
            proxy,
            "odd.scheme",
            "X-Forwarded-Proto: javascript",
            "X-Forwarded-Host: scim.example.com");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.headers().get("Location"))
        .startsWith("http://scim.example.com:")
        .doesNotContain("javascript");
  }

  @Test
  void aHostThatIsNoHost_fromTheTrustedProxy_neverReachesLocation() {
    create(direct, "listed.user");
    for (String host :
        new String[] {
          "evil.example/x?", "user@evil.example", "javascript:alert(1)//", "a b", "", " ", "[::1"
        }) {
      Raw r =
          server.raw(
              proxy,
              "GET /scim/v2/Users?count=1 HTTP/1.1",
              null,
              authorized("X-Forwarded-Host: " + host));
      JsonNode body = assertWellFormed(r);
      if (r.status() == 200 && body.path("totalResults").asInt() > 0) {
        assertThat(body.path("Resources").get(0).path("meta").path("location").asText())
            .as(host)
            .startsWith("http://127.0.0.1:")
            .doesNotContain("evil")
            .doesNotContain("javascript");
      } else {
        assertThat(r.status()).as(r.toString()).isEqualTo(400);
      }
    }
  }

  @Test
  void clientAddress_isTheRightMostHopNotAProxy_notWhatTheClientWroteFirst() {
    // The client wrote 192.0.2.1 itself; the proxy at 10.1.2.3 appended the client's real address.
    create(
        proxy,
        "spoofer",
        "X-Forwarded-For: 192.0.2.1, 198.51.100.9, 10.1.2.3",
        "X-Forwarded-Host: scim.example.com");
    assertThat(lastSource()).isEqualTo("198.51.100.9");
    // Every hop trusted: the left-most is the client.
    create(proxy, "all.inside", "X-Forwarded-For: 10.9.9.9, 10.1.2.3");
    assertThat(lastSource()).isEqualTo("10.9.9.9");
    // An entry that is no address stops the walk at the proxy that wrote it.
    create(proxy, "unknown.hop", "Forwarded: for=unknown, for=10.1.2.3");
    assertThat(lastSource()).isEqualTo("10.1.2.3");
  }
}
