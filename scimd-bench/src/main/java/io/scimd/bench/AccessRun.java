package io.scimd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The access model's load run: do AuthZEN decisions keep up with the cheapest request the server
 * has, how long does one take inside the server, and how soon does a decision on one node reflect a
 * membership change committed on another?
 *
 * <p>It starts scimd as a child process ({@link TimedServer}: the shipped server with a timing
 * wrapper around its handler) on SQLite in a fresh data directory, or with {@code --db} on a new
 * PostgreSQL database {@code scimd_access_<epoch>} (dropped afterwards), and seeds it over HTTP: a
 * subject in {@code --groups} (50) groups, 70% directly and the rest through a nested group; {@code
 * --rules} (200) rules in one application, most of them on groups the subject is not in, 10% SCIM
 * filters (two of which match it), a few on its direct and nested groups; 20 roles with includes.
 * Then, with {@code --concurrency} (16) clients over HTTP/1.1 keep-alive, each phase {@code
 * --seconds} (10) after a {@code --warmup} (3): {@code GET /health}, {@code POST
 * /access/v1/evaluation} (alternately a permit through a nested group and a deny, the subject named
 * by its userName as a gateway knows it, a client with only the {@code access} scope), {@code GET
 * /health} again. It reports the evaluations' rate as a multiple of the mean health rate around it
 * (target at least 0.8) and the server-side p50 and p99 of evaluations (target p99 at most 1 ms).
 *
 * <p><b>Freshness</b>: {@code --rounds} (20) times, a PATCH adds the subject to (or removes it
 * from) a group that one rule names, then decisions are asked until one reflects it; the time from
 * the PATCH's answer to that decision's (target at most 1 s) and how many decisions it took (1: the
 * very next). With {@code --db} there are two nodes on the database, the PATCH goes to the second
 * and the decisions to the first; on SQLite both go to the one node.
 *
 * <p>Run from the repository root after {@code ./mvnw -q -Pbench -DskipTests package}: {@code java
 * -cp scimd-bench/target/benchmarks.jar io.scimd.bench.AccessRun [--db
 * 'jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres'] [--seconds 10] [--warmup 3]
 * [--concurrency 16] [--groups 50] [--rules 200] [--rounds 20] [--subject-by userName|id] [--out
 * FILE] [--server-jar PATH] [--jvm-options FILE|none] [--server-opt ARG]...}.
 */
public final class AccessRun {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String HOST = "127.0.0.1";
  private static final int ROLES = 20;

  record Options(
      int seconds,
      int warmup,
      int concurrency,
      int groups,
      int rules,
      int rounds,
      boolean subjectById,
      @Nullable String db,
      @Nullable Path out,
      Path serverJar,
      List<String> serverOpts) {}

  /** One server process. */
  record Node(Process process, String root, String latency, Path log) implements AutoCloseable {
    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  /** What the seeding made. */
  record Fixture(String subjectId, String subjectKey, String freshGroup, int nested) {}

  private AccessRun() {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("AccessRun: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (!Files.isRegularFile(o.serverJar())) {
      System.err.println(
          "AccessRun: no server jar at "
              + o.serverJar()
              + "; build it: ./mvnw -q -Pbench -DskipTests package");
      System.exit(2);
    }
    String report = run(o);
    System.out.println();
    System.out.println(report);
    if (o.out() != null) {
      Files.writeString(o.out(), report);
    }
  }

