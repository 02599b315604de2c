package io.scimd.server.hardening;

import static io.scimd.server.http.TestServer.assertWellFormed;
import static io.scimd.server.http.TestServer.authorized;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Headers that a proxy or a careless client sends, over a raw socket. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeaderHardeningTest {
  TestServer server;

  @BeforeAll
  void start() {
    server = Seeded.start();
    Seeded.into(server); // users for the list to show
  }

  @AfterAll
  void stop() {
    server.close();
  }

  @Test
  void emptyForwardedHost_createsWithALocationOnTheHostAddressed() {
    // Not a trusted proxy: the header is ignored (TrustedProxiesTest tries it from one).
    Raw r =
        server.raw(
            "POST /scim/v2/Users HTTP/1.1",
            Seeded.oktaUser("fwd-empty"),
            authorized("X-Forwarded-Host: "));
    JsonNode body = assertWellFormed(r);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.headers().get("Location"))
        .as(r.toString())
        .startsWith("http://127.0.0.1/scim/v2/Users/");
    assertThat(body.path("meta").path("location").asText()).isEqualTo(r.headers().get("Location"));
  }

  @Test
  void emptyForwardedHost_listsWithLocations() {
    Raw r = server.raw("GET /scim/v2/Users HTTP/1.1", null, authorized("X-Forwarded-Host:  "));
    JsonNode body = assertWellFormed(r);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(body.path("Resources").get(0).path("meta").path("location").asText())
        .startsWith("http://127.0.0.1/scim/v2/");
  }

  @Test
  void twoAuthorizationHeaders_answer400_andCreateNothing() {
    for (String second :
        new String[] {
          "Bearer " + TestServer.TOKEN,
          "Bearer not-a-token-0123456789-0123456789",
          "Basic Zm9vOmJhcg=="
        }) {
      Raw r =
          server.raw(
              "POST /scim/v2/Users HTTP/1.1",
              Seeded.oktaUser("two-auth"),
              authorized("Authorization: " + second));
      JsonNode e = TestServer.assertScimError(r, 400, null);
      assertThat(e.path("detail").asText()).contains("2 Authorization headers");
    }
    Raw wrongFirst =
        server.raw(
            "POST /scim/v2/Users HTTP/1.1",
            Seeded.oktaUser("two-auth"),
            List.of(
                "Authorization: Bearer not-a-token-0123456789-0123456789",
                "Authorization: Bearer " + TestServer.TOKEN,
                "Content-Type: application/scim+json"));
    TestServer.assertScimError(wrongFirst, 400, null);
    Raw list =
        server.raw(
            "GET /scim/v2/Users?filter=userName%20eq%20%22two-auth%22 HTTP/1.1",
            null, authorized());
    assertThat(assertWellFormed(list).path("totalResults").asInt()).isZero();
  }

  @Test
  void twoAuthorizationHeaders_onADiscoveryEndpoint_answer400() {
    Raw r =
        server.raw(
            "GET /scim/v2/ServiceProviderConfig HTTP/1.1",
            null,
            List.of(
                "Authorization: Bearer a-0123456789-0123456789-0123456789",
                "Authorization: Bearer b-0123456789-0123456789"));
    TestServer.assertScimError(r, 400, null);
  }
}
