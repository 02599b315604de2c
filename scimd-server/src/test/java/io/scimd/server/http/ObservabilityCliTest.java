package io.scimd.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * {@code serve}'s observability options through the real command line, the startup summary and the
 * shutdown lines (captured from the real logger), and the route templates and trace context as
 * tables.
 */
class ObservabilityCliTest {
  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  private CommandLine cli(Map<String, String> env, CompletableFuture<ScimServer> started) {
    CommandLine cl = Main.commandLine(env, started::complete);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  @Test
  void logLevel_fromTheEnvironment_thatIsNoLevel_isAConfigurationError() {
    Map<String, String> env = Map.of("SCIMD_DATA", dir.toString(), "SCIMD_LOG_LEVEL", "loud");
    int code = cli(env, new CompletableFuture<>()).execute("serve", "--port", "0");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("SCIMD_LOG_LEVEL").contains("'loud' is not a log level");
  }

  @Test
  void logFormat_thatIsNoFormat_isAConfigurationError() {
    Map<String, String> env = Map.of("SCIMD_DATA", dir.toString());
    int code =
        cli(env, new CompletableFuture<>()).execute("serve", "--port", "0", "--log-format", "xml");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--log-format").contains("plain or json");
  }

  @Test
  void serve_logsAStartupSummary_andTheShutdown() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(ScimServer.class);
    Level before = logger.getLevel();
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    logger.setLevel(Level.INFO);
    try {
      CompletableFuture<ScimServer> started = new CompletableFuture<>();
      Map<String, String> env =
          Map.of("SCIMD_DATA", dir.toString(), "SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN);
      CommandLine cl = cli(env, started);
      CompletableFuture<Integer> exit =
          CompletableFuture.supplyAsync(
              () -> cl.execute("serve", "--port", "0", "--log-level", "info"));
      ScimServer server = started.get(60, TimeUnit.SECONDS);
      int port = server.port();
      server.close();
      assertThat(exit.get(60, TimeUnit.SECONDS)).as(err.toString()).isZero();
      List<String> messages =
          List.copyOf(lines.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
      String summary =
          messages.stream().filter(m -> m.contains(" started: ")).findFirst().orElseThrow();
      assertThat(summary)
          .startsWith("scimd ")
          .contains("commit")
          .contains("store SQLite in " + dir.toAbsolutePath().normalize())
          .containsPattern("\\d+ migrations?, schema version \\d+")
          .contains("tenants: 1")
          .contains("targets: 0")
          .contains("listening on http://127.0.0.1:" + port)
          .contains("/health/ready")
          .contains("/metrics");
      assertThat(messages).anyMatch(m -> m.startsWith("scimd shutting down"));
      assertThat(messages).anyMatch(m -> m.startsWith("scimd stopped after"));
    } finally {
      logger.detachAppender(lines);
      logger.setLevel(before);
    }
  }

  @Test
  void routeTemplates_neverCarryIdsOrNames() {
    var registry = io.scimd.core.schema.SchemaRegistry.builtIn();
    String[][] table = {
      {"/scim/v2/Users/2819c223-7f76-453a-919d-413861904646", "/scim/v2/Users/{id}"},
      {"/scim/v2/Users", "/scim/v2/Users"},
      {"/scim/v2/users/", "/scim/v2/Users"},
      {"/scim/v2/Groups/.search", "/scim/v2/Groups/.search"},
      {"/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User", "/scim/v2/Schemas/{urn}"},
      {"/tenants/acme/scim/v2/Users/abc", "/tenants/{tenant}/scim/v2/Users/{id}"},
      {"/scim/v2/Nope/1", "unmatched"},
      {"/scim/v2/Users/%zz", "unmatched"},
      {"/admin/v1/clients/9f1c/tokens", "/admin/v1/clients/{}/tokens"},
      {"/admin/v1/targets/crm/dead-letters/replay", "/admin/v1/targets/{}/dead-letters/replay"},
      {"/access/v1/evaluation", "/access/v1/evaluation"},
      {"/health/ready", "/health/ready"},
      {"/metrics", "/metrics"},
      {"/console/users/2819c223-7f76-453a-919d-413861904646", "/console/users/{}"},
      {"/console/targets/crm/replay", "/console/targets/{}/replay"},
      {"/console/access/ci", "/console/access/{}"},
      {"/console/signin", "/console/signin"},
      {"/wp-login.php", "unmatched"},
      {"/admin/a/b/c/d/e/f/g/h/i", "unmatched"}
    };
    for (String[] row : table) {
      assertThat(RouteTemplates.of(row[0], registry)).as(row[0]).isEqualTo(row[1]);
    }
  }

  @Test
  void traceparent_validIsRead_invalidIsIgnored() {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    assertThat(RequestIds.traceId("00-" + trace + "-00f067aa0ba902b7-01")).isEqualTo(trace);
    // A later version may add fields; version 00 may not.
    assertThat(RequestIds.traceId("01-" + trace + "-00f067aa0ba902b7-01-extra")).isEqualTo(trace);
    assertThat(RequestIds.traceId("00-" + trace + "-00f067aa0ba902b7-01-extra")).isNull();
    assertThat(RequestIds.traceId("ff-" + trace + "-00f067aa0ba902b7-01")).isNull();
    assertThat(RequestIds.traceId("00-" + "0".repeat(32) + "-00f067aa0ba902b7-01")).isNull();
    assertThat(RequestIds.traceId("00-" + trace + "-" + "0".repeat(16) + "-01")).isNull();
    assertThat(RequestIds.traceId("00-" + trace.toUpperCase() + "-00f067aa0ba902b7-01")).isNull();
    assertThat(RequestIds.traceId("garbage")).isNull();
    assertThat(RequestIds.traceId(null)).isNull();
  }
}