  static String run(Options o) throws Exception {
    Path dir = Files.createTempDirectory("scimd-access-");
    String token = "bench-" + UUID.randomUUID();
    String dbName = "scimd_access_" + System.currentTimeMillis();
    String url = o.db() == null ? null : PgSeeder.createDatabase(o.db(), dbName);
    List<Node> nodes = new ArrayList<>();
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
    try {
      Node a = start(o, dir, "a", url, token, http);
      nodes.add(a);
      Node b = url == null ? a : start(o, dir, "b", url, token, http);
      if (b != a) {
        nodes.add(b);
      }
      Api admin = new Api(http, a.root(), "Bearer " + token);
      long t0 = System.nanoTime();
      Fixture f = seed(admin, o);
      log("seeded in %.1f s", (System.nanoTime() - t0) / 1e9);
      String gateway = "Bearer " + gatewayToken(admin);
      Api decideA = new Api(http, a.root(), gateway);
      check(decideA, f);

      List<LoadRun.Scenario> s = scenarios(a.root(), gateway, f);
      LoadRun.Scenario health = s.get(0);
      LoadRun.Scenario evaluation = s.get(1);
      if (o.warmup() > 0) {
        LoadRun.measure(http, health, o.concurrency(), o.warmup(), Long.MAX_VALUE);
        LoadRun.measure(http, evaluation, o.concurrency(), o.warmup(), Long.MAX_VALUE);
      }
      latency(http, a, true);
      LoadRun.Result h1 =
          LoadRun.measure(http, health, o.concurrency(), o.seconds(), Long.MAX_VALUE);
      JsonNode healthServer = latency(http, a, true).path("health");
      LoadRun.Result ev =
          LoadRun.measure(http, evaluation, o.concurrency(), o.seconds(), Long.MAX_VALUE);
      JsonNode evServer = latency(http, a, false).path("evaluation");
      LoadRun.Result h2 =
          LoadRun.measure(http, health, o.concurrency(), o.seconds(), Long.MAX_VALUE);

      long[] fresh = new long[o.rounds()];
      int[] asked = new int[o.rounds()];
      freshness(new Api(http, b.root(), "Bearer " + token), decideA, f, fresh, asked);
      return report(o, f, h1, ev, h2, evServer, healthServer, fresh, asked, nodes.size());
    } catch (Exception e) {
      for (Node n : nodes) {
        List<String> lines = Files.readAllLines(n.log());
        log("FAILED: %s; %s's log ends:", e, n.log());
        lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(System.err::println);
      }
      throw e;
    } finally {
      for (Node n : nodes) {
        n.close();
      }
      if (o.db() != null) {
        PgSeeder.dropDatabase(o.db(), dbName);
      }
      LoadRun.deleteTree(dir);
    }
  }

  private static Node start(
      Options o, Path dir, String name, @Nullable String url, String token, HttpClient http)
      throws Exception {
    int port = LoadRun.freePort();
    int latencyPort = LoadRun.freePort();
    Path log = dir.resolve("server-" + name + ".log");
    Path benchJar =
        Path.of(AccessRun.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(o.serverOpts());
    cmd.add("-D" + TimedServer.PORT + "=" + latencyPort);
    cmd.addAll(
        List.of(
            "-cp",
            o.serverJar() + java.io.File.pathSeparator + benchJar,
            TimedServer.class.getName(),
            "serve",
            "--host",
            HOST,
            "--port",
            Integer.toString(port),
            "--data",
            dir.resolve("data-" + name).toString(),
            "--rate-limit",
            "off"));
    if (url != null) {
      cmd.addAll(List.of("--db", url));
    }
    log("starting %s", String.join(" ", cmd));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SCIMD_BOOTSTRAP_TOKEN", token);
    Process p = pb.start();
    String root = "http://" + HOST + ":" + port;
    LoadRun.awaitHealthy(http, root, p, log);
    log("node %s: pid %d on %s", name, p.pid(), root);
    return new Node(p, root, "http://" + HOST + ":" + latencyPort + "/latency", log);
  }

  /**
   * The server-side figures of {@code node} ({@link TimedServer}), then emptied if {@code reset}.
   */
  private static JsonNode latency(HttpClient http, Node node, boolean reset) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(node.latency())).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    if (reset) {
      http.send(
          HttpRequest.newBuilder(URI.create(node.latency() + "/reset"))
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.discarding());
    }
    return JSON.readTree(r.body());
  }

  // ---------------------------------------------------------------- fixture

