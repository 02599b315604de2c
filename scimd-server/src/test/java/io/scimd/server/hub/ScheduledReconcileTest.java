package io.scimd.server.hub;

import static io.scimd.server.hub.WebhookReceiver.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.Main;
import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Reconciliations on a schedule, over HTTP: an upstream scimd (SQLite, or two nodes on one
 * PostgreSQL) reconciles a scim target, a second scimd behind a recording proxy, that has drifted.
 * A minute is made short through {@link ReconcileSchedule#minute} (a hook of this package) so that
 * "every 5 minutes" comes round in about a second.
 */
class ScheduledReconcileTest {
  static final Duration MINUTE = Duration.ofMillis(300);
  static final Duration LONG = Duration.ofSeconds(30);

  final List<TestServer> nodes = new ArrayList<>();
  TestServer downstream;
  RecordingScimProxy proxy;
  PgTestDatabase db;

  @BeforeEach
  void shortMinutes() throws Exception {
    ReconcileSchedule.minute = MINUTE;
    ReconcileSchedule.tick = Duration.ofMillis(100);
    downstream = TestServer.start();
    proxy = new RecordingScimProxy(downstream.url(""));
  }

  @AfterEach
  void stop() {
    nodes.forEach(TestServer::close);
    proxy.close();
    downstream.close();
    if (db != null) {
      db.close();
    }
    ReconcileSchedule.minute = Duration.ofMinutes(1);
    ReconcileSchedule.tick = Duration.ofSeconds(15);
  }

  String target(boolean dryRun, int everyMinutes) {
    return "{\"name\":\"crm\",\"type\":\"scim\",\"url\":\""
        + proxy.url(TestServer.SCIM)
        + "\",\"auth\":{\"bearer\":\""
        + TestServer.TOKEN
        + "\"},\"reconcile\":{\"everyMinutes\":"
        + everyMinutes
        + ",\"dryRun\":"
        + dryRun
        + "}}";
  }

  static HttpResponse<String> admin(TestServer s, String method, String path, String body) {
    return s.send(method, path, body, "Content-Type", "application/json");
  }

  static JsonNode last(TestServer s) {
    return TestServer.json(s.send("GET", "/admin/v1/targets/crm", null))
        .path("status")
        .path("lastReconcile");
  }

  @Test
  void aDueRunReportsDrift_thenRepairsIt_andTheScheduleSurvivesARestart() throws Exception {
    ServerConfig config = HubOverHttpTest.config();
    TestServer up = TestServer.start(config);
    nodes.add(up);
    // Drift: a user the target never got (made before the target).
    up.scim().createUser("ada");

    // Bad schedules are refused, naming the setting, and nothing is saved.
    for (String bad :
        List.of(
            "{\"everyMinutes\":4}",
            "{\"everyMinutes\":10081}",
            "{\"everyMinutes\":\"5\"}",
            "{\"dryRun\":true}",
            "{\"everyMinutes\":5,\"dryRun\":\"no\"}",
            "{\"everyMinutes\":5,\"when\":1}",
            "5")) {
      HttpResponse<String> r =
          admin(
              up,
              "POST",
              "/admin/v1/targets",
              target(true, 5).replace("{\"everyMinutes\":5,\"dryRun\":true}", bad));
      assertThat(r.statusCode()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(r.body()).as(bad).contains("reconcile");
    }
    assertThat(up.send("GET", "/admin/v1/targets/crm", null).statusCode()).isEqualTo(404);

    HttpResponse<String> created = admin(up, "POST", "/admin/v1/targets", target(true, 5));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(TestServer.json(created).path("reconcile").path("everyMinutes").asInt())
        .isEqualTo(5);

    // The first run is due at once: a dry run reports the drift and changes nothing.
    await(LONG, () -> last(up).path("state").asText().equals("done"), "a dry run: " + last(up));
    JsonNode dry = last(up);
    assertThat(dry.path("dryRun").asBoolean()).isTrue();
    assertThat(dry.path("summary").path("create").asInt()).as(dry.toString()).isEqualTo(1);
    assertThat(dry.path("findings").asInt()).as(dry.toString()).isEqualTo(1);
    assertThat(dry.path("firstFindings").get(0).path("action").asText()).isEqualTo("create");
    assertThat(dry.path("node").asText()).isNotEmpty();
    assertThat(dry.path("error").isMissingNode()).as(dry.toString()).isTrue();
    assertThat(ada()).isZero();

    // Repairing from now on: the next due run (5 short minutes after the last) repairs.
    HttpResponse<String> changed =
        admin(
            up,
            "PUT",
            "/admin/v1/targets/crm",
            target(false, 5).replace("\"bearer\":\"" + TestServer.TOKEN + "\"", ""));
    assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
    await(
        LONG,
        () ->
            !last(up).path("dryRun").asBoolean(true)
                && last(up).path("state").asText().equals("done"),
        "a repairing run: " + last(up));
    JsonNode repaired = last(up);
    assertThat(Instant.parse(repaired.path("startedAt").asText()))
        .isAfterOrEqualTo(
            Instant.parse(dry.path("startedAt").asText()).plus(MINUTE.multipliedBy(5)));
    assertThat(repaired.path("summary").path("create").asInt()).isEqualTo(1);
    assertThat(ada()).isEqualTo(1);

    // Once a week from now on; across a restart the last run is kept and nothing runs early.
    HttpResponse<String> weekly =
        admin(
            up,
            "PUT",
            "/admin/v1/targets/crm",
            target(false, 10080).replace("\"bearer\":\"" + TestServer.TOKEN + "\"", ""));
    assertThat(weekly.statusCode()).as(weekly.body()).isEqualTo(200);
    String lastStart = last(up).path("startedAt").asText();
    up.close();
    nodes.clear();
    TestServer again = TestServer.start(config);
    nodes.add(again);
    assertThat(last(again).path("startedAt").asText()).isEqualTo(lastStart);
    proxy.clear();
    // The worker of the restarted node serves the target: it delivers, and runs nothing early.
    again.scim().createUser("grace");
    await(
        LONG,
        () ->
            downstream
                    .scim()
                    .list("/Users?filter=" + TestServer.q("userName eq \"grace\""))
                    .path("totalResults")
                    .asInt()
                == 1,
        "delivered after the restart");
    Thread.sleep(MINUTE.multipliedBy(2).toMillis()); // several looks at the schedule
    assertThat(last(again).path("startedAt").asText()).isEqualTo(lastStart);
    assertThat(proxy.requests("GET", "/scim/v2/Groups")).isEmpty();

    // The CLI shows the last run in the target's status.
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    CommandLine cl = Main.commandLine(Map.of(), s -> {});
    cl.setOut(new PrintWriter(o, true));
    cl.setErr(new PrintWriter(e, true));
    int code = cl.execute("target", "status", "crm", "--data", config.dataDir().toString());
    assertThat(code).as(e.toString()).isZero();
    assertThat(o.toString())
        .contains("lastReconcile")
        .contains(lastStart + " repairing, done: did create 1");
  }

  /**
   * Two nodes on one PostgreSQL database: each due time is run once, by the node holding the
   * target's lease; when it stops, the other node keeps the schedule.
   */
  @Test
  void twoNodesOnPostgresRunEachDueTimeOnce() throws Exception {
    db = PgTestDatabase.createOrSkipEachTest();
    Path key = Files.createTempDirectory("hub-key").resolve("hub.key");
    TestServer first = TestServer.start(node(key));
    nodes.add(first);
    TestServer second = TestServer.start(node(key));
    nodes.add(second);
    first.scim().createUser("ada");
    Instant began = Instant.now();
    HttpResponse<String> created = admin(first, "POST", "/admin/v1/targets", target(true, 5));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    // Each run lists the target's groups once (it has none): one GET /Groups without a filter.
    await(LONG, () -> runs() >= 3, "three runs: " + runs());
    Duration interval = MINUTE.multipliedBy(5);
    long elapsed = Duration.between(began, Instant.now()).toMillis();
    assertThat(runs())
        .as("at most one run per due time in " + elapsed + " ms")
        .isLessThanOrEqualTo((int) (elapsed / interval.toMillis()) + 1);
    // The runs follow each other closely here: the one just started may still be running.
    java.util.concurrent.atomic.AtomicReference<JsonNode> finished =
        new java.util.concurrent.atomic.AtomicReference<>();
    await(
        LONG,
        () -> {
          finished.set(last(second));
          return finished.get().has("summary");
        },
        "a finished run: " + last(second));
    JsonNode seen = finished.get();
    assertThat(seen.path("summary").path("create").asInt()).as(seen.toString()).isEqualTo(1);

    // The first node stops: the second one has or takes the target, and keeps its schedule.
    first.close();
    nodes.remove(first);
    int before = runs();
    await(LONG, () -> runs() >= before + 2, "the second node runs the schedule: " + last(second));
    long total = Duration.between(began, Instant.now()).toMillis();
    assertThat(runs()).isLessThanOrEqualTo((int) (total / interval.toMillis()) + 1);
  }

  ServerConfig node(Path key) {
    ServerConfig c = TestServer.config(PgTestDatabase.require(db), 4);
    return c.withHub(
        c.hub()
            .withKeyFile(key)
            .withDelivery(
                true,
                c.hub()
                    .delivery()
                    .withLease(Duration.ofMillis(100), Duration.ofSeconds(2))
                    .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1))));
  }

  private int ada() {
    return downstream
        .scim()
        .list("/Users?filter=" + TestServer.q("userName eq \"ada\""))
        .path("totalResults")
        .asInt();
  }

  private int runs() {
    return (int)
        proxy.requests("GET", "/scim/v2/Groups").stream()
            .filter(r -> r.query() == null || !r.query().contains("filter"))
            .count();
  }
}
