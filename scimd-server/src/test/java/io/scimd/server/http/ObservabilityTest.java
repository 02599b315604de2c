package io.scimd.server.http;

import static io.scimd.server.http.TestServer.user;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.observe.LogSetup;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Observability over HTTP against a started server: the health endpoints, request ids and trace
 * context, the access log (captured from the real logger {@code scimd.access}), {@code /metrics}
 * and the Grafana dashboard's metric names.
 */
class ObservabilityTest {
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private final Logger access = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);

  private ch.qos.logback.classic.Level level;

  @BeforeEach
  void capture() {
    // The test class path's logback-test.xml (the store's) logs warnings only; serve logs INFO.
    level = access.getLevel();
    access.setLevel(ch.qos.logback.classic.Level.INFO);
    lines.start();
    access.addAppender(lines);
  }

  @AfterEach
  void release() {
    access.detachAppender(lines);
    access.setLevel(level);
  }

  /** The access-log lines of the request with id {@code id}, waiting for it: it is written last. */
  private ILoggingEvent lineOf(String id) {
    long until = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < until) {
      synchronized (lines) {
        for (ILoggingEvent e : List.copyOf(lines.list)) {
          if (e.getFormattedMessage().contains("request_id=" + id + " ")) {
            return e;
          }
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no access-log line for request " + id + ": " + lines.list);
  }

  @Test
  void live_andReady_answer200WithoutCredentials() {
    try (TestServer s = TestServer.start()) {
      HttpResponse<String> live = s.sendRaw("GET", "/health/live", null);
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(TestServer.json(live).path("status").asText()).isEqualTo("UP");
      HttpResponse<String> ready = s.sendRaw("GET", "/health/ready", null);
      assertThat(ready.statusCode()).isEqualTo(200);
      JsonNode body = TestServer.json(ready);
      assertThat(body.path("status").asText()).isEqualTo("READY");
      assertThat(body.path("checks").path("database").asText()).isEqualTo("UP");
      assertThat(ready.headers().firstValue("Retry-After")).isEmpty();
      // /health stays as it was.
      assertThat(s.sendRaw("GET", "/health", null).statusCode()).isEqualTo(200);
      assertThat(s.sendRaw("POST", "/health/ready", "{}").statusCode()).isEqualTo(405);
    }
  }

  @Test
  void ready_answers503WithRetryAfter_whenTheStoreIsGone() {
    TestServer s = TestServer.start();
    try {
      // A closed store is what an unreachable database looks like from the node.
      closeStore(s);
      HttpResponse<String> ready = s.sendRaw("GET", "/health/ready", null);
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.headers().firstValue("Retry-After")).hasValue("5");
      JsonNode body = TestServer.json(ready);
      assertThat(body.path("status").asText()).isEqualTo("NOT READY");
      assertThat(body.path("checks").path("database").asText()).isEqualTo("DOWN");
      assertThat(body.path("detail").asText()).contains("database");
      assertThat(s.sendRaw("GET", "/health/live", null).statusCode()).isEqualTo(200);
    } finally {
      s.close();
    }
  }

  private static void closeStore(TestServer s) {
    try {
      var f = io.scimd.server.ScimServer.class.getDeclaredField("store");
      f.setAccessible(true);
      ((io.scimd.store.Store) f.get(s.server)).close();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void requestId_isTakenWhenSane_elseGenerated_onEveryResponse() {
    try (TestServer s = TestServer.start()) {
      HttpResponse<String> given = s.sendRaw("GET", "/health/live", null, "X-Request-Id", "idp-7");
      assertThat(given.headers().firstValue("X-Request-Id")).hasValue("idp-7");
      HttpResponse<String> bad =
          s.sendRaw("GET", "/scim/v2/Users", null, "X-Request-Id", "x".repeat(129));
      assertThat(bad.statusCode()).isEqualTo(401);
      String generated = bad.headers().firstValue("X-Request-Id").orElseThrow();
      assertThat(generated).matches("[0-9a-f-]{36}");
      HttpResponse<String> none = s.sendRaw("GET", "/nowhere", null);
      assertThat(none.headers().firstValue("X-Request-Id")).isPresent();
    }
  }

  @Test
  void accessLog_oneLinePerRequest_withRouteTemplateTraceIdAndNoSecrets() {
    try (TestServer s = TestServer.start()) {
      String id =
          TestServer.json(s.send("POST", "/scim/v2/Users", user("ada"))).path("id").asText();
      String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
      HttpResponse<String> r =
          s.send(
              "GET",
              "/scim/v2/Users/" + id + "?attributes=userName",
              null,
              "X-Request-Id",
              "req-read-1",
              "traceparent",
              "00-" + trace + "-00f067aa0ba902b7-01");
      assertThat(r.statusCode()).isEqualTo(200);
      ILoggingEvent line = lineOf("req-read-1");
      String text = line.getFormattedMessage();
      assertThat(line.getLevel().toString()).isEqualTo("INFO");
      assertThat(text)
          .contains("method=GET")
          .contains("route=/scim/v2/Users/{id}")
          .contains("path=/scim/v2/Users/" + id)
          .contains("status=200")
          .contains("tenant=default")
          .contains("client=default/bootstrap")
          .contains("trace_id=" + trace)
          .containsPattern("duration_ms=[0-9.]+")
          .containsPattern("bytes_out=[1-9][0-9]*")
          .doesNotContain("attributes=userName")
          .doesNotContain(TestServer.TOKEN);

      // An invalid traceparent is ignored, not an error; a 4xx is INFO without a stack trace.
      HttpResponse<String> bad =
          s.send(
              "GET",
              "/scim/v2/Users?filter=" + TestServer.q("userName eq"),
              null,
              "X-Request-Id",
              "req-bad-2",
              "traceparent",
              "00-" + "0".repeat(32) + "-00f067aa0ba902b7-01");
      assertThat(bad.statusCode()).isEqualTo(400);
      ILoggingEvent four = lineOf("req-bad-2");
      assertThat(four.getLevel().toString()).isEqualTo("INFO");
      assertThat(four.getThrowableProxy()).isNull();
      assertThat(four.getFormattedMessage()).contains("status=400").contains("trace_id=-");

      // A failed authentication: the header's token appears nowhere.
      s.sendRaw(
          "GET",
          "/scim/v2/Users",
          null,
          "Authorization",
          "Bearer not-a-real-token-0123456789-abcdefghijkl",
          "X-Request-Id",
          "req-401-3");
      String unauthorized = lineOf("req-401-3").getFormattedMessage();
      assertThat(unauthorized)
          .contains("status=401")
          .contains("client=-")
          .doesNotContain("not-a-real-token");
    }
  }

  @Test
  void jsonFormat_putsEachFieldUnderItsOwnKey() throws Exception {
    try (TestServer s = TestServer.start()) {
      s.send("GET", "/scim/v2/Users", null, "X-Request-Id", "req-json-1");
      ILoggingEvent line = lineOf("req-json-1");
      LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
      var encoder = LogSetup.jsonEncoder(context);
      JsonNode json =
          TestServer.json(new String(encoder.encode(line), StandardCharsets.UTF_8).strip());
      assertThat(json.path("logger_name").asText()).isEqualTo("scimd.access");
      assertThat(json.path("level").asText()).isEqualTo("INFO");
      assertThat(json.path("route").asText()).isEqualTo("/scim/v2/Users");
      assertThat(json.path("status").asInt()).isEqualTo(200);
      assertThat(json.path("request_id").asText()).isEqualTo("req-json-1");
      assertThat(json.path("client").asText()).isEqualTo("default/bootstrap");
      assertThat(json.has("duration_ms")).isTrue();
    }
  }

  @Test
  void metrics_needAMetricsOrAdminScope_andLabelRoutesByTemplate() {
    try (TestServer s = TestServer.start()) {
      String id =
          TestServer.json(s.send("POST", "/scim/v2/Users", user("grace"))).path("id").asText();
      s.send("GET", "/scim/v2/Users/" + id, null);
      HttpResponse<String> anonymous = s.sendRaw("GET", "/metrics", null);
      assertThat(anonymous.statusCode()).isEqualTo(401);

      String readOnly = token(s, "reader", "scim:read");
      HttpResponse<String> forbidden =
          s.sendRaw("GET", "/metrics", null, "Authorization", "Bearer " + readOnly);
      assertThat(forbidden.statusCode()).isEqualTo(403);

      String prometheus = token(s, "prometheus", "metrics");
      HttpResponse<String> r =
          s.sendRaw("GET", "/metrics", null, "Authorization", "Bearer " + prometheus);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
      String text = r.body();
      assertThat(text)
          .contains("scimd_http_requests_seconds_count{")
          .contains("route=\"/scim/v2/Users/{id}\"")
          .contains("client=\"default/bootstrap\"")
          .contains("scimd_http_requests_seconds_bucket{")
          .contains("jvm_memory_used_bytes")
          .contains("scimd_journal_head{tenant=\"default\"}")
          .doesNotContain(id);
      // The bootstrap client holds admin, which reads /metrics too.
      assertThat(s.send("GET", "/metrics", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void metricsOpen_servesWithoutACredential() {
    try (TestServer s = TestServer.start(TestServer.config().withMetricsOpen(true))) {
      assertThat(s.sendRaw("GET", "/metrics", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void everyMetricOfTheGrafanaDashboard_isInARealScrape() throws Exception {
    try (TestServer s = TestServer.start()) {
      // Something of everything: requests, an access decision, a hub target.
      s.send("POST", "/scim/v2/Users", user("lin"));
      s.send("POST", "/access/v1/evaluation", "{}", "Content-Type", "application/json");
      HttpResponse<String> target =
          s.send(
              "POST",
              "/admin/v1/targets",
              "{\"name\":\"hook\",\"type\":\"webhook\",\"url\":\"http://127.0.0.1:9/hook\"}",
              "Content-Type",
              "application/json");
      assertThat(target.statusCode()).as(target.body()).isIn(200, 201);
      String scrape = s.send("GET", "/metrics", null).body();
      Set<String> present = new HashSet<>();
      for (String line : scrape.split("\n")) {
        if (!line.startsWith("#") && !line.isBlank()) {
          present.add(line.split("[{ ]", 2)[0]);
        }
      }
      String dashboard =
          Files.readString(Path.of("..", "docs", "grafana", "scimd.json"), StandardCharsets.UTF_8);
      JsonNode d = TestServer.json(dashboard);
      Set<String> used = new HashSet<>();
      Pattern metric =
          Pattern.compile("\\b(scimd_[a-z_]+|jvm_[a-z_]+|process_[a-z_]+|hikaricp_[a-z_]+)");
      for (JsonNode panel : d.path("panels")) {
        for (JsonNode t : panel.path("targets")) {
          Matcher m = metric.matcher(t.path("expr").asText());
          while (m.find()) {
            used.add(m.group(1));
          }
        }
      }
      assertThat(used).isNotEmpty();
      // The pool's figures exist on PostgreSQL only (the PostgreSQL test checks them).
      used.removeIf(n -> n.startsWith("hikaricp_"));
      assertThat(present).containsAll(used);
    }
  }

  @Test
  void onPostgres_thePoolReportsThroughHikariCpsBinding_andTheSummaryNamesMigrations() {
    try (io.scimd.store.PgTestDatabase db = io.scimd.store.PgTestDatabase.create();
        TestServer s = TestServer.start(TestServer.config(db, 4))) {
      String scrape = s.send("GET", "/metrics", null).body();
      assertThat(scrape)
          .contains("hikaricp_connections_active")
          .contains("hikaricp_connections_pending");
      assertThat(s.send("GET", "/health/ready", null).statusCode()).isEqualTo(200);
    }
  }

  private static String token(TestServer s, String name, String scope) {
    HttpResponse<String> c =
        s.send(
            "POST",
            "/admin/v1/clients",
            "{\"name\":\"" + name + "\",\"scopes\":[\"" + scope + "\"]}",
            "Content-Type",
            "application/json");
    assertThat(c.statusCode()).as(c.body()).isIn(200, 201);
    HttpResponse<String> t =
        s.send(
            "POST",
            "/admin/v1/clients/" + TestServer.json(c).path("id").asText() + "/tokens",
            "{}",
            "Content-Type",
            "application/json");
    assertThat(t.statusCode()).as(t.body()).isIn(200, 201);
    return TestServer.json(t).path("token").asText();
  }
}
