package io.scimd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The issue-3 benchmark at scale: the same fixture and the same requests against the server on
 * SQLite and on PostgreSQL, in one run, each figure also as a multiple of {@code GET /health} from
 * the same server.
 *
 * <p>Fixture: N users ({@link Users}, 1,000,000 by default) plus {@code --spare} users in no group
 * (the members the PATCH scenario adds), and G groups (10,000): group 0 ({@code bench-all}) holds
 * the N users, groups 1.. hold 10 users each. SQLite is seeded through the store API (1,000 inserts
 * per transaction); PostgreSQL by {@code COPY} of the rows the store writes ({@link PgSeeder},
 * which checks them against a user and a group inserted through the store API). Then the real
 * server runs as a child process ({@code serve --data DIR}, or {@code --db URL}) with
 * bin/jvm.options.
 *
 * <p>Scenarios, each a closed loop of C clients for S seconds after a warm-up: (a) {@code GET
 * /health}; (b1) {@code userName eq}, (b2) {@code externalId eq} of random existing users; (b3)
 * Groups {@code displayName eq} of a random existing group, {@code excludedAttributes=members} as
 * Entra sends it (the 1,000,000-member group is never rendered); (e) {@code meta.lastModified gt} a
 * watermark matching the last 100 seeded users; (d1, d2) a PATCH adding one member to a 10-member
 * group and to the N-member group (204, no body); (f) {@code POST /Bulk} of {@code --bulk-ops} new
 * users per request. Then (p): one client walks every user with RFC 9865 cursors, {@code count}
 * {@code --page-size}, timing each page: the first and the last pages must cost the same.
 *
 * <p>Run (after {@code ./mvnw -q -Pbench -DskipTests package}, from the repository root): {@code
 * java -cp scimd-bench/target/benchmarks.jar io.scimd.bench.ScaleRun --store both --db
 * 'jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres' --users 1000000 --out scale.md}. The
 * PostgreSQL run creates a database {@code scimd_bench_<epoch>} on that server and drops it after
 * ({@code --keep} keeps it and the SQLite directory).
 */
public final class ScaleRun {
  private static final long SEED = 20261201L;
  private static final PrintStream OUT = System.out;
  static final int SMALL_GROUP = 10;

  record Options(
      List<String> stores,
      @Nullable String db,
      int users,
      int spare,
      int groups,
      int seconds,
      int warmup,
      int concurrency,
      int pageSize,
      int bulkOps,
      @Nullable Path out,
      Path serverJar,
      List<String> serverOpts,
      boolean keep) {}

  /** What was seeded: user ids in index order (the last {@code spare} in no group), group ids. */
  record Seeded(List<String> userIds, List<String> groupIds, Instant markLastModified) {}

  /** The cursor walk over every user. */
  record Walk(
      int pages,
      long users,
      double seconds,
      double firstMillis,
      double lastMillis,
      double p50,
      double p99,
      long errors) {}

  /** One store's run. */
  record StoreRun(
      String store,
      String detail,
      double seedSeconds,
      Map<String, LoadRun.Result> results,
      Walk walk,
      long bulkFailedOps,
      long rssStart,
      long hwm) {}

  private ScaleRun() {}

  static ObjectNode groupAttributes(int g) {
    return Users.MAPPER.createObjectNode().put("displayName", groupName(g));
  }

