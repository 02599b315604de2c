package io.scimd.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The provisioning hub's load run (issue 8's benchmarks), against a scimd started from its jar like
 * {@link LoadRun}, with webhook receivers in this process on 127.0.0.1:
 *
 * <ol>
 *   <li><b>Propagation lag</b>: SCIM writes (creates and PATCHes of users) at a steady {@code
 *       --rate} per second for {@code --seconds}, to {@code --targets} webhook targets; the lag of
 *       each change is from the moment the writer had its 2xx to the moment a receiver had the
 *       delivery, p50 and p99 per target (target: p99 at most 1 s at 200 changes/s to 3 targets).
 *   <li><b>Drain</b>: the targets paused, {@code --backlog} users created (SCIM Bulk), the targets
 *       resumed; the time until each receiver had them all (target: 100,000 in at most 2 minutes).
 *   <li><b>Write overhead</b>: steady writes at {@code --rate} for {@code --seconds} a round, with
 *       the targets delivering, without targets, without, and with them again (ABBA); each side's
 *       write latency, the server's own time per write, its CPU per change and its GC pauses
 *       (target: the hub slows IdP-facing writes by at most 10%); {@code --cycles} such quartets,
 *       and the median of their ratios.
 *   <li><b>Capacity</b>: the same order closed-loop, with {@code --concurrency} writers: the
 *       machine's whole capacity, shared with the receivers.
 * </ol>
 *
 * <p>Changes are matched to deliveries by the resource id in the delivery's body and their order
 * per resource, which the hub keeps. Build with {@code ./mvnw -q -Pbench -DskipTests package}; run
 * {@code java -cp scimd-bench/target/benchmarks.jar io.scimd.bench.HubRun [--rate 200] [--seconds
 * 20] [--targets 3] [--backlog 100000] [--concurrency 16] [--server-jar PATH] [--server-opt
 * JVM-OPTION]... [--phases lag,drain,overhead,capacity] [--target-concurrency N] [--warmup 30]
 * [--cycles 1]}.
 */
