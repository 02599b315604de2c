package io.scimd.server.hardening;

import static io.scimd.server.http.TestServer.assertWellFormed;
import static io.scimd.server.http.TestServer.authorized;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import io.scimd.server.http.TestServer.Raw;
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
  void emptyForwardedHost_createsWithALocationOnTheLocalAddress() {
    Raw r =
        server.raw(
            "POST /scim/v2/Users HTTP/1.1",
            Seeded.oktaUser("fwd-empty"),
            authorized("X-Forwarded-Host: "));
    JsonNode body = assertWellFormed(r);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.headers().get("Location")).as(r.toString()).startsWith("http://127.0.0.1:");
    assertThat(body.path("meta").path("location").asText()).isEqualTo(r.headers().get("Location"));
  }

  @Test
  void emptyForwardedHost_listsWithLocations() {
    Raw r = server.raw("GET /scim/v2/Users HTTP/1.1", null, authorized("X-Forwarded-Host:  "));
    JsonNode body = assertWellFormed(r);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(body.path("Resources").get(0).path("meta").path("location").asText())
        .startsWith("http://127.0.0.1:");
  }
}