  static String groupName(int g) {
    return g == 0 ? "bench-all" : String.format(Locale.ROOT, "group%05d", g);
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("ScaleRun: " + e.getMessage());
      System.err.println(
          "usage: ScaleRun [--store sqlite|postgres|both] [--db JDBC_URL] [--users N] [--spare N] [--groups G]"
              + " [--seconds S] [--warmup S] [--concurrency C] [--page-size P] [--bulk-ops K] [--out FILE]"
              + " [--server-jar PATH] [--jvm-options FILE|none] [--server-opt ARG]... [--keep]");
      System.exit(2);
      return;
    }
    if (!Files.isRegularFile(o.serverJar())) {
      System.err.println(
          "ScaleRun: no server jar at "
              + o.serverJar()
              + "; build it: ./mvnw -q -Pbench -DskipTests package");
      System.exit(2);
    }
    String load0 = loadAverage();
    List<StoreRun> runs = new ArrayList<>();
    for (String store : o.stores()) {
      runs.add(store.equals("sqlite") ? sqlite(o) : postgres(o));
    }
    String report = report(o, runs, load0, loadAverage());
    OUT.println();
    OUT.println(report);
    if (o.out() != null) {
      Files.writeString(o.out(), report);
      OUT.println("written to " + o.out());
    }
  }

  // ------------------------------------------------------------------ seeding

  private static StoreRun sqlite(Options o) throws Exception {
    Path dir = Files.createTempDirectory("scimd-scale-");
    try {
      LoadRun.log(
          "sqlite: seeding %,d users (+ %,d spare) and %,d groups into %s",
          o.users(), o.spare(), o.groups(), dir);
      long t0 = System.nanoTime();
      Seeded seeded;
      try (Store store = BenchStore.open(dir)) {
        Seeder.Seeded users = Seeder.users(store, o.users() + o.spare());
        LoadRun.log("sqlite: users seeded in %.1f s", (System.nanoTime() - t0) / 1e9);
        List<String> ids = users.userIds();
        List<String> groupIds = new ArrayList<>();
        groupIds.add(Seeder.group(store, groupName(0), ids.subList(0, o.users())));
        for (int start = 1; start < o.groups(); start += 500) {
          int from = start;
          int to = Math.min(o.groups(), start + 500);
          groupIds.addAll(
              store.write(
                  Scope.system(Scope.DEFAULT_TENANT, "bench"),
                  tx -> {
                    List<String> out = new ArrayList<>();
                    for (int g = from; g < to; g++) {
                      String id = tx.insert("Group", groupAttributes(g)).id();
                      int first = (g - 1) * SMALL_GROUP;
                      List<Member> ms = new ArrayList<>();
                      for (int i = first; i < Math.min(o.users(), first + SMALL_GROUP); i++) {
                        ms.add(new Member(ids.get(i), "User"));
                      }
                      if (!ms.isEmpty()) {
                        tx.addMembers(id, ms);
                      }
                      out.add(id);
                    }
                    return out;
                  }));
        }
        seeded = new Seeded(ids, groupIds, users.markLastModified());
      }
      double seedSeconds = (System.nanoTime() - t0) / 1e9;
      LoadRun.log("sqlite: seeded in %.1f s", seedSeconds);
      long bytes = Files.size(dir.resolve("scimd.db"));
      return measureStore(
          o,
          "SQLite",
          String.format(Locale.ROOT, "file %,.0f MB", bytes / 1e6),
          seedSeconds,
          seeded,
          List.of("--data", dir.toString()));
    } finally {
      if (o.keep()) {
        LoadRun.log("kept %s", dir);
      } else {
        LoadRun.deleteTree(dir);
      }
    }
  }

  private static StoreRun postgres(Options o) throws Exception {
    if (o.db() == null) {
      throw new IllegalArgumentException(
          "--store postgres needs --db jdbc:postgresql://HOST:PORT/DB?user=...");
    }
    String name = "scimd_bench_" + Instant.now().getEpochSecond();
    String url = PgSeeder.createDatabase(o.db(), name);
    Path dir = Files.createTempDirectory("scimd-scale-pg-");
    try {
      LoadRun.log(
          "postgres: seeding %,d users (+ %,d spare) and %,d groups into database %s",
          o.users(), o.spare(), o.groups(), name);
      long t0 = System.nanoTime();
      Seeded seeded = PgSeeder.seed(url, o.users(), o.spare(), o.groups(), SMALL_GROUP);
      double seedSeconds = (System.nanoTime() - t0) / 1e9;
      LoadRun.log("postgres: seeded in %.1f s", seedSeconds);
      return measureStore(
          o,
          "PostgreSQL",
          PgSeeder.sizes(url) + " after seeding",
          seedSeconds,
          seeded,
          List.of("--data", dir.toString(), "--db", url));
    } finally {
      LoadRun.deleteTree(dir);
      if (o.keep()) {
        LoadRun.log("kept database %s", name);
      } else {
        PgSeeder.dropDatabase(o.db(), name);
      }
    }
  }

  // ------------------------------------------------------------------ measuring

  private static StoreRun measureStore(
      Options o, String label, String detail, double seedSeconds, Seeded s, List<String> storeArgs)
      throws Exception {
    Path logFile = Files.createTempFile("scimd-scale-server-", ".log");
    int port = LoadRun.freePort();
    String token = "bench-" + UUID.randomUUID();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(o.serverOpts());
    cmd.addAll(
        List.of(
            "-jar",
            o.serverJar().toString(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            Integer.toString(port),
            // One client sends every scenario, thousands a second: the default limit would refuse.
            "--rate-limit",
            "off"));
    cmd.addAll(storeArgs);
    LoadRun.log("starting %s (log %s)", String.join(" ", cmd), logFile);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile());
    pb.environment().put("SCIMD_BOOTSTRAP_TOKEN", token);
    Process server = pb.start();
    try {
      String root = "http://127.0.0.1:" + port;
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .executor(Executors.newVirtualThreadPerTaskExecutor())
              .build();
      LoadRun.awaitHealthy(client, root, server, logFile);
      long rssStart = LoadRun.rssKb(server.pid(), "VmRSS");
      Map<String, LoadRun.Result> results = new LinkedHashMap<>();
      AtomicLong bulkFailed = new AtomicLong();
      List<LoadRun.Scenario> scenarios = scenarios(o, root, token, s, bulkFailed);
      for (LoadRun.Scenario sc : scenarios) {
        if (o.warmup() > 0) {
          LoadRun.log("%s (%s) warm-up %d s", label, sc.key(), o.warmup());
          LoadRun.measure(client, sc, o.concurrency(), o.warmup(), 10_000_000);
        }
        if (sc.key().equals("f")) {
          bulkFailed.set(0);
        }
        LoadRun.Result r = LoadRun.measure(client, sc, o.concurrency(), o.seconds(), 10_000_000);
        LoadRun.log(
            "%s (%s) %,d requests, %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors%s",
            label,
            r.key(),
            r.requests(),
            r.perSecond(),
            r.p50Millis(),
            r.p99Millis(),
            r.errors(),
            r.exhausted() ? " (ran out)" : "");
        results.put(sc.key(), r);
      }
      Walk walk = walk(client, root, token, o.pageSize(), label);
      long hwm = LoadRun.rssKb(server.pid(), "VmHWM");
      if (!server.isAlive()) {
        throw new IllegalStateException(
            "the server died:\n" + String.join("\n", Files.readAllLines(logFile)));
      }
      Files.deleteIfExists(logFile);
      return new StoreRun(
          label, detail, seedSeconds, results, walk, bulkFailed.get(), rssStart, hwm);
    } finally {
      server.destroy();
      if (!server.waitFor(20, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  static List<LoadRun.Scenario> scenarios(
      Options o, String root, String token, Seeded s, AtomicLong bulkFailed) {
    String scim = root + "/scim/v2";
    Random random = new Random(SEED);
    int n = 1 << 14;
    URI[] byUserName = new URI[n];
    URI[] byExternalId = new URI[n];
    URI[] byGroupName = new URI[n];
    for (int k = 0; k < n; k++) {
      int i = random.nextInt(o.users() + o.spare());
      byUserName[k] = uri(scim + "/Users?filter=", "userName eq \"" + Users.userName(i) + "\"", "");
      byExternalId[k] =
          uri(scim + "/Users?filter=", "externalId eq \"" + Users.externalId(i) + "\"", "");
      byGroupName[k] =
          uri(
              scim + "/Groups?filter=",
              "displayName eq \"" + groupName(random.nextInt(o.groups())) + "\"",
              "&excludedAttributes=members");
    }
    URI since =
        uri(scim + "/Users?filter=", "meta.lastModified gt \"" + s.markLastModified() + "\"", "");
    URI health = URI.create(root + "/health");
    List<LoadRun.Scenario> list = new ArrayList<>();
    list.add(new LoadRun.Scenario("a", "GET /health", k -> get(health, token), r -> {}));
    list.add(
        new LoadRun.Scenario(
            "b1",
            "GET /Users?filter=userName eq \"<random>\"",
            k -> get(byUserName[(int) (k & (n - 1))], token),
            r -> {}));
    list.add(
        new LoadRun.Scenario(
            "b2",
            "GET /Users?filter=externalId eq \"<random>\"",
            k -> get(byExternalId[(int) (k & (n - 1))], token),
            r -> {}));
    list.add(
        new LoadRun.Scenario(
            "b3",
            "GET /Groups?filter=displayName eq \"<random>\"&excludedAttributes=members",
            k -> get(byGroupName[(int) (k & (n - 1))], token),
            r -> {}));
    list.add(
        new LoadRun.Scenario(
            "e",
            "GET /Users?filter=meta.lastModified gt \"<last 100 seeded>\"",
            k -> get(since, token),
            r -> {}));
    // The spare users are in no group: each PATCH adds one that is not a member yet. (d1) and (d2)
    // use disjoint halves, so neither runs into the other's.
    List<String> spare = s.userIds().subList(o.users(), s.userIds().size());
    int half = spare.size() / 2;
    AtomicLong d1 = new AtomicLong();
    AtomicLong d2 = new AtomicLong();
    URI small = URI.create(scim + "/Groups/" + s.groupIds().get(1));
    URI big = URI.create(scim + "/Groups/" + s.groupIds().get(0));
    list.add(
        new LoadRun.Scenario(
            "d1",
            "PATCH /Groups/{10 members} add 1 member",
            k -> {
              long i = d1.getAndIncrement();
              return i >= half
                  ? null
                  : send("PATCH", small, token, LoadRun.addMember(spare.get((int) i)));
            },
            r -> {}));
    list.add(
        new LoadRun.Scenario(
            "d2",
            "PATCH /Groups/{"
                + String.format(Locale.ROOT, "%,d", o.users())
                + " members} add 1 member",
            k -> {
              long i = d2.getAndIncrement();
              return i >= spare.size() - half
                  ? null
                  : send("PATCH", big, token, LoadRun.addMember(spare.get(half + (int) i)));
            },
            r -> {}));
    URI bulk = URI.create(scim + "/Bulk");
    AtomicLong created = new AtomicLong(10_000_000L);
    list.add(
        new LoadRun.Scenario(
            "f",
            "POST /Bulk of " + o.bulkOps() + " new users",
            k -> {
              ObjectNode body = Users.MAPPER.createObjectNode();
              body.putArray("schemas").add(SchemaUrns.BULK_REQUEST);
              ArrayNode ops = body.putArray("Operations");
              for (int j = 0; j < o.bulkOps(); j++) {
                long i = created.getAndIncrement();
                ops.addObject()
                    .put("method", "POST")
                    .put("path", "/Users")
                    .put("bulkId", "b" + i)
                    .set("data", Users.createBody(i, "bulk" + Users.userName(i)));
              }
              return send("POST", bulk, token, body.toString());
            },
            r -> {
              try {
                for (JsonNode op : Users.MAPPER.readTree(r.body()).path("Operations")) {
                  if (!op.path("status").asText().equals("201")) {
                    bulkFailed.incrementAndGet();
                  }
                }
              } catch (IOException e) {
                bulkFailed.addAndGet(o.bulkOps());
              }
            }));
    return list;
  }

  /** One client walks every user with RFC 9865 cursors, timing each page. */
  static Walk walk(HttpClient client, String root, String token, int pageSize, String label)
      throws Exception {
    String base = root + "/scim/v2/Users?count=" + pageSize + "&cursor=";
    List<Long> nanos = new ArrayList<>();
    long users = 0;
    long errors = 0;
    String cursor = "";
    long t0 = System.nanoTime();
    while (cursor != null) {
      HttpRequest req =
          get(URI.create(base + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), token);
      long t = System.nanoTime();
      HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
      nanos.add(System.nanoTime() - t);
      if (resp.statusCode() != 200) {
        errors++;
        LoadRun.log("%s walk: HTTP %d %s", label, resp.statusCode(), resp.body());
        break;
      }
      JsonNode page = Users.MAPPER.readTree(resp.body());
      users += page.path("Resources").size();
      JsonNode next = page.get("nextCursor");
      cursor = next == null || next.isNull() ? null : next.asText();
      if (nanos.size() % 100 == 0) {
        LoadRun.log("%s walk: %,d pages, %,d users", label, nanos.size(), users);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long[] all = nanos.stream().mapToLong(Long::longValue).toArray();
    int edge = Math.min(10, all.length);
    double first = Arrays.stream(all, 0, edge).average().orElse(Double.NaN) / 1e6;
    double last =
        Arrays.stream(all, all.length - edge, all.length).average().orElse(Double.NaN) / 1e6;
    long[] sorted = all.clone();
    Arrays.sort(sorted);
    double p50 =
        sorted.length == 0 ? Double.NaN : sorted[(int) Math.ceil(0.5 * sorted.length) - 1] / 1e6;
    double p99 =
        sorted.length == 0 ? Double.NaN : sorted[(int) Math.ceil(0.99 * sorted.length) - 1] / 1e6;
    LoadRun.log(
        "%s walk: %,d pages, %,d users in %.1f s; first 10 pages %.1f ms, last 10 %.1f ms",
        label, all.length, users, seconds, first, last);
    return new Walk(all.length, users, seconds, first, last, p50, p99, errors);
  }

  private static URI uri(String prefix, String filter, String suffix) {
    return URI.create(
        prefix + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20") + suffix);
  }

  private static HttpRequest get(URI uri, String token) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/scim+json")
        .GET()
        .build();
  }

  private static HttpRequest send(String method, URI uri, String token, String body) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/scim+json")
        .header("Content-Type", "application/scim+json")
        .method(method, HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  // ------------------------------------------------------------------ report

  static String report(Options o, List<StoreRun> runs, String load0, String load1) {
    StringBuilder b = new StringBuilder("## scimd scale run\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "%,d users in group `bench-all` (+ %,d spare users in no group, the members (d) adds), %,d groups (group 1.. of %d members);"
                + " %d concurrent clients; %d s per scenario after a %d s warm-up; %d CPUs; java %s; server options %s;"
                + " load average %s before, %s after.\n\n",
            o.users(),
            o.spare(),
            o.groups(),
            SMALL_GROUP,
            o.concurrency(),
            o.seconds(),
            o.warmup(),
            Runtime.getRuntime().availableProcessors(),
            Runtime.version(),
            o.serverOpts().isEmpty() ? "(none)" : String.join(" ", o.serverOpts()),
            load0,
            load1));
    for (StoreRun r : runs) {
      b.append(
          String.format(
              Locale.ROOT,
              "- %s: seeded in %.0f s (%s); server VmRSS %,.0f MB after start, peak %,.0f MB.\n",
              r.store(),
              r.seedSeconds(),
              r.detail(),
              r.rssStart() / 1024.0,
              r.hwm() / 1024.0));
    }
    b.append("\n| scenario |");
    StringBuilder sep = new StringBuilder("|---|");
    for (StoreRun r : runs) {
      b.append(" ").append(r.store()).append(" req/s | p99 ms | vs (a) |");
      sep.append("---:|---:|---:|");
    }
    if (runs.size() == 2) {
      b.append(" ")
          .append(runs.get(1).store())
          .append(" / ")
          .append(runs.get(0).store())
          .append(" |");
      sep.append("---:|");
    }
    b.append("\n").append(sep).append("\n");
    StoreRun any = runs.get(0);
    for (String key : any.results().keySet()) {
      LoadRun.Result first = any.results().get(key);
      b.append("| (")
          .append(key)
          .append(") ")
          .append(first.label().replace("|", "\\|"))
          .append(" |");
      for (StoreRun r : runs) {
        LoadRun.Result x = r.results().get(key);
        double a = r.results().get("a").perSecond();
        b.append(
            String.format(
                Locale.ROOT,
                " %,.0f%s | %.1f | %.2f x |",
                x.perSecond(),
                x.errors() > 0 ? " (" + x.errors() + " errors)" : x.exhausted() ? " (ran out)" : "",
                x.p99Millis(),
                x.perSecond() / a));
      }
      if (runs.size() == 2) {
        b.append(
            String.format(
                Locale.ROOT,
                " %.2f x |",
                runs.get(1).results().get(key).perSecond() / first.perSecond()));
      }
      b.append("\n");
    }
    b.append("\nBulk import (f) in users/s:");
    for (StoreRun r : runs) {
      LoadRun.Result f = r.results().get("f");
      b.append(
          String.format(
              Locale.ROOT,
              " %s %,.0f (%,d failed operations);",
              r.store(),
              f.perSecond() * o.bulkOps(),
              r.bulkFailedOps()));
    }
    b.append(
        "\n\n| cursor walk over every user (one client) | pages | users | total s | first 10 pages ms | last 10 pages ms | last / first | p50 ms | p99 ms |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (StoreRun r : runs) {
      Walk w = r.walk();
      b.append(
          String.format(
              Locale.ROOT,
              "| %s, count=%d%s | %,d | %,d | %.0f | %.1f | %.1f | %.2f | %.1f | %.1f |\n",
              r.store(),
              o.pageSize(),
              w.errors() > 0 ? " (stopped by an error)" : "",
              w.pages(),
              w.users(),
              w.seconds(),
              w.firstMillis(),
              w.lastMillis(),
              w.lastMillis() / w.firstMillis(),
              w.p50(),
              w.p99()));
    }
    for (StoreRun r : runs) {
      for (LoadRun.Result x : r.results().values()) {
        if (x.errors() > 0) {
          b.append("\n")
              .append(r.store())
              .append(" (")
              .append(x.key())
              .append(") errors ")
              .append(x.errorKinds())
              .append("; first: `")
              .append(String.valueOf(x.firstError()).replace('\n', ' ').replace('`', '\''))
              .append("`");
        }
      }
    }
    return b.append("\n").toString();
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  static Options parse(String[] args) {
    List<String> stores = List.of("sqlite", "postgres");
    String db = System.getenv("SCIMD_DB");
    int users = 1_000_000;
    int spare = 50_000;
    int groups = 10_000;
    int seconds = 10;
    int warmup = 2;
    int concurrency = 16;
    int pageSize = 1000;
    int bulkOps = 100;
    Path out = null;
    Path jar = Path.of("scimd-server/target/scimd.jar");
    List<String> serverOpts = new ArrayList<>();
    Path jvmOptions =
        Files.isRegularFile(Path.of("bin/jvm.options")) ? Path.of("bin/jvm.options") : null;
    boolean keep = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--keep")) {
        keep = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--store" ->
            stores =
                switch (v) {
                  case "sqlite" -> List.of("sqlite");
                  case "postgres" -> List.of("postgres");
                  case "both" -> List.of("sqlite", "postgres");
                  default ->
                      throw new IllegalArgumentException(
                          "--store is sqlite, postgres or both, got " + v);
                };
        case "--db" -> db = v;
        case "--users" -> users = whole(a, v, 200);
        case "--spare" -> spare = whole(a, v, 2);
        case "--groups" -> groups = whole(a, v, 2);
        case "--seconds" -> seconds = whole(a, v, 1);
        case "--warmup" -> warmup = whole(a, v, 0);
        case "--concurrency" -> concurrency = whole(a, v, 1);
        case "--page-size" -> pageSize = whole(a, v, 1);
        case "--bulk-ops" -> bulkOps = whole(a, v, 1);
        case "--out" -> out = Path.of(v);
        case "--server-jar" -> jar = Path.of(v);
        case "--server-opt" -> serverOpts.add(v);
        case "--jvm-options" -> jvmOptions = v.equals("none") ? null : Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    List<String> opts = new ArrayList<>();
    if (jvmOptions != null) {
      opts.addAll(LoadRun.jvmOptions(jvmOptions));
    }
    opts.addAll(serverOpts);
    return new Options(
        stores,
        db,
        users,
        spare,
        groups,
        seconds,
        warmup,
        concurrency,
        pageSize,
        bulkOps,
        out,
        jar,
        List.copyOf(opts),
        keep);
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
}
