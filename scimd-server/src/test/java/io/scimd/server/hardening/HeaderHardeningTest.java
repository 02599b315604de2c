package io.scimd.server.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.http.TestServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Headers that a proxy or a careless client sends, over a raw socket. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeaderHardeningTest {
  Harness h;

  @BeforeAll
  void start() {
    h = new Harness();
  }

  @AfterAll
  void stop() {
    h.close();
  }

  static List<String> auth(String extra) {
    return List.of("Authorization: Bearer " + TestServer.TOKEN, "Content-Type: application/scim+json", extra);
  }

  @Test
  void emptyForwardedHost_createsWithALocationOnTheLocalAddress() {
    Harness.Raw r = h.raw("POST", "/scim/v2/Users", Harness.oktaUser("fwd-empty"), auth("X-Forwarded-Host: "));
    JsonNode body = Harness.assertWellFormed(r);
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    assertThat(r.headers().get("Location")).as(r.toString()).startsWith("http://127.0.0.1:");
    assertThat(body.path("meta").path("location").asText()).isEqualTo(r.headers().get("Location"));
  }

  @Test
  void emptyForwardedHost_listsWithLocations() {
    Harness.Raw r = h.raw("GET", "/scim/v2/Users", null, auth("X-Forwarded-Host:  "));
    JsonNode body = Harness.assertWellFormed(r);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    assertThat(body.path("Resources").get(0).path("meta").path("location").asText()).startsWith("http://127.0.0.1:");
  }
}