public final class HubRun {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern UUID_TEXT =
      Pattern.compile("Users/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

  private HubRun() {}

  /** A webhook receiver that notes when each resource's deliveries arrived. */
  private static final class Receiver implements AutoCloseable {
    final HttpServer server;
    final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
    final AtomicLong count = new AtomicLong();

    Receiver() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext(
          "/hook",
          ex -> {
            long now = System.nanoTime();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Matcher m = UUID_TEXT.matcher(body);
            if (m.find()) {
              arrivals.computeIfAbsent(m.group(1), k -> new CopyOnWriteArrayList<>()).add(now);
            }
            count.incrementAndGet();
            ex.sendResponseHeaders(204, -1);
            ex.close();
          });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  public static void main(String[] args) throws Exception {
    // The receivers answer like production HTTP servers do, with Nagle's algorithm off: the JDK's
    // server leaves it on, and a small response then waits for the client's delayed ACK.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    int rate = 200;
    int seconds = 20;
    int targets = 3;
    int backlog = 100_000;
    int concurrency = 16;
    Set<String> phases = Set.of("lag", "drain", "overhead", "capacity");
    int cycles = 1;
    int targetConcurrency = 0;
    // Long enough for the JIT to have compiled the delivery path as well as the writes': with 5 s,
    // the compiler threads took as much CPU as the server's own work in the first measured phase.
    int warmup = 30;
    Path jar = Path.of("scimd-server/target/scimd.jar");
    List<String> serverOpts = new ArrayList<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--rate" -> rate = Integer.parseInt(v);
        case "--seconds" -> seconds = Integer.parseInt(v);
        case "--targets" -> targets = Integer.parseInt(v);
        case "--backlog" -> backlog = Integer.parseInt(v);
        case "--concurrency" -> concurrency = Integer.parseInt(v);
        case "--server-jar" -> jar = Path.of(v);
        case "--phases" -> phases = Set.of(v.split(","));
        case "--target-concurrency" -> targetConcurrency = Integer.parseInt(v);
        case "--warmup" -> warmup = Integer.parseInt(v);
        case "--cycles" -> cycles = Integer.parseInt(v);
        case "--server-opt" -> serverOpts.add(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (cycles < 1 || targets < 1) {
      throw new IllegalArgumentException("--cycles and --targets take 1 or more");
    }
    Path dir = Files.createTempDirectory("scimd-hubrun");
    int port = LoadRun.freePort();
    String token = "bench-" + UUID.randomUUID();
    Path logFile = dir.resolve("server.log");
    Path data = dir.resolve("data");
    Process server =
        LoadRun.startServer(
            jar,
            java.util.stream.Stream.concat(
                    LoadRun.jvmOptions(Path.of("bin/jvm.options")).stream(), serverOpts.stream())
                .toList(),
            List.of(
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--data",
                data.toString(),
                "--rate-limit",
                "off"),
            token,
            logFile);
    HttpClient http =
        HttpClient.newBuilder()
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    String root = "http://127.0.0.1:" + port;
    List<Receiver> receivers = new ArrayList<>();
    serverPid = server.pid();
    try {
      LoadRun.awaitHealthy(http, root, server, logFile);
      Api api = new Api(http, root, token);
      for (int t = 0; t < targets; t++) {
        receivers.add(new Receiver());
      }
      createTargets(api, receivers, targetConcurrency);
      StringBuilder report = new StringBuilder();
      if (warmup > 0) {
        // The server's code paths compiled and its caches warm, as in service, before measuring.
        // Creates and PATCHes alike, closed-loop: the rounds write both, and at their steady rate
        // a path only one of them takes would still be compiling (C2 wants some 10,000 calls) in
        // the first round measured, which then read up to 40 % slower than the same round later.
        double warm = writeRate(api, concurrency, warmup, "warmup", true);
        LoadRun.log("warm-up: %.0f creates and PATCHes/s for %d s", warm, warmup);
        for (int t = 0; t < receivers.size(); t++) {
          long until = System.nanoTime() + Duration.ofMinutes(2).toNanos();
          while (api.send("GET", "/admin/v1/targets/bench-" + t, null, 200)
                      .at("/status/pending")
                      .asLong()
                  > 0
              && System.nanoTime() < until) {
            Thread.sleep(50);
          }
        }
        Thread.sleep(300); // the last deliveries' answers
      }
      if (phases.contains("lag")) {
        lag(api, receivers, rate, seconds, report);
        System.out.println(report);
        report.setLength(0);
      }
      if (phases.contains("drain")) {
        drain(api, receivers, backlog, report);
        System.out.println(report);
        report.setLength(0);
      }
      if (phases.contains("overhead")) {
        overhead(api, receivers, targetConcurrency, rate, seconds, cycles, report);
        System.out.println(report);
        report.setLength(0);
      }
      if (phases.contains("capacity")) {
        capacity(api, receivers, targetConcurrency, concurrency, seconds, report);
        System.out.println(report);
      }
    } catch (Exception e) {
      System.out.println("FAILED: " + e + "; the server's log ends:");
      List<String> lines = Files.readAllLines(logFile);
      lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(System.out::println);
      throw e;
    } finally {
      receivers.forEach(Receiver::close);
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
      LoadRun.deleteTree(dir);
    }
  }

  // ---------------------------------------------------------------- (1) propagation lag

  private static long serverPid = -1;

  /** CPU time (ms) the server has used: see {@link LoadRun#cpuMillis}. */
  static double serverCpuMillis() {
    return LoadRun.cpuMillis(serverPid);
  }

  private static void lag(
      Api api, List<Receiver> receivers, int rate, int seconds, StringBuilder report)
      throws Exception {
    Map<String, List<Long>> acked = new ConcurrentHashMap<>();
    AtomicLong errors = new AtomicLong();
    java.util.concurrent.atomic.AtomicReference<String> firstError =
        new java.util.concurrent.atomic.AtomicReference<>();
    long[] before = receivers.stream().mapToLong(r -> r.count.get()).toArray();
    double sent =
        writeSteadily(
            api, rate, seconds, "lag", acked, new CopyOnWriteArrayList<>(), errors, firstError);
    long changes = acked.values().stream().mapToLong(List::size).sum();
    awaitAll(receivers, before, changes, Duration.ofSeconds(60));
    report.append(
        String.format(
            "## Propagation lag%n%n%d changes (creates and PATCHes of users) at %d/s for %.1f s"
                + " to %d webhook targets, %d write errors.%n%n| target | delivered | p50 ms |"
                + " p99 ms | max ms |%n|---|---:|---:|---:|---:|%n",
            changes, rate, sent, receivers.size(), errors.get()));
    if (firstError.get() != null) {
      report.append("First write error: ").append(firstError.get()).append("\n\n");
    }
    for (int t = 0; t < receivers.size(); t++) {
      Receiver r = receivers.get(t);
      List<Long> lags = new ArrayList<>();
      for (Map.Entry<String, List<Long>> e : acked.entrySet()) {
        List<Long> got = r.arrivals.getOrDefault(e.getKey(), List.of());
        List<Long> sentAt = e.getValue();
        for (int i = 0; i < Math.min(got.size(), sentAt.size()); i++) {
          lags.add(got.get(i) - sentAt.get(i));
        }
      }
      long[] sorted = lags.stream().mapToLong(Long::longValue).sorted().toArray();
      report.append(
          String.format(
              "| bench-%d | %d | %.1f | %.1f | %.1f |%n",
              t, sorted.length, pct(sorted, 0.50), pct(sorted, 0.99), pct(sorted, 1.0)));
    }
    report.append('\n');
  }

  /**
   * Creates and PATCHes users at a steady {@code rate} for {@code seconds} (open loop: a slow
   * answer does not slow the schedule), noting each change's acknowledgement time by user and each
   * write's latency.
   *
   * @return the seconds the writes took to send
   */
  private static double writeSteadily(
      Api api,
      int rate,
      int seconds,
      String tag,
      Map<String, List<Long>> acked,
      List<Long> latencies,
      AtomicLong errors,
      java.util.concurrent.atomic.AtomicReference<String> firstError)
      throws Exception {
    ConcurrentLinkedQueue<String> created = new ConcurrentLinkedQueue<>();
    long total = (long) rate * seconds;
    long interval = 1_000_000_000L / rate;
    long start = System.nanoTime();
    try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (long n = 0; n < total; n++) {
        long due = start + n * interval;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        long k = n;
        writers.submit(
            () -> {
              try {
                String id = k % 2 == 1 ? created.poll() : null;
                if (id == null) {
                  ObjectNode u = user(tag + "-" + k);
                  long t0 = System.nanoTime();
                  JsonNode made = api.send("POST", "/scim/v2/Users", u, 201);
                  latencies.add(System.nanoTime() - t0);
                  id = made.get("id").asText();
                  acked
                      .computeIfAbsent(id, x -> new CopyOnWriteArrayList<>())
                      .add(System.nanoTime());
                  created.add(id);
                } else {
                  ObjectNode patch = titlePatch("title-" + k);
                  // The ack is noted before the next PATCH of the same user can be sent.
                  List<Long> times = acked.computeIfAbsent(id, x -> new CopyOnWriteArrayList<>());
                  synchronized (times) {
                    long t0 = System.nanoTime();
                    api.send("PATCH", "/scim/v2/Users/" + id, patch, 200);
                    latencies.add(System.nanoTime() - t0);
                    times.add(System.nanoTime());
                  }
                  created.add(id);
                }
              } catch (Exception e) {
                errors.incrementAndGet();
                firstError.compareAndSet(null, e.getMessage());
              }
              return null;
            });
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return Math.max(0, sorted[Math.max(0, i)]) / 1e6;
  }

  /** Waits until each receiver has had {@code n} deliveries more than {@code before}. */
  private static void awaitAll(List<Receiver> receivers, long[] before, long n, Duration max)
      throws InterruptedException {
    long until = System.nanoTime() + max.toNanos();
    for (int t = 0; t < receivers.size(); t++) {
      while (receivers.get(t).count.get() - before[t] < n && System.nanoTime() < until) {
        Thread.sleep(20);
      }
    }
  }

  // ---------------------------------------------------------------- (2) drain

  private static void drain(Api api, List<Receiver> receivers, int backlog, StringBuilder report)
      throws Exception {
    for (int t = 0; t < receivers.size(); t++) {
      api.send("POST", "/admin/v1/targets/bench-" + t + "/pause", JSON.createObjectNode(), 200);
    }
    long[] before = receivers.stream().mapToLong(r -> r.count.get()).toArray();
    long writeStart = System.nanoTime();
    int perBulk = 500;
    try (ExecutorService writers = Executors.newFixedThreadPool(4)) {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int from = 0; from < backlog; from += perBulk) {
        int f = from;
        int n = Math.min(perBulk, backlog - from);
        done.add(
            writers.submit(
                () -> {
                  ObjectNode bulk = JSON.createObjectNode();
                  bulk.putArray("schemas").add("urn:ietf:params:scim:api:messages:2.0:BulkRequest");
                  ArrayNode ops = bulk.putArray("Operations");
                  for (int i = 0; i < n; i++) {
                    ObjectNode op = ops.addObject();
                    op.put("method", "POST");
                    op.put("path", "/Users");
                    op.put("bulkId", "b" + (f + i));
                    op.set("data", user("drain-" + (f + i)));
                  }
                  api.send("POST", "/scim/v2/Bulk", bulk, 200);
                  return null;
                }));
      }
      for (var d : done) {
        d.get();
      }
    }
    double wrote = (System.nanoTime() - writeStart) / 1e9;
    long start = System.nanoTime();
    for (int t = 0; t < receivers.size(); t++) {
      api.send("POST", "/admin/v1/targets/bench-" + t + "/resume", JSON.createObjectNode(), 200);
    }
    report.append(
        String.format(
            "## Drain%n%nA backlog of %d user creations (written with the targets paused, in %.1f"
                + " s through SCIM Bulk), then the %d targets resumed together.%n%n| target |"
                + " drained in s | per second |%n|---|---:|---:|%n",
            backlog, wrote, receivers.size()));
    for (int t = 0; t < receivers.size(); t++) {
      Receiver r = receivers.get(t);
      long until = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (r.count.get() - before[t] < backlog && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      double s = (System.nanoTime() - start) / 1e9;
      long got = r.count.get() - before[t];
      report.append(
          String.format(
              "| bench-%d | %.1f%s | %.0f |%n",
              t, s, got < backlog ? " (incomplete: " + got + ")" : "", got / s));
    }
    report.append('\n');
  }

  // ---------------------------------------------------------------- (3) write overhead

  private static void overhead(
      Api api,
      List<Receiver> receivers,
      int targetConcurrency,
      int rate,
      int seconds,
      int cycles,
      StringBuilder report)
      throws Exception {
    // ABBA: with the targets, without (deleted), without, with them again (created afresh, so they
    // receive what follows). Whatever drifts during the run (the JIT, the growing database, the
    // machine's other load) then weighs on both sides alike, which one pass of each did not: the
    // side measured first paid for the compilation the second one had for free. Each cycle is
    // such a quartet; on a machine whose rounds move by 10-15 % from one minute to the next, the
    // median of several cycles' ratios says more than any one of them.
    // A round at the steady rate first, not measured: the first round after the closed-loop
    // warm-up read slower than the same side's later rounds in most runs (the heap and the
    // database's log settling after the burst), and it is always a round with targets.
    steady(api, receivers, rate, seconds, "settle", true);
    List<Steady> rounds = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int c = 0; c < cycles; c++) {
      int n = 2 * c + 1;
      rounds.add(steady(api, receivers, rate, seconds, "a" + n, true));
      deleteTargets(api, receivers);
      rounds.add(steady(api, receivers, rate, seconds, "b" + n, false));
      rounds.add(steady(api, receivers, rate, seconds, "b" + (n + 1), false));
      createTargets(api, receivers, targetConcurrency);
      rounds.add(steady(api, receivers, rate, seconds, "a" + (n + 1), true));
      names.addAll(List.of("A" + n, "B" + n, "B" + (n + 1), "A" + (n + 1)));
    }

    report.append(
        String.format(
            "## Write overhead%n%nWrites (creates and PATCHes of users) at a steady %d/s for %d s"
                + " a round, in the order with %d webhook targets, without, without, with (ABBA),"
                + " %d time(s). The server's time per write is its own (its /metrics histogram),"
                + " free of this harness's queueing; its CPU is read from /proc and includes the"
                + " deliveries; its GC pauses are from its /metrics, per 1,000 writes, and what it"
                + " allocated is counted at each collection (a round's last ones count in the"
                + " next)."
                + "%n%n| round | targets | writes | errors | p50 ms | p99 ms | server ms/write |"
                + " server CPU ms/change | GC pauses | GC ms | KB allocated/write |%n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|%n",
            rate, seconds, receivers.size(), cycles));
    for (int i = 0; i < rounds.size(); i++) {
      Steady r = rounds.get(i);
      long[] sorted = r.sorted();
      double perThousand = 1000.0 / Math.max(1, sorted.length);
      report.append(
          String.format(
              "| %s | %d | %d | %d | %.2f | %.2f | %.2f | %.3f | %.1f | %.1f | %.0f |%n",
              names.get(i),
              r.targets(),
              sorted.length,
              r.errors(),
              pct(sorted, 0.5),
              pct(sorted, 0.99),
              r.serverMillisPerWrite(),
              r.cpuMillisPerChange(),
              r.gcPauses() * perThousand,
              r.gcMillis() * perThousand,
              r.allocatedBytes() / 1024 / Math.max(1, sorted.length)));
    }
    List<double[]> perCycle = new ArrayList<>();
    for (int c = 0; c < cycles; c++) {
      List<Steady> q = rounds.subList(4 * c, 4 * c + 4);
      perCycle.add(ratios(List.of(q.get(0), q.get(3)), List.of(q.get(1), q.get(2))));
    }
    List<Steady> with = new ArrayList<>();
    List<Steady> without = new ArrayList<>();
    for (Steady r : rounds) {
      (r.targets() > 0 ? with : without).add(r);
    }
    double[] pooled = ratios(with, without);
    Steady a = Steady.pooled(with);
    Steady b = Steady.pooled(without);
    report.append(
        String.format(
            "%nWith / without (target: at most 1.10), p50, p99, server time per write: the rounds"
                + " of each side pooled %.2f, %.2f, %.2f",
            pooled[0], pooled[1], pooled[2]));
    if (cycles > 1) {
      report.append(
          String.format(
              "; the median of the %d cycles' ratios %.2f, %.2f, %.2f (each cycle's: %s)",
              cycles,
              median(perCycle, 0),
              median(perCycle, 1),
              median(perCycle, 2),
              String.join(
                  "; ",
                  perCycle.stream()
                      .map(x -> String.format("%.2f %.2f %.2f", x[0], x[1], x[2]))
                      .toList())));
    }
    report.append(
        String.format(
            ". Delivery costs %.3f ms of server CPU per change per target.%n%n",
            (a.cpuMillisPerChange() - b.cpuMillisPerChange()) / receivers.size()));
  }

  /** p50, p99 and server time per write of {@code with} over {@code without}, rounds pooled. */
  private static double[] ratios(List<Steady> with, List<Steady> without) {
    Steady a = Steady.pooled(with);
    Steady b = Steady.pooled(without);
    long[] as = a.sorted();
    long[] bs = b.sorted();
    return new double[] {
      pct(as, 0.5) / pct(bs, 0.5),
      pct(as, 0.99) / pct(bs, 0.99),
      a.serverMillisPerWrite() / b.serverMillisPerWrite()
    };
  }

  private static double median(List<double[]> rows, int column) {
    double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    int m = v.length / 2;
    return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
  }

  /**
   * The machine's whole capacity, closed loop, in the same ABBA order as {@link #overhead}: here
   * the receivers' work (in this process, on the same cores) counts against the writes too.
   */
  private static void capacity(
      Api api,
      List<Receiver> receivers,
      int targetConcurrency,
      int concurrency,
      int seconds,
      StringBuilder report)
      throws Exception {
    double w1 = writeRate(api, concurrency, seconds, "cw1");
    deleteTargets(api, receivers);
    double o1 = writeRate(api, concurrency, seconds, "co1");
    double o2 = writeRate(api, concurrency, seconds, "co2");
    createTargets(api, receivers, targetConcurrency);
    double w2 = writeRate(api, concurrency, seconds, "cw2");
    report.append(
        String.format(
            "Closed-loop SCIM creates, %d writers, %d s a round (with, without, without, with):"
                + " %.0f, %.0f, %.0f, %.0f creates/s; ratio %.3f.%n",
            concurrency, seconds, w1, o1, o2, w2, (w1 + w2) / (o1 + o2)));
  }

  /**
   * One round of steady writes.
   *
   * @param latencies each write's latency (ns) as this harness saw it
   * @param serverMillisPerWrite the server's own mean time per write, from its /metrics
   * @param cpuMillisPerChange the server's CPU per change, its deliveries included
   * @param gcPauses the server's GC pauses during the round
   * @param gcMillis their total length
   * @param allocatedBytes what the server allocated during the round (counted at each GC)
   */
  record Steady(
      int targets,
      List<Long> latencies,
      long errors,
      double serverMillisPerWrite,
      double cpuMillisPerChange,
      double gcPauses,
      double gcMillis,
      double allocatedBytes) {
    long[] sorted() {
      return latencies.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** The rounds as one, their means weighted by their writes. */
    static Steady pooled(List<Steady> rounds) {
      List<Long> all = new ArrayList<>();
      double server = 0;
      double cpu = 0;
      double pauses = 0;
      double gc = 0;
      double allocated = 0;
      long errors = 0;
      for (Steady r : rounds) {
        all.addAll(r.latencies());
        server += r.serverMillisPerWrite() * r.latencies().size();
        cpu += r.cpuMillisPerChange() * r.latencies().size();
        pauses += r.gcPauses();
        gc += r.gcMillis();
        allocated += r.allocatedBytes();
        errors += r.errors();
      }
      int n = Math.max(1, all.size());
      return new Steady(
          rounds.get(0).targets(), all, errors, server / n, cpu / n, pauses, gc, allocated);
    }
  }

  /**
   * Writes at {@code rate} for {@code seconds}; with targets, waits for their deliveries, so that
   * the CPU measured includes them.
   */
  private static Steady steady(
      Api api, List<Receiver> receivers, int rate, int seconds, String tag, boolean targets)
      throws Exception {
    long[] before = receivers.stream().mapToLong(r -> r.count.get()).toArray();
    List<Long> latencies = new CopyOnWriteArrayList<>();
    Map<String, List<Long>> acked = new ConcurrentHashMap<>();
    AtomicLong errors = new AtomicLong();
    double cpu0 = serverCpuMillis();
    ServerMetrics w0 = ServerMetrics.read(api);
    writeSteadily(
        api,
        rate,
        seconds,
        tag,
        acked,
        latencies,
        errors,
        new java.util.concurrent.atomic.AtomicReference<>());
    ServerMetrics w1 = ServerMetrics.read(api);
    double serverMillis = w1.meanMillisSince(w0);
    long changes = acked.values().stream().mapToLong(List::size).sum();
    if (targets) {
      awaitAll(receivers, before, changes, Duration.ofSeconds(60));
    }
    double cpu = (serverCpuMillis() - cpu0) / Math.max(1, changes);
    Thread.sleep(500); // the last deliveries' answers, before the next round
    return new Steady(
        targets ? receivers.size() : 0,
        latencies,
        errors.get(),
        serverMillis,
        cpu,
        w1.gcPauses() - w0.gcPauses(),
        (w1.gcSeconds() - w0.gcSeconds()) * 1000,
        w1.allocated() - w0.allocated());
  }

  /** One webhook target per receiver, named {@code bench-N}, receiving what follows. */
  private static void createTargets(Api api, List<Receiver> receivers, int targetConcurrency)
      throws IOException, InterruptedException {
    for (int t = 0; t < receivers.size(); t++) {
      ObjectNode def = JSON.createObjectNode();
      def.put("name", "bench-" + t);
      def.put("type", "webhook");
      def.put("url", receivers.get(t).url());
      def.put("deletionGuard", false);
      if (targetConcurrency > 0) {
        def.put("concurrency", targetConcurrency);
      }
      api.send("POST", "/admin/v1/targets", def, 201);
    }
  }

  private static void deleteTargets(Api api, List<Receiver> receivers)
      throws IOException, InterruptedException {
    for (int t = 0; t < receivers.size(); t++) {
      api.send("DELETE", "/admin/v1/targets/bench-" + t, null, 204);
    }
  }

  private static double writeRate(Api api, int concurrency, int seconds, String tag)
      throws Exception {
    return writeRate(api, concurrency, seconds, tag, false);
  }

  /**
   * Closed-loop writes by {@code concurrency} writers for {@code seconds}: creates, or with {@code
   * patches} a create then a PATCH of that user in turn.
   *
   * @return writes per second
   */
  private static double writeRate(
      Api api, int concurrency, int seconds, String tag, boolean patches) throws Exception {
    AtomicLong done = new AtomicLong();
    long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
    AtomicLong seq = new AtomicLong();
    long start = System.nanoTime();
    try (ExecutorService writers = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < concurrency; c++) {
        writers.submit(
            () -> {
              while (System.nanoTime() < end) {
                JsonNode made =
                    api.send(
                        "POST", "/scim/v2/Users", user(tag + "-" + seq.incrementAndGet()), 201);
                done.incrementAndGet();
                if (patches) {
                  String id = made.get("id").asText();
                  api.send("PATCH", "/scim/v2/Users/" + id, titlePatch(tag + seq.get()), 200);
                  done.incrementAndGet();
                }
              }
              return null;
            });
      }
    }
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * The server's own count and total time (s) of the IdP-facing writes ({@code POST /Users}, {@code
   * PATCH /Users/{id}}) so far, from its {@code /metrics}: the time the server took, which the
   * receivers and writers sharing this process's cores do not add to, unlike the writer's own
   * latency; and its GC pauses (count, total seconds) and the bytes it allocated so far.
   */
  record ServerMetrics(
      double count, double seconds, double gcPauses, double gcSeconds, double allocated) {
    static ServerMetrics read(Api api) throws IOException, InterruptedException {
      double count = 0;
      double sum = 0;
      double pauses = 0;
      double paused = 0;
      double allocated = 0;
      for (String line : api.text("/metrics").split("\n")) {
        if (line.startsWith("jvm_gc_pause_seconds_count{")) {
          pauses += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        } else if (line.startsWith("jvm_gc_pause_seconds_sum{")) {
          paused += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        } else if (line.startsWith("jvm_gc_memory_allocated_bytes_total")) {
          allocated += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        boolean write =
            line.contains("method=\"POST\"") && line.contains("route=\"/scim/v2/Users\"")
                || line.contains("method=\"PATCH\"")
                    && line.contains("route=\"/scim/v2/Users/{id}\"");
        if (!write || !line.contains("status=\"2")) {
          continue;
        }
        double v = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        if (line.startsWith("scimd_http_requests_seconds_count")) {
          count += v;
        } else if (line.startsWith("scimd_http_requests_seconds_sum")) {
          sum += v;
        }
      }
      return new ServerMetrics(count, sum, pauses, paused, allocated);
    }

    /** Mean milliseconds per write since {@code before}. */
    double meanMillisSince(ServerMetrics before) {
      double n = count - before.count;
      return n <= 0 ? Double.NaN : (seconds - before.seconds) * 1000 / n;
    }
  }

  /** A PATCH that replaces a user's title. */
  private static ObjectNode titlePatch(String title) {
    ObjectNode patch = JSON.createObjectNode();
    patch.putArray("schemas").add("urn:ietf:params:scim:api:messages:2.0:PatchOp");
    ObjectNode op = patch.putArray("Operations").addObject();
    op.put("op", "replace");
    op.put("path", "title");
    op.put("value", title);
    return patch;
  }

  private static ObjectNode user(String name) {
    ObjectNode u = JSON.createObjectNode();
    u.putArray("schemas").add("urn:ietf:params:scim:schemas:core:2.0:User");
    u.put("userName", name + "@example.com");
    u.putObject("name").put("givenName", "Bench").put("familyName", name);
    u.put("active", true);
    return u;
  }

  /** Calls scimd as the bootstrap client, failing loudly on an unexpected status. */
  private record Api(HttpClient http, String root, String token) {
    /** The raw body of a GET, e.g. the Prometheus text of {@code /metrics}. */
    String text(String path) throws IOException, InterruptedException {
      HttpRequest r =
          HttpRequest.newBuilder(URI.create(root + path))
              .timeout(Duration.ofSeconds(60))
              .header("Authorization", "Bearer " + token)
              .build();
      return http.send(r, HttpResponse.BodyHandlers.ofString()).body();
    }

    JsonNode send(String method, String path, @Nullable JsonNode body, int expected)
        throws IOException, InterruptedException {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(root + path))
              .timeout(Duration.ofSeconds(60))
              .header("Authorization", "Bearer " + token)
              .header(
                  "Content-Type",
                  path.startsWith("/scim") ? "application/scim+json" : "application/json");
      b.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != expected) {
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
}