  static Fixture seed(Api api, Options o) throws Exception {
    ObjectNode u = JSON.createObjectNode();
    u.putArray("schemas").add(SchemaUrns.USER);
    u.put("userName", "subject@example.com");
    u.put("title", "Staff Engineer");
    u.put("userType", "Employee");
    u.putArray("emails").addObject().put("value", "subject@example.com").put("type", "work");
    String subject = api.send("POST", "/scim/v2/Users", u, 201).path("id").asText();

    int nested = Math.max(1, o.groups() * 3 / 10);
    int direct = o.groups() - nested;
    List<String> directGroups = new ArrayList<>();
    for (int i = 0; i < direct; i++) {
      String g = group(api, "subject-direct-" + i);
      api.send("PATCH", "/scim/v2/Groups/" + g, patch("add", subject), 2);
      directGroups.add(g);
    }
    List<String> nestedGroups = new ArrayList<>();
    for (int i = 0; i < nested; i++) {
      // Each contains one of the direct groups: the subject is in it through that one.
      String g = group(api, "subject-nested-" + i);
      api.send("PATCH", "/scim/v2/Groups/" + g, patch("add", directGroups.get(i % direct)), 2);
      nestedGroups.add(g);
    }
    String fresh = group(api, "fresh");

    int filters = Math.max(2, o.rules() / 10);
    int mine = Math.min(10, o.groups());
    int others = o.rules() - filters - mine - 2;
    if (others < 0) {
      throw new IllegalArgumentException("--rules must be at least " + (filters + mine + 2));
    }
    ObjectNode app = JSON.createObjectNode().put("name", "bench");
    ArrayNode roles = app.putArray("roles");
    for (int r = 0; r < ROLES; r++) {
      ObjectNode role = roles.addObject().put("name", "role-" + r);
      role.putArray("permissions").add("perm-" + r).add("doc:read-" + r);
      if (r % 5 != 0) {
        role.putArray("includes").add("role-" + (r - 1));
      }
    }
    roles.addObject().put("name", "nested-role").putArray("permissions").add("deploy");
    roles.addObject().put("name", "fresh-role").putArray("permissions").add("fresh");
    ArrayNode rules = app.putArray("rules");
    int n = 0;
    for (int i = 0; i < others; i++) {
      String g = group(api, "other-" + i);
      rule(rules, n++, "groups", g, "role-" + (i % ROLES));
    }
    for (int i = 0; i < filters; i++) {
      String filter =
          switch (i) {
            case 0 -> "title eq \"Staff Engineer\"";
            case 1 -> "userType eq \"Employee\" and emails[type eq \"work\"]";
            default -> "title eq \"Title " + i + "\" or userType eq \"Contractor-" + i + "\"";
          };
      rule(rules, n++, "filter", filter, "role-" + (i % ROLES));
    }
    for (int i = 0; i < mine; i++) {
      String g = i % 2 == 0 ? directGroups.get(i % direct) : nestedGroups.get(i % nested);
      rule(rules, n++, "groups", g, "role-" + ((i * 7) % ROLES));
    }
    rule(rules, n++, "groups", fresh, "fresh-role");
    // Last: the permit the load asks for comes through a nested group.
    rule(rules, n, "groups", nestedGroups.get(nested - 1), "nested-role");
    api.send("POST", "/admin/v1/applications", app, 201);
    String key = o.subjectById() ? subject : "subject@example.com";
    return new Fixture(subject, key, fresh, nested);
  }

  private static void rule(ArrayNode rules, int n, String kind, String value, String role) {
    ObjectNode r = rules.addObject().put("name", "rule-" + n);
    if (kind.equals("groups")) {
      r.putArray("groups").add(value);
    } else {
      r.put("filter", value);
    }
    r.putArray("roles").add(role);
  }

  private static String group(Api api, String name) throws Exception {
    ObjectNode g = JSON.createObjectNode();
    g.putArray("schemas").add(SchemaUrns.GROUP);
    g.put("displayName", name);
    return api.send("POST", "/scim/v2/Groups", g, 201).path("id").asText();
  }

  static ObjectNode patch(String op, String member) {
    ObjectNode p = JSON.createObjectNode();
    p.putArray("schemas").add(SchemaUrns.PATCH_OP);
    ObjectNode o = p.putArray("Operations").addObject().put("op", op);
    if (op.equals("add")) {
      o.put("path", "members");
      o.putArray("value").addObject().put("value", member);
    } else {
      o.put("path", "members[value eq \"" + member + "\"]");
    }
    return p;
  }

  /** A client of the default tenant with only the access scope, as a gateway has. */
  private static String gatewayToken(Api admin) throws Exception {
    ObjectNode c = JSON.createObjectNode().put("name", "gateway");
    c.putArray("scopes").add("access");
    String id = admin.send("POST", "/admin/v1/clients", c, 201).path("id").asText();
    return admin
        .send(
            "POST",
            "/admin/v1/clients/" + id + "/tokens",
            JSON.createObjectNode().put("type", "bearer"),
            201)
        .path("token")
        .asText();
  }

  static String evaluation(String subject, String action) {
    return "{\"subject\":{\"type\":\"user\",\"id\":\""
        + subject
        + "\"},\"action\":{\"name\":\""
        + action
        + "\"},\"resource\":{\"type\":\"application\",\"id\":\"bench\"}}";
  }

  /** The fixture decides as designed: else the figures would measure something else. */
  private static void check(Api gateway, Fixture f) throws Exception {
    expect(gateway, f, "deploy", true);
    expect(gateway, f, "role-3", true); // a filter's role's include
    expect(gateway, f, "nothing", false);
    expect(gateway, f, "fresh", false);
  }

