package io.scimd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.store.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP load harness: a closed loop of C concurrent clients against a real scimd server started
 * as a child process on 127.0.0.1, for D seconds per scenario, answering whether the common IdP
 * requests keep up with the cheapest request the server has.
 *
 * <p>It seeds a fresh temporary data directory with N users, a group of 100 members and a group of
 * N members, directly through the store API before the server opens the directory (seconds, where N
 * POSTs or /Bulk requests would take minutes and measure the write path instead), then starts
 * {@code java -jar scimd-server/target/scimd.jar serve} with {@code SCIMD_BOOTSTRAP_TOKEN} set and
 * runs in one process: (a) {@code GET /health}; (b) {@code GET /Users?filter=userName eq "<random
 * existing>"}; (b2) {@code GET /Users/<random existing id>}; (c) {@code POST /Users} of new users;
 * (d1) a PATCH adding one new member to the 100-member group; (d2) the same on the N-member group;
 * (e) {@code POST /oauth/token} of a client with a client secret (issue 7: at least 500/s). The
 * members that (d1) and (d2) add are {@code --spare} extra seeded users (20,000) that are in no
 * group, then the users (c) created, so every PATCH adds a member that is not there yet; a (d)
 * scenario that runs out of them stops early and says so. Every scenario first runs a discarded
 * warm-up.
 *
 * <p>For each scenario it reports requests/s, p50 and p99 latency, errors (every non-2xx answer or
 * I/O failure) and throughput as a multiple of (a); then the server's resident memory (VmRSS from
 * {@code /proc/<pid>/status}) after seeding and after the run, and the targets of issue 6: (b) at
 * least 0.5 x (a), (b2) at least 0.6 x (a), (d2) at least 0.25 x (a) and within 1.2 x of (d1) in
 * p99 and throughput, RSS under 400 MB with 100,000 users.
 *
 * <p>Run (after {@code ./mvnw -q -Pbench -DskipTests package}, java 21+): {@code java -cp
 * scimd-bench/target/benchmarks.jar io.scimd.bench.LoadRun --users 100000 --seconds 10
 * --concurrency 16 --out load.md}. Other options: {@code --warmup S} (2), {@code --max-requests N}
 * per scenario (1,000,000), {@code --spare N} (20,000), {@code --server-jar PATH}, {@code
 * --jvm-options FILE} (bin/jvm.options, the server options bin/scimd uses; {@code none} for the
 * JVM's defaults), {@code --server-opt ARG} (repeatable, after those, e.g. {@code -Xmx512m}),
 * {@code --keep} (leave the data directory), {@code --rate-limit RATE} (the server's {@code
 * --rate-limit}; {@code off} by default, since every scenario is one client sending thousands a
 * second: {@code 1000000/s} turns it on without ever refusing, to measure what it costs), {@code
 * --server-arg ARG} (repeatable, another {@code serve} option, e.g. {@code
 * --audit-checkpoint-interval=1s}).
 */
public final class LoadRun {
  private static final String HOST = "127.0.0.1"; // never anything else: this is a load generator
  private static final long SEED = 20250611L;
  private static final PrintStream OUT = System.out;

  record Options(
      int users,
      int seconds,
      int warmup,
      int concurrency,
      long maxRequests,
      int spare,
      @Nullable Path out,
      Path serverJar,
      List<String> serverOpts,
      boolean keep,
      String rateLimit,
      List<String> serverArgs,
      boolean metricsOverhead) {}

  /** One measured scenario. */
  record Result(
      String key,
      String label,
      long requests,
      long errors,
      double seconds,
      double p50Millis,
      double p99Millis,
      long avgBytes,
      boolean exhausted,
      Map<String, Long> errorKinds,
      @Nullable String firstError) {
    double perSecond() {
      return seconds == 0 ? 0 : requests / seconds;
    }
  }

  /**
   * A scenario: {@code request} makes the n-th request, or null when the scenario has run out of
   * inputs; {@code onSuccess} sees each 2xx answer.
   */
  record Scenario(
      String key,
      String label,
      LongFunction<@Nullable HttpRequest> request,
      Consumer<HttpResponse<String>> onSuccess) {}

