package io.scimd.server.limits;

import static io.scimd.server.http.TestServer.assertScimError;
import static io.scimd.server.http.TestServer.json;
import static io.scimd.server.http.TestServer.q;
import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.server.service.ServiceConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The client rate limit through HTTP (issue 7 §4): a burst is admitted up to the configured burst,
 * then answered 429 with the {@code Retry-After} of the bucket's next token, and the client is
 * served again once it waited that long. Rates are small so that the test is quick; counts are
 * asserted against what the rate allows over the time the test measured, with room for a slow
 * machine, never against a wall-clock schedule.
 */
class RateLimitTest {
  static final String MISSING = "/scim/v2/Users/00000000-0000-0000-0000-000000000000";

  ServerConfig config;
  TestServer server;

  /** The server's configuration, before the rate is set: SQLite here. */
  ServerConfig base() throws Exception {
    return TestServer.config();
  }

  TestServer start(String rate, @Nullable Integer burst) throws Exception {
    ServerConfig b = base();
    config = b.withService(b.service().withRateLimit(Rate.parse(rate, burst)));
    server = TestServer.start(config);
    return server;
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aBurst_isAdmittedUpToTheBurst_thenAnswered429WithRetryAfter() throws Exception {
    start("5/s", 5);
    long began = System.nanoTime();
    int admitted = 0;
    HttpResponse<String> refused = null;
    for (int i = 0; i < 1000 && refused == null; i++) {
      HttpResponse<String> r = server.send("GET", MISSING, null);
      if (r.statusCode() == 429) {
        refused = r;
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        admitted++;
      }
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    assertThat(refused).as("no 429 in 1,000 requests at 5/s").isNotNull();
    assertThat(admitted).isBetween(5, 5 + (int) Math.ceil(5 * seconds) + 1);
    JsonNode e = assertScimError(refused, 429, null);
    assertThat(e.path("detail").asText())
        .contains("rate limit")
        .contains("5/s")
        .contains("bursts of 5")
        .contains("retry after 1 s");
    assertThat(refused.headers().firstValue("Retry-After")).contains("1");
  }

  @Test
  void retryAfter_isWhenTheBucketHoldsATokenAgain() throws Exception {
    start("6/m", 2); // a token every 10 s
    assertThat(server.send("GET", MISSING, null).statusCode()).isEqualTo(404);
    assertThat(server.send("GET", MISSING, null).statusCode()).isEqualTo(404);
    HttpResponse<String> r = server.send("GET", MISSING, null);
    assertScimError(r, 429, null);
    long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
    // 10 s after the first request, less the time the requests took, rounded up.
    assertThat(retryAfter).isBetween(7L, 10L);
    assertThat(json(r).path("detail").asText())
        .contains("6/m")
        .contains("retry after " + retryAfter);
  }

  @Test
  void afterRetryAfter_theClientIsServedAgain_atTheRate() throws Exception {
    start("5/s", 5);
    HttpResponse<String> refused = exhaust();
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    Thread.sleep(retryAfter * 1000);
    assertThat(server.send("GET", MISSING, null).statusCode()).isEqualTo(404);

    // Sustained for about two seconds: about 5 a second get through, and the rest are refused.
    long began = System.nanoTime();
    int admitted = 1;
    int refusedCount = 0;
    while (System.nanoTime() - began < 2_000_000_000L) {
      int status = server.send("GET", MISSING, null).statusCode();
      if (status == 429) {
        refusedCount++;
      } else {
        admitted++;
      }
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    assertThat(admitted).isBetween(2, 5 + (int) Math.ceil(5 * seconds) + 1);
    assertThat(refusedCount).isPositive();
  }

  @Test
  void eachCredential_hasItsOwnBudget_andUnauthenticatedRequestsAreNotCounted() throws Exception {
    start("2/m", 2);
    String other = token("other");
    exhaust();
    // The other credential, discovery and /health are served all the same.
    HttpResponse<String> r = server.send("GET", MISSING, null, "Authorization", "Bearer " + other);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
    for (int i = 0; i < 20; i++) {
      assertThat(server.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null).statusCode())
          .isEqualTo(200);
      assertThat(server.sendRaw("GET", "/health", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aRefusedWrite_changesNothing() throws Exception {
    start("2/m", 2);
    String other = token("reader");
    exhaust();
    HttpResponse<String> r = server.send("POST", "/scim/v2/Users", user("refused.user"));
    assertScimError(r, 429, null);
    r =
        server.send(
            "GET",
            "/scim/v2/Users?filter=" + q("userName eq \"refused.user\""),
            null,
            "Authorization",
            "Bearer " + other);
    assertThat(json(r).path("totalResults").asInt()).as(r.body()).isZero();
  }

  @Test
  void serviceProviderConfig_publishesTheRate() throws Exception {
    start("5/s", 7);
    JsonNode spc = json(server.sendRaw("GET", "/scim/v2/ServiceProviderConfig", null));
    JsonNode rate = spc.path(ServiceConfig.LIMITS).path("rateLimit");
    assertThat(rate.path("requestsPerSecond").asDouble()).isEqualTo(5.0);
    assertThat(rate.path("burst").asInt()).isEqualTo(7);
    assertThat(rate.path("per").asText()).isEqualTo("client");
  }

  /** Sends until the bootstrap credential is refused; the refusal. */
  private HttpResponse<String> exhaust() {
    for (int i = 0; i < 1000; i++) {
      HttpResponse<String> r = server.send("GET", MISSING, null);
      if (r.statusCode() == 429) {
        return r;
      }
    }
    throw new AssertionError("no 429 in 1,000 requests");
  }

  /** A new credential of the default tenant, made with the CLI on the server's store. */
  String token(String name) {
    List<String> args = new ArrayList<>(List.of("token", "create", "--name", name));
    if (config.database() != null) {
      args.addAll(List.of("--db", config.database()));
    } else {
      args.addAll(List.of("--data", config.dataDir().toString()));
    }
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(new StringWriter(), true));
    assertThat(cl.execute(args.toArray(String[]::new))).isZero();
    Matcher m = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out.toString());
    assertThat(m.find()).isTrue();
    return m.group(1);
  }
}
