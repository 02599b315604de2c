package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.limits.Rate;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A refused console sign-in counts as a failed authentication does at the API: against the same
 * per-address limit ({@code --auth-failure-limit}), which then holds the console's sign-in too, and
 * journaled in the audit trail once a window.
 */
class ConsoleSignInThrottleTest {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final String WRONG = "not-a-token-of-this-server-0123456789";

  TestServer server;

  @BeforeEach
  void start() {
    ServerConfig c = TestServer.config().withAuthFailureLimit(Rate.parse("3/m", null));
    server = TestServer.start(c.withAudit(c.audit().withAuthFailureWindow(Duration.ofMillis(200))));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<String> signIn(String token) {
    HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
    Matcher m = CSRF.matcher(page.body());
    assertThat(m.find()).as(page.body()).isTrue();
    String cookie =
        page.headers().allValues("Set-Cookie").stream()
            .filter(x -> x.startsWith(Console.SIGNIN_COOKIE + "="))
            .findFirst()
            .orElseThrow();
    return server.sendRaw(
        "POST",
        "/console/signin",
        "csrf=" + m.group(1) + "&token=" + TestServer.q(token),
        "Content-Type",
        "application/x-www-form-urlencoded",
        "Cookie",
        cookie.substring(0, cookie.indexOf(';')));
  }

  @Test
  void failedSignIns_countAgainstTheApisLimit_andAreJournaled() throws Exception {
    // The admin token is one this node knows live: the API lets it through a throttled address.
    assertThat(server.send("GET", "/admin/v1/audit", null).statusCode()).isEqualTo(200);
    for (int i = 0; i < 3; i++) {
      assertThat(signIn(WRONG).statusCode()).isEqualTo(401);
    }
    // The address has used its failures: the sign-in is held, even with a good token, as the API
    // holds a request whose token this node has not seen live.
    HttpResponse<String> held = signIn(TestServer.TOKEN);
    assertThat(held.statusCode()).as(held.body()).isEqualTo(429);
    assertThat(held.headers().firstValue("Retry-After")).isPresent();
    assertThat(held.body()).contains("Too many failed sign-ins");
    HttpResponse<String> api =
        server.sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Bearer " + WRONG);
    assertThat(api.statusCode()).as("one limit for both ways in").isEqualTo(429);

    long counted = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (counted < 3 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      counted = 0;
      HttpResponse<String> r = server.send("GET", "/admin/v1/audit?resourceType=AuthFailure", null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      for (JsonNode e : TestServer.json(r).get("entries")) {
        counted += e.at("/change/count").asLong();
      }
    }
    assertThat(counted).isEqualTo(3);
  }
}