  private static void expect(Api gateway, Fixture f, String action, boolean permitted)
      throws Exception {
    JsonNode d = decide(gateway, f.subjectKey(), action);
    if (d.path("decision").asBoolean() != permitted) {
      throw new IllegalStateException("the fixture decides wrongly on " + action + ": " + d);
    }
  }

  private static JsonNode decide(Api gateway, String subject, String action) throws Exception {
    return gateway.send(
        "POST", "/access/v1/evaluation", JSON.readTree(evaluation(subject, action)), 200);
  }

  static List<LoadRun.Scenario> scenarios(String root, String gateway, Fixture f) {
    URI health = URI.create(root + "/health");
    URI eval = URI.create(root + "/access/v1/evaluation");
    String permit = evaluation(f.subjectKey(), "deploy");
    String deny = evaluation(f.subjectKey(), "nothing");
    return List.of(
        new LoadRun.Scenario(
            "health",
            "GET /health",
            n -> HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(30)).GET().build(),
            r -> {}),
        new LoadRun.Scenario(
            "evaluation",
            "POST /access/v1/evaluation",
            n ->
                HttpRequest.newBuilder(eval)
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", gateway)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(n % 2 == 0 ? permit : deny))
                    .build(),
            r -> {
              boolean permitted = r.body().startsWith("{\"decision\":true");
              boolean wanted =
                  r.request().bodyPublisher().orElseThrow().contentLength() == permit.length();
              if (permitted != wanted) {
                throw new IllegalStateException("a decision changed under load: " + r.body());
              }
            }));
  }

  // ---------------------------------------------------------------- freshness

  /**
   * Alternately adds the subject to the fresh group and removes it, through {@code writer}, and
   * asks {@code decider} until its decision follows.
   */
  private static void freshness(Api writer, Api decider, Fixture f, long[] nanos, int[] asked)
      throws Exception {
    for (int i = 0; i < nanos.length; i++) {
      boolean join = i % 2 == 0;
      writer.send(
          "PATCH",
          "/scim/v2/Groups/" + f.freshGroup(),
          patch(join ? "add" : "remove", f.subjectId()),
          2);
      long acked = System.nanoTime();
      int n = 0;
      while (true) {
        n++;
        boolean permitted = decide(decider, f.subjectKey(), "fresh").path("decision").asBoolean();
        if (permitted == join) {
          nanos[i] = System.nanoTime() - acked;
          asked[i] = n;
          break;
        }
        if (System.nanoTime() - acked > 10_000_000_000L) {
          throw new IllegalStateException("no decision reflected the change within 10 s");
        }
      }
    }
  }

  // ---------------------------------------------------------------- report

  static String report(
      Options o,
      Fixture f,
      LoadRun.Result h1,
      LoadRun.Result ev,
      LoadRun.Result h2,
      JsonNode evServer,
      JsonNode healthServer,
      long[] fresh,
      int[] asked,
      int nodes) {
    double floor = (h1.perSecond() + h2.perSecond()) / 2;
    double ratio = ev.perSecond() / floor;
    double p99 = evServer.path("p99us").asLong() / 1000.0;
    long[] sorted = fresh.clone();
    Arrays.sort(sorted);
    double freshMax = sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6;
    int maxAsked = Arrays.stream(asked).max().orElse(0);
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "## Access decisions (%s, %d client%s, %d s per phase, server %s)%n%n"
                + "Subject in %d groups (%d through a nested group), named by %s; one application"
                + " of %d rules and %d roles.%n%n"
                + "| phase | requests | errors | req/s | client p50 ms | client p99 ms |"
                + " server p50 ms | server p99 ms | server p99.9 ms |%n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|%n",
            o.db() == null ? "SQLite" : "PostgreSQL, " + nodes + " nodes",
            o.concurrency(),
            o.concurrency() == 1 ? "" : "s",
            o.seconds(),
            String.join(" ", o.serverOpts()),
            o.groups(),
            f.nested(),
            o.subjectById() ? "id" : "userName",
            o.rules(),
            ROLES + 2));
    row(b, "GET /health", h1, healthServer);
    row(b, "POST /access/v1/evaluation", ev, evServer);
    row(b, "GET /health (after)", h2, null);
    b.append(
        String.format(
            Locale.ROOT,
            "%n| target | measured | |%n|---|---|---|%n"
                + "| evaluation req/s >= 0.8 x health | %.2f x | %s |%n"
                + "| evaluation server p99 <= 1 ms | %.3f ms | %s |%n"
                + "| membership PATCH to a decision reflecting it <= 1 s (%s) | p50 %.1f ms, max"
                + " %.1f ms; decisions needed at most %d | %s |%n",
            ratio,
            ratio >= 0.8 ? "ok" : "MISSED",
            p99,
            p99 <= 1.0 ? "ok" : "MISSED",
            nodes > 1 ? "PATCH on node B, decisions on node A" : "one node",
            sorted.length == 0 ? 0 : sorted[sorted.length / 2] / 1e6,
            freshMax,
            maxAsked,
            freshMax <= 1000 && maxAsked == 1 ? "ok" : "MISSED"));
    if (ev.firstError() != null) {
      b.append("\nFirst evaluation error: ").append(ev.firstError()).append('\n');
    }
    return b.toString();
  }

  private static void row(StringBuilder b, String label, LoadRun.Result r, @Nullable JsonNode s) {
    b.append(
        String.format(
            Locale.ROOT,
            "| %s | %d | %d | %.0f | %.2f | %.2f | %s | %s | %s |%n",
            label,
            r.requests(),
            r.errors(),
            r.perSecond(),
            r.p50Millis(),
            r.p99Millis(),
            s == null ? "" : ms(s, "p50us"),
            s == null ? "" : ms(s, "p99us"),
            s == null ? "" : ms(s, "p999us")));
  }

  private static String ms(JsonNode s, String field) {
    return String.format(Locale.ROOT, "%.3f", s.path(field).asLong() / 1000.0);
  }

  // ---------------------------------------------------------------- plumbing

  /** Calls scimd with one credential, failing loudly on an unexpected status. */
  record Api(HttpClient http, String root, String authorization) {
    /** {@code expected}: a status, or 2 for any 2xx. */
    JsonNode send(String method, String path, @Nullable JsonNode body, int expected)
        throws IOException, InterruptedException {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(root + path))
              .timeout(Duration.ofSeconds(60))
              .header("Authorization", authorization)
              .header(
                  "Content-Type",
                  path.startsWith("/scim") ? "application/scim+json" : "application/json");
      b.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      boolean ok = expected == 2 ? r.statusCode() / 100 == 2 : r.statusCode() == expected;
      if (!ok) {
        throw new IllegalStateException(
            method
                + " "
                + path
                + ": "
                + r.statusCode()
                + " "
                + r.body().substring(0, Math.min(300, r.body().length())));
      }
      return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
    }
  }

  static Options parse(String[] args) {
    int seconds = 10;
    int warmup = 3;
    int concurrency = 16;
    int groups = 50;
    int rules = 200;
    int rounds = 20;
    boolean byId = false;
    String db = null;
    Path out = null;
    Path jar = Path.of("scimd-server/target/scimd.jar");
    Path jvmOptions =
        Files.isRegularFile(Path.of("bin/jvm.options")) ? Path.of("bin/jvm.options") : null;
    List<String> serverOpts = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--seconds" -> seconds = whole(a, v, 1);
        case "--warmup" -> warmup = whole(a, v, 0);
        case "--concurrency" -> concurrency = whole(a, v, 1);
        case "--groups" -> groups = whole(a, v, 2);
        case "--rules" -> rules = whole(a, v, 1);
        case "--rounds" -> rounds = whole(a, v, 1);
        case "--subject-by" -> {
          if (!v.equals("id") && !v.equals("userName")) {
            throw new IllegalArgumentException("--subject-by takes id or userName, got " + v);
          }
          byId = v.equals("id");
        }
        case "--db" -> db = v;
        case "--out" -> out = Path.of(v);
        case "--server-jar" -> jar = Path.of(v);
        case "--jvm-options" -> jvmOptions = v.equals("none") ? null : Path.of(v);
        case "--server-opt" -> serverOpts.add(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    List<String> opts = new ArrayList<>();
    if (jvmOptions != null) {
      opts.addAll(LoadRun.jvmOptions(jvmOptions));
    }
    opts.addAll(serverOpts);
    return new Options(
        seconds, warmup, concurrency, groups, rules, rounds, byId, db, out, jar, List.copyOf(opts));
  }

  private static int whole(String option, String value, int min) {
    try {
      int n = Integer.parseInt(value.replace("_", "").replace(",", ""));
      if (n < min) {
        throw new IllegalArgumentException(option + " must be at least " + min + ", got " + value);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " takes a whole number, got " + value);
    }
  }

  static void log(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[AccessRun] " + format + "%n", args);
  }
}