  private LoadRun() {}

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("LoadRun: " + e.getMessage());
      System.err.println(
          "usage: LoadRun [--users N] [--seconds S] [--warmup S] [--concurrency C] [--max-requests N] [--spare N]"
              + " [--out FILE] [--server-jar PATH] [--jvm-options FILE|none] [--server-opt ARG]... [--keep]"
              + " [--rate-limit RATE|off] [--server-arg ARG]... [--metrics-overhead]");
      System.exit(2);
      return;
    }
    if (!Files.isRegularFile(o.serverJar())) {
      System.err.println(
          "LoadRun: no server jar at "
              + o.serverJar()
              + "; build it: ./mvnw -q -Pbench -DskipTests package");
      System.exit(2);
    }
    String report = run(o);
    OUT.println();
    OUT.println(report);
    if (o.out() != null) {
      Files.writeString(o.out(), report);
      OUT.println("written to " + o.out());
    }
  }

  static String run(Options o) throws Exception {
    Path dir = Files.createTempDirectory("scimd-load-");
    Path logFile = Files.createTempFile("scimd-load-server-", ".log");
    Process server = null;
    boolean done = false;
    try {
      log("seeding %,d users (+ %,d spare) and 2 groups into %s", o.users(), o.spare(), dir);
      long t0 = System.nanoTime();
      List<String> members;
      List<String> spare;
      String smallGroup;
      String bigGroup;
      try (Store store = BenchStore.open(dir)) {
        List<String> ids = Seeder.users(store, o.users() + o.spare()).userIds();
        members = ids.subList(0, o.users());
        spare = ids.subList(o.users(), ids.size());
        log("users seeded in %.1f s", (System.nanoTime() - t0) / 1e9);
        smallGroup = Seeder.group(store, "bench-100", members.subList(0, 100));
        bigGroup = Seeder.group(store, "bench-all", members);
      }
      double seedSeconds = (System.nanoTime() - t0) / 1e9;
      log("seeded in %.1f s", seedSeconds);

      int port = freePort();
      String token = "bench-" + UUID.randomUUID();
      server = startServer(o, dir, port, token, logFile);
      String root = "http://" + HOST + ":" + port;
      HttpClient client =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(5))
              .executor(Executors.newVirtualThreadPerTaskExecutor())
              .build();
      awaitHealthy(client, root, server, logFile);
      long rssSeeded = rssKb(server.pid(), "VmRSS");
      log("server pid %d up on %s, VmRSS %,d kB", server.pid(), root, rssSeeded);

      String basic = oauthClient(client, root, token);
      List<Scenario> scenarios =
          scenarios(o, root, token, members, spare, smallGroup, bigGroup, basic);
      if (o.metricsOverhead()) {
        String report =
            metricsOverhead(
                o,
                server.pid(),
                client,
                root,
                token,
                scenarios.stream().filter(x -> x.key().equals("b2")).findFirst().orElseThrow());
        done = true;
        return report;
      }
      List<Result> results = new ArrayList<>();
      // (a), the floor, is measured before the first scenario and again after each one, and each
      // scenario's ratio is taken against the mean of the floor just before and just after it:
      // other work on a shared machine moves the floor during a run (by 5 x in one run), and
      // slices next to each other move together.
      Scenario floor = scenarios.get(0);
      List<Result> floors = new ArrayList<>();
      Map<String, Double> floorRates = new LinkedHashMap<>();
      for (Scenario s : scenarios) {
        if (s.key().startsWith("d")) {
          ((ResettableSource) s.request()).reset();
        }
        if (o.warmup() > 0) {
          log("%s warm-up %d s", s.key(), o.warmup());
          measure(client, s, o.concurrency(), o.warmup(), o.maxRequests());
        }
        Result r = measure(client, s, o.concurrency(), o.seconds(), o.maxRequests());
        log(
            "%s %,d requests, %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors%s",
            r.key(),
            r.requests(),
            r.perSecond(),
            r.p50Millis(),
            r.p99Millis(),
            r.errors(),
            r.exhausted() ? " (ran out of new members)" : "");
        if (s == floor) {
          floors.add(r);
          continue;
        }
        Result after = measure(client, floor, o.concurrency(), o.seconds(), o.maxRequests());
        log("a (after %s) %,.0f/s", s.key(), after.perSecond());
        floorRates.put(r.key(), (floors.getLast().perSecond() + after.perSecond()) / 2);
        floors.add(after);
        results.add(r);
      }
      results.addFirst(pooled(floors));
      long rssAfter = rssKb(server.pid(), "VmRSS");
      long hwm = rssKb(server.pid(), "VmHWM");
      String report = report(o, results, floors, floorRates, seedSeconds, rssSeeded, rssAfter, hwm);
      done = true;
      return report;
    } finally {
      if (server != null) {
        server.destroy();
        if (!server.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          server.destroyForcibly();
        }
      }
      if (!o.keep()) {
        deleteTree(dir);
      } else {
        log("kept data directory %s", dir);
      }
      if (done && !o.keep()) {
        Files.deleteIfExists(logFile);
      } else {
        log("server log: %s", logFile);
      }
    }
  }

  /** How many slices with and without scraping {@code --metrics-overhead} runs, alternated. */
  static final int OVERHEAD_ROUNDS = 4;

  /**
   * Issue 10: {@code /metrics} costs at most 2 % of request throughput. Runs (b2), {@code GET
   * /Users/<id>}, in {@link #OVERHEAD_ROUNDS} pairs of slices of {@code --seconds} each: one
   * without anyone scraping, one with a scraper reading {@code /metrics} every second (as
   * Prometheus would, with a 1 s scrape interval), in the order ABBA so that the shared machine's
   * drift and the server's warm-up favour neither (give a long {@code --warmup}, e.g. 20). Reports
   * each pair's throughput, the ratio of the totals and the scrapes' size and time.
   */
  static String metricsOverhead(
      Options o, long serverPid, HttpClient client, String root, String token, Scenario s)
      throws Exception {
    HttpRequest scrape = get(URI.create(root + "/metrics"), token);
    if (o.warmup() > 0) {
      // The scrape's own code warmed too, as in a server Prometheus has been scraping all along:
      // otherwise the first scraped slice pays for compiling it.
      log("%s warm-up %d s, scraped every second", s.key(), o.warmup());
      AtomicBoolean warm = new AtomicBoolean();
      Thread warmScraper =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (!warm.get()) {
                      try {
                        client.send(scrape, HttpResponse.BodyHandlers.discarding());
                        Thread.sleep(1000);
                      } catch (IOException e) {
                        log("scrape failed: %s", e.getMessage());
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
      try {
        measure(client, s, o.concurrency(), o.warmup(), o.maxRequests());
      } finally {
        warm.set(true);
        warmScraper.interrupt();
        warmScraper.join();
      }
    }
    StringBuilder rows = new StringBuilder();
    double without = 0;
    double with = 0;
    long scrapes = 0;
    long scrapeNanos = 0;
    long scrapeBytes = 0;
    // server CPU (ms) and requests, without and with scraping: the cost per request the server pays
    double[] cpu = new double[2];
    long[] served = new long[2];
    for (int round = 1; round <= OVERHEAD_ROUNDS; round++) {
      // ABBA: odd rounds measure without scraping first, even rounds after, so that a server still
      // warming up (or a machine growing busier) favours neither side.
      boolean plainFirst = round % 2 == 1;
      double cpu0 = cpuMillis(serverPid);
      Result plain =
          plainFirst ? measure(client, s, o.concurrency(), o.seconds(), o.maxRequests()) : null;
      if (plain != null) {
        double cpu1 = cpuMillis(serverPid);
        cpu[0] += cpu1 - cpu0;
        cpu0 = cpu1;
      }
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong count = new AtomicLong();
      AtomicLong nanos = new AtomicLong();
      AtomicLong bytes = new AtomicLong();
      Thread scraper =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (!stop.get()) {
                      long t = System.nanoTime();
                      try {
                        HttpResponse<String> r =
                            client.send(scrape, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                          throw new IllegalStateException("/metrics answered " + r.statusCode());
                        }
                        bytes.set(r.body().length());
                        count.incrementAndGet();
                        nanos.addAndGet(System.nanoTime() - t);
                        Thread.sleep(Math.max(0, 1000 - (System.nanoTime() - t) / 1_000_000));
                      } catch (IOException e) {
                        log("scrape failed: %s", e.getMessage());
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
      Result scraped;
      try {
        scraped = measure(client, s, o.concurrency(), o.seconds(), o.maxRequests());
      } finally {
        stop.set(true);
        scraper.interrupt();
        scraper.join();
      }
      double cpu1 = cpuMillis(serverPid);
      cpu[1] += cpu1 - cpu0;
      if (plain == null) {
        plain = measure(client, s, o.concurrency(), o.seconds(), o.maxRequests());
        cpu[0] += cpuMillis(serverPid) - cpu1;
      }
      served[0] += plain.requests();
      served[1] += scraped.requests();
      without += plain.perSecond();
      with += scraped.perSecond();
      scrapes += count.get();
      scrapeNanos += nanos.get();
      scrapeBytes = bytes.get();
      log(
          "round %d: %,.0f/s without scraping, %,.0f/s scraped every second (%d scrapes)",
          round, plain.perSecond(), scraped.perSecond(), count.get());
      rows.append(
          String.format(
              Locale.ROOT,
              "| %d | %,.0f | %,.0f | %.3f | %d |%n",
              round,
              plain.perSecond(),
              scraped.perSecond(),
              ratio(scraped.perSecond(), plain.perSecond()),
              count.get()));
    }
    double cost = (1 - with / without) * 100;
    return String.format(
        Locale.ROOT,
        "# /metrics overhead (issue 10: at most 2 %% of throughput)%n%n"
            + "%s %s, %d users, %d clients, %d s slices, %d rounds%n%n"
            + "| round | req/s without scraping | req/s scraped every 1 s | ratio | scrapes |%n"
            + "|---|---|---|---|---|%n"
            + "%s%n"
            + "Throughput scraped / unscraped: %.3f (cost %.1f %%; target <= 2 %%: %s). Scrapes:"
            + " %d, %.1f ms each on average, %,d bytes.%n%n"
            + "Server CPU per request: %.1f µs without scraping, %.1f µs scraped (ratio %.3f):"
            + " what the server itself pays, the figure the harness sharing its cores moves"
            + " least.%n%n"
            + "On a shared 2-core machine other work moves throughput by more than 2 %% between"
            + " slices; the rounds alternate so that drift falls on both sides alike.%n",
        s.key(),
        s.label(),
        o.users(),
        o.concurrency(),
        o.seconds(),
        OVERHEAD_ROUNDS,
        rows,
        with / without,
        cost,
        cost <= 2 ? "met" : "NOT met",
        scrapes,
        scrapes == 0 ? 0 : scrapeNanos / 1e6 / scrapes,
        scrapeBytes,
        cpu[0] * 1000 / Math.max(1, served[0]),
        cpu[1] * 1000 / Math.max(1, served[1]),
        (cpu[1] / Math.max(1, served[1])) / (cpu[0] / Math.max(1, served[0])));
  }

  /**
   * The new members for (d1) and (d2): the spare seeded users, then the users (c) created, handed
   * out in order and restarted for each (d) scenario, since a user new to one group is new to the
   * other too.
   */
  static final class ResettableSource implements LongFunction<@Nullable HttpRequest> {
    private final List<String> spare;
    private final ConcurrentLinkedQueue<String> created;
    private final LongFunction<HttpRequest> make;
    private volatile String @Nullable [] pool;
    private final AtomicInteger next = new AtomicInteger();

    ResettableSource(
        List<String> spare,
        ConcurrentLinkedQueue<String> created,
        LongFunction<HttpRequest> makeForIndex) {
      this.spare = spare;
      this.created = created;
      this.make = makeForIndex;
    }

    void reset() {
      next.set(0);
      List<String> all = new ArrayList<>(spare);
      all.addAll(created);
      pool = all.toArray(new String[0]);
    }

    String memberAt(int i) {
      return pool[i];
    }

    @Override
    public @Nullable HttpRequest apply(long n) {
      String[] p = pool;
      int i = next.getAndIncrement();
      if (p == null || i >= p.length) {
        return null;
      }
      return make.apply(i);
    }
  }

  static List<Scenario> scenarios(
      Options o,
      String root,
      String token,
      List<String> userIds,
      List<String> spare,
      String smallGroup,
      String bigGroup,
      String basic) {
    String scim = root + "/scim/v2";
    Random random = new Random(SEED);
    int lookups = 1 << 14;
    URI[] filterUris = new URI[lookups];
    for (int i = 0; i < lookups; i++) {
      String filter = "userName eq \"" + Users.userName(random.nextInt(userIds.size())) + "\"";
      filterUris[i] =
          URI.create(
              scim
                  + "/Users?filter="
                  + URLEncoder.encode(filter, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    URI health = URI.create(root + "/health");
    URI users = URI.create(scim + "/Users");
    AtomicLong created = new AtomicLong(userIds.size() + spare.size());
    ConcurrentLinkedQueue<String> createdIds = new ConcurrentLinkedQueue<>();

    List<Scenario> list = new ArrayList<>();
    list.add(new Scenario("a", "GET /health", n -> get(health, token), r -> {}));
    list.add(
        new Scenario(
            "b",
            "GET /Users?filter=userName eq \"<random existing>\"",
            n -> get(filterUris[(int) (n & (lookups - 1))], token),
            r -> {}));
    URI[] idUris = new URI[lookups];
    for (int i = 0; i < lookups; i++) {
      idUris[i] = URI.create(scim + "/Users/" + userIds.get(random.nextInt(userIds.size())));
    }
    list.add(
        new Scenario(
            "b2",
            "GET /Users/{id} of a random existing user",
            n -> get(idUris[(int) (n & (lookups - 1))], token),
            r -> {}));
    list.add(
        new Scenario(
            "c",
            "POST /Users (new userName)",
            n -> {
              long i = created.getAndIncrement();
              String body = Users.createBody(i, "new" + Users.userName(i)).toString();
              return send("POST", users, token, body);
            },
            r -> {
              try {
                JsonNode id = Users.MAPPER.readTree(r.body()).get("id");
                if (id != null) {
                  createdIds.add(id.asText());
                }
              } catch (IOException e) {
                // Counted as a success with no member to reuse: (d) simply has one fewer.
              }
            }));
    URI tokenEndpoint = URI.create(root + "/oauth/token");
    list.add(
        new Scenario(
            "e",
            "POST /oauth/token (client_credentials, client_secret_basic)",
            n ->
                HttpRequest.newBuilder(tokenEndpoint)
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", basic)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials"))
                    .build(),
            r -> {}));
    for (String[] g :
        List.of(
            new String[] {"d1", smallGroup, "PATCH /Groups/{100 members} add 1 member"},
            new String[] {
              "d2",
              bigGroup,
              "PATCH /Groups/{"
                  + String.format(Locale.ROOT, "%,d", userIds.size())
                  + " members} add 1 member"
            })) {
      URI group = URI.create(scim + "/Groups/" + g[1]);
      ResettableSource[] self = new ResettableSource[1];
      self[0] =
          new ResettableSource(
              spare,
              createdIds,
              i -> send("PATCH", group, token, addMember(self[0].memberAt((int) i))));
      list.add(new Scenario(g[0], g[2], self[0], r -> {}));
    }
    return list;
  }

  /**
   * Makes a client with a client secret through the admin API, as an operator would for Entra ID:
   * the {@code Authorization: Basic} header of its credentials.
   */
  static String oauthClient(HttpClient client, String root, String token)
      throws IOException, InterruptedException {
    HttpResponse<String> c =
        client.send(
            send("POST", URI.create(root + "/admin/v1/clients"), token, "{\"name\":\"bench\"}"),
            HttpResponse.BodyHandlers.ofString());
    String id = Users.MAPPER.readTree(c.body()).get("id").asText();
    HttpResponse<String> t =
        client.send(
            send(
                "POST",
                URI.create(root + "/admin/v1/clients/" + id + "/tokens"),
                token,
                "{\"type\":\"client_secret\"}"),
            HttpResponse.BodyHandlers.ofString());
    String secret = Users.MAPPER.readTree(t.body()).get("token").asText();
    return "Basic "
        + java.util.Base64.getEncoder()
            .encodeToString((id + ":" + secret).getBytes(StandardCharsets.UTF_8));
  }

  /** What Entra ID and Okta send to add one member (RFC 7644 §3.5.2.1). */
  static String addMember(String userId) {
    return "{\"schemas\":[\""
        + SchemaUrns.PATCH_OP
        + "\"],\"Operations\":[{\"op\":\"Add\",\"path\":\"members\","
        + "\"value\":[{\"value\":\""
        + userId
        + "\"}]}]}";
  }

  private static HttpRequest get(URI uri, String token) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/scim+json")
        .GET()
        .build();
  }

  private static HttpRequest send(String method, URI uri, String token, String body) {
    return HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token)
        .header("Accept", "application/scim+json")
        .header("Content-Type", "application/scim+json")
        .method(method, HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /** The latencies and errors one client thread saw. */
  static final class Recorder {
    long[] nanos = new long[1024];
    int count;
    long errors;
    long bytes;
    final Map<String, Long> kinds = new TreeMap<>();
    @Nullable String firstError;

    void record(long elapsed) {
      if (count == nanos.length) {
        nanos = Arrays.copyOf(nanos, count * 2);
      }
      nanos[count++] = elapsed;
    }

    void error(String kind, String detail) {
      errors++;
      kinds.merge(kind, 1L, Long::sum);
      if (firstError == null) {
        firstError =
            kind + ": " + (detail.length() > 300 ? detail.substring(0, 300) + "..." : detail);
      }
    }
  }

  static Result measure(
      HttpClient client, Scenario s, int concurrency, int seconds, long maxRequests)
      throws InterruptedException {
    AtomicLong issued = new AtomicLong();
    AtomicBoolean exhausted = new AtomicBoolean();
    long start = System.nanoTime();
    long deadline = start + seconds * 1_000_000_000L;
    List<Future<Recorder>> futures = new ArrayList<>();
    try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < concurrency; c++) {
        futures.add(
            exec.submit(
                () -> {
                  Recorder rec = new Recorder();
                  while (System.nanoTime() < deadline) {
                    long n = issued.getAndIncrement();
                    if (n >= maxRequests) {
                      break;
                    }
                    HttpRequest req = s.request().apply(n);
                    if (req == null) {
                      exhausted.set(true);
                      break;
                    }
                    long t = System.nanoTime();
                    try {
                      HttpResponse<String> resp =
                          client.send(req, HttpResponse.BodyHandlers.ofString());
                      rec.record(System.nanoTime() - t);
                      rec.bytes += resp.body().length();
                      if (resp.statusCode() / 100 == 2) {
                        s.onSuccess().accept(resp);
                      } else {
                        rec.error("HTTP " + resp.statusCode(), resp.body());
                      }
                    } catch (IOException e) {
                      rec.record(System.nanoTime() - t);
                      rec.error(e.getClass().getSimpleName(), String.valueOf(e.getMessage()));
                    }
                  }
                  return rec;
                }));
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    List<Recorder> recs = new ArrayList<>();
    for (Future<Recorder> f : futures) {
      try {
        recs.add(f.get());
      } catch (ExecutionException e) {
        throw new IllegalStateException("a load client failed", e.getCause());
      }
    }
    int total = recs.stream().mapToInt(r -> r.count).sum();
    long[] all = new long[total];
    int at = 0;
    long errors = 0;
    long bytes = 0;
    Map<String, Long> kinds = new TreeMap<>();
    String first = null;
    for (Recorder r : recs) {
      System.arraycopy(r.nanos, 0, all, at, r.count);
      at += r.count;
      errors += r.errors;
      bytes += r.bytes;
      r.kinds.forEach((k, v) -> kinds.merge(k, v, Long::sum));
      if (first == null) {
        first = r.firstError;
      }
    }
    Arrays.sort(all);
    return new Result(
        s.key(),
        s.label(),
        total,
        errors,
        elapsed,
        percentile(all, 0.50),
        percentile(all, 0.99),
        total == 0 ? 0 : bytes / total,
        exhausted.get(),
        kinds,
        first);
  }

  private static double percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
  }

  static String report(
      Options o,
      List<Result> results,
      List<Result> floors,
      Map<String, Double> floorRates,
      double seedSeconds,
      long rssSeeded,
      long rssAfter,
      long hwm) {
    StringBuilder b = new StringBuilder();
    b.append("## scimd load run\n\n");
    b.append(
        String.format(
            Locale.ROOT,
            "%,d users (+ %,d spare users in no group, the members (d) adds); %d concurrent clients; %d s per scenario after a %d s warm-up; %d CPUs; java %s;"
                + " server options %s; serve options --rate-limit %s%s; seeded in %.1f s through the store API.\n\n",
            o.users(),
            o.spare(),
            o.concurrency(),
            o.seconds(),
            o.warmup(),
            Runtime.getRuntime().availableProcessors(),
            Runtime.version(),
            o.serverOpts().isEmpty() ? "(none)" : String.join(" ", o.serverOpts()),
            o.rateLimit(),
            o.serverArgs().isEmpty() ? "" : " " + String.join(" ", o.serverArgs()),
            seedSeconds));
    b.append(
        "| scenario | requests | errors | req/s | p50 ms | p99 ms | bytes/resp | req/s vs (a) |\n");
    b.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    Result a = find(results, "a");
    for (Result r : results) {
      b.append(
          String.format(
              Locale.ROOT,
              "| (%s) %s%s | %,d | %,d | %,.0f | %.2f | %.2f | %,d | %.2f x |\n",
              r.key(),
              r.label().replace("|", "\\|"),
              r.exhausted() ? " (ran out of new members)" : "",
              r.requests(),
              r.errors(),
              r.perSecond(),
              r.p50Millis(),
              r.p99Millis(),
              r.avgBytes(),
              ratio(r.perSecond(), floorRates.getOrDefault(r.key(), a.perSecond()))));
    }
    b.append("\n");
    b.append(
        String.format(
            Locale.ROOT,
            "(a) was measured %d times, before the first scenario and after each; its slices ran at %,.0f to %,.0f"
                + " req/s. Each ratio is against the mean of the slices just before and just after the scenario.\n\n",
            floors.size(),
            floors.stream().mapToDouble(Result::perSecond).min().orElse(0),
            floors.stream().mapToDouble(Result::perSecond).max().orElse(0)));
    b.append(
        String.format(
            Locale.ROOT,
            "Server memory: VmRSS %,.0f MB after seeding and start, %,.0f MB after the run, peak (VmHWM) %,.0f MB.\n\n",
            rssSeeded / 1024.0,
            rssAfter / 1024.0,
            hwm / 1024.0));
    Result bq = find(results, "b");
    Result b2 = find(results, "b2");
    Result d1 = find(results, "d1");
    Result d2 = find(results, "d2");
    double bRatio = ratio(bq.perSecond(), floorRates.get("b"));
    double b2Ratio = ratio(b2.perSecond(), floorRates.get("b2"));
    double d2Ratio = ratio(d2.perSecond(), floorRates.get("d2"));
    double tputRatio = ratio(d1.perSecond(), d2.perSecond());
    double p99Ratio = ratio(d2.p99Millis(), d1.p99Millis());
    b.append("| target | measured | verdict |\n|---|---|---|\n");
    b.append(
        row(
            "(b) >= 0.5 x (a) in req/s",
            String.format(Locale.ROOT, "%.2f x", bRatio),
            bRatio >= 0.5));
    b.append(
        row(
            "(b2) >= 0.6 x (a) in req/s",
            String.format(Locale.ROOT, "%.2f x", b2Ratio),
            b2Ratio >= 0.6));
    b.append(
        row(
            "(d2) >= 0.25 x (a) in req/s",
            String.format(Locale.ROOT, "%.2f x", d2Ratio),
            d2Ratio >= 0.25));
    b.append(
        row(
            "(d2) within 1.2 x (d1): req/s",
            String.format(Locale.ROOT, "(d1)/(d2) = %.2f", tputRatio),
            tputRatio <= 1.2));
    b.append(
        row(
            "(d2) within 1.2 x (d1): p99",
            String.format(Locale.ROOT, "(d2)/(d1) = %.2f", p99Ratio),
            p99Ratio <= 1.2));
    Result e = find(results, "e");
    b.append(
        row(
            "(e) POST /oauth/token >= 500 tokens/s",
            String.format(Locale.ROOT, "%,.0f /s", e.perSecond()),
            e.perSecond() >= 500));
    b.append(
        row(
            "server RSS < 400 MB with " + String.format(Locale.ROOT, "%,d", o.users()) + " users",
            String.format(Locale.ROOT, "%,.0f MB peak", hwm / 1024.0),
            hwm < 400 * 1024));
    boolean anyErrors = results.stream().anyMatch(r -> r.errors() > 0);
    b.append(row("no errors", anyErrors ? "see below" : "0", !anyErrors));
    if (anyErrors) {
      b.append("\nErrors (non-2xx answers and I/O failures):\n\n");
      for (Result r : results) {
        if (r.errors() > 0) {
          b.append("- (")
              .append(r.key())
              .append(") ")
              .append(r.errorKinds())
              .append("; first: `")
              .append(String.valueOf(r.firstError()).replace('\n', ' ').replace('`', '\''))
              .append("`\n");
        }
      }
    }
    if (results.stream().anyMatch(Result::exhausted)) {
      b.append(
          "\n(d) scenarios add the spare users, then those (c) created; one that used them all stopped before its time"
              + " (its req/s is over the time it ran).\n");
    }
    return b.toString();
  }

  private static String row(String target, String measured, boolean ok) {
    return "| " + target + " | " + measured + " | " + (ok ? "met" : "**missed**") + " |\n";
  }

  /** (a) over all its slices: the rate of all their requests over all their time. */
  private static Result pooled(List<Result> floors) {
    Result first = floors.getFirst();
    long requests = 0;
    long errors = 0;
    double seconds = 0;
    for (Result f : floors) {
      requests += f.requests();
      errors += f.errors();
      seconds += f.seconds();
    }
    return new Result(
        "a",
        first.label() + " (all " + floors.size() + " slices)",
        requests,
        errors,
        seconds,
        first.p50Millis(),
        first.p99Millis(),
        first.avgBytes(),
        false,
        first.errorKinds(),
        first.firstError());
  }

  private static double ratio(double x, double y) {
    return y == 0 || Double.isNaN(y) ? Double.NaN : x / y;
  }

  private static Result find(List<Result> results, String key) {
    return results.stream().filter(r -> r.key().equals(key)).findFirst().orElseThrow();
  }

  private static Process startServer(Options o, Path dir, int port, String token, Path logFile)
      throws IOException {
    List<String> serve = new ArrayList<>();
    serve.addAll(
        List.of(
            "--host",
            HOST,
            "--port",
            Integer.toString(port),
            "--data",
            dir.toString(),
            // Every scenario sends as one client, thousands a second: off unless asked for, and
            // then best set so high that it never refuses, to measure what the check costs.
            "--rate-limit",
            o.rateLimit()));
    serve.addAll(o.serverArgs());
    return startServer(o.serverJar(), o.serverOpts(), serve, token, logFile);
  }

  /** Starts {@code java [jvmOptions] -jar jar serve [serveArgs]} with a bootstrap token. */
  static Process startServer(
      Path jar, List<String> jvmOptions, List<String> serveArgs, String token, Path logFile)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar.toString(), "serve"));
    cmd.addAll(serveArgs);
    log("starting %s (log %s)", String.join(" ", cmd), logFile);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(logFile.toFile());
    pb.environment().put("SCIMD_BOOTSTRAP_TOKEN", token);
    return pb.start();
  }

  static void awaitHealthy(HttpClient client, String root, Process server, Path logFile)
      throws IOException, InterruptedException {
    HttpRequest health =
        HttpRequest.newBuilder(URI.create(root + "/health")).timeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException(
            "the server exited with " + server.exitValue() + ":\n" + tail(logFile));
      }
      try {
        if (client.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // Not listening yet.
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException(
        "the server did not answer GET /health within 120 s:\n" + tail(logFile));
  }

  private static String tail(Path logFile) throws IOException {
    List<String> lines = Files.readAllLines(logFile);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /**
   * CPU time (ms, user + system) process {@code pid} has used, from /proc; NaN where there is no
   * /proc. On a machine shared with the harness, CPU per request is the figure that moves least
   * with the load.
   */
  static double cpuMillis(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields 14 and 15 of stat(5) (utime, stime), counted after the command's closing paren
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10.0; // USER_HZ is 100 on Linux
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** A field of /proc/&lt;pid&gt;/status in kB (Linux); -1 where there is no /proc. */
  static long rssKb(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux, or the process is gone: report unknown.
    }
    return -1;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
      return s.getLocalPort();
    }
  }

  static void deleteTree(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      log("could not delete %s: %s", dir, e);
    }
  }

  static Options parse(String[] args) {
    int users = 100_000;
    int seconds = 10;
    int warmup = 2;
    int concurrency = 16;
    long maxRequests = 1_000_000;
    int spare = 20_000;
    Path out = null;
    Path jar = Path.of("scimd-server/target/scimd.jar");
    List<String> serverOpts = new ArrayList<>();
    Path jvmOptions =
        Files.isRegularFile(Path.of("bin/jvm.options")) ? Path.of("bin/jvm.options") : null;
    boolean keep = false;
    boolean metricsOverhead = false;
    String rateLimit = "off";
    List<String> serverArgs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--keep")) {
        keep = true;
        continue;
      }
      if (a.equals("--metrics-overhead")) {
        metricsOverhead = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--users" -> users = positive(a, v);
        case "--seconds" -> seconds = positive(a, v);
        case "--warmup" -> warmup = whole(a, v, 0);
        case "--concurrency" -> concurrency = positive(a, v);
        case "--max-requests" -> maxRequests = positive(a, v);
        case "--spare" -> spare = whole(a, v, 0);
        case "--out" -> out = Path.of(v);
        case "--server-jar" -> jar = Path.of(v);
        case "--server-opt" -> serverOpts.add(v);
        case "--jvm-options" -> jvmOptions = v.equals("none") ? null : Path.of(v);
        case "--rate-limit" -> rateLimit = v;
        case "--server-arg" -> serverArgs.add(v);
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (users < 100) {
      throw new IllegalArgumentException(
          "--users must be at least 100 (the small group has 100 members)");
    }
    // The server runs with bin/scimd's options (bin/jvm.options), then the --server-opt ones: the
    // figures are those of the README's `bin/scimd serve`.
    List<String> opts = new ArrayList<>();
    if (jvmOptions != null) {
      opts.addAll(jvmOptions(jvmOptions));
    }
    opts.addAll(serverOpts);
    return new Options(
        users,
        seconds,
        warmup,
        concurrency,
        maxRequests,
        spare,
        out,
        jar,
        List.copyOf(opts),
        keep,
        rateLimit,
        List.copyOf(serverArgs),
        metricsOverhead);
  }

  /**
   * The options of a bin/jvm.options file: whitespace-separated words, '#' to the end of a line
   * ignored.
   */
  static List<String> jvmOptions(Path file) {
    List<String> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(file)) {
        int hash = line.indexOf('#');
        String body = (hash < 0 ? line : line.substring(0, hash)).trim();
        if (!body.isEmpty()) {
          out.addAll(List.of(body.split("\\s+")));
        }
      }
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException(
          "cannot read the JVM options file " + file + ": " + e.getMessage());
    }
    return out;
  }

  private static int positive(String option, String value) {
    return whole(option, value, 1);
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
    System.err.printf(Locale.ROOT, "[LoadRun] " + format + "%n", args);
  }
}
