package io.scimd.server.transport;

import static io.scimd.server.http.TestServer.authorized;
import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The security headers on every kind of response of a real plain-HTTP server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityHeadersTest {
  TestServer server;

  @BeforeAll
  void start() {
    server = TestServer.start();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  static void assertSecurityHeaders(Map<String, String> headers, String what) {
    assertThat(headers.get("X-Content-Type-Options")).as(what).isEqualTo("nosniff");
    assertThat(headers.get("Cache-Control")).as(what).isEqualTo("no-store");
    assertThat(headers.get("Referrer-Policy")).as(what).isEqualTo("no-referrer");
    assertThat(headers)
        .as("no HSTS over plain HTTP: " + what)
        .doesNotContainKey("Strict-Transport-Security");
  }

  @Test
  void everyAnswer_carriesTheSecurityHeaders() {
    String created = server.scim().createUser("headers.user");
    List<Raw> answers =
        List.of(
            server.raw("GET /health HTTP/1.1", null, List.of()),
            server.raw("GET /scim/v2/ServiceProviderConfig HTTP/1.1", null, List.of()),
            server.raw("GET /scim/v2/Users HTTP/1.1", null, authorized()),
            server.raw("GET /scim/v2/Users/" + created + " HTTP/1.1", null, authorized()),
            server.raw("GET /scim/v2/Users HTTP/1.1", null, List.of()), // 401
            server.raw(
                "GET /scim/v2/Users/no-such-id HTTP/1.1",
                null,
                authorized()), // 404, thrown and reset
            server.raw(
                "POST /scim/v2/Users HTTP/1.1", "{not json", authorized()), // 400 from the body
            server.raw("DELETE /scim/v2/Users HTTP/1.1", null, authorized())); // 405
    for (Raw r : answers) {
      assertSecurityHeaders(r.headers(), r.toString());
    }
  }

  @Test
  void aRequestJettyCannotParse_carriesTheSecurityHeadersToo() {
    String raw =
        server.rawExchange("GET /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 400");
    String head = raw.substring(0, raw.indexOf("\r\n\r\n"));
    assertThat(head)
        .contains("X-Content-Type-Options: nosniff")
        .contains("Cache-Control: no-store");
  }
}
