package io.scimd.bench;

import io.scimd.server.ScimServer;
import io.scimd.server.ServerConfig;
import io.scimd.server.service.ServiceConfig;
import io.scimd.store.Store;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 10's console benchmark: how long the web console's pages take at N users (1,000,000 by
 * default), p50/p95/max over {@code --requests} sequential requests per page, by one signed-in
 * browser session (the console's goal: p95 at most 200 ms).
 *
 * <p>Fixture: N users ({@link Users}) seeded through the store API ({@link Seeder}) into a new
 * SQLite data directory, a group of 1,000 of them and 100 groups of 10. Then scimd starts on that
 * directory in this JVM, the run signs in with the bootstrap token as a browser does (the sign-in
 * page's CSRF cookie and field, then the session cookie), and times: the first page of users (which
 * counts all N), walking the next pages by cursor, a userName filter, a {@code sw} filter, a user's
 * page (groups and history), the groups list, and the 1,000-member group's page.
 *
 * <p>Run (from the repository root, after {@code ./mvnw -q -Pbench -DskipTests package}): {@code
 * java -cp scimd-bench/target/benchmarks.jar:scimd-server/target/scimd.jar
 * io.scimd.bench.ConsoleRun --users 1000000 --data /tmp/console-bench}: {@code --data} keeps the
 * seeded directory, and a second run on it skips the seeding.
 */
public final class ConsoleRun {
  private static final PrintStream OUT = System.out;
  private static final String TOKEN = "console-bench-token-0123456789-abcdefghijkl";
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final Pattern NEXT = Pattern.compile("href=\"(/console/users\\?cursor=[^\"]+)\"");

  private ConsoleRun() {}

  public static void main(String[] args) throws Exception {
    int users = 1_000_000;
    int requests = 200;
    Path dir = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--users" -> users = Integer.parseInt(args[++i]);
        case "--requests" -> requests = Integer.parseInt(args[++i]);
        case "--data" -> dir = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (dir == null) {
      dir = Files.createTempDirectory("scimd-console-bench");
    }
    Path idsFile = dir.resolve("console-bench-ids.txt");
    long t0 = System.nanoTime();
    List<String> ids;
    String bigGroup;
    if (Files.exists(idsFile)) {
      // A directory this run seeded before (--data): its users' ids, the big group's first.
      List<String> lines = Files.readAllLines(idsFile);
      bigGroup = lines.get(0);
      ids = lines.subList(1, lines.size());
      users = ids.size();
      OUT.printf(Locale.ROOT, "reusing %,d users in %s%n", users, dir);
    } else
      try (Store store = BenchStore.open(dir)) {
        ids = Seeder.users(store, users).userIds();
        bigGroup = Seeder.group(store, "bench-thousand", ids.subList(0, Math.min(1000, users)));
        for (int g = 0; g < 100; g++) {
          int from = (g * 10) % Math.max(1, users - 10);
          Seeder.group(
              store, String.format(Locale.ROOT, "team-%03d", g), ids.subList(from, from + 10));
        }
      }
    OUT.printf(
        Locale.ROOT,
        "seeded %,d users and 101 groups in %d s%n",
        users,
        Duration.ofNanos(System.nanoTime() - t0).toSeconds());
    ServerConfig config =
        new ServerConfig("127.0.0.1", 0, dir, null, TOKEN, ServiceConfig.DEFAULTS);
    try (ScimServer server = ScimServer.start(config, new PrintWriter(new StringWriter(), true))) {
      Browser b = new Browser("http://127.0.0.1:" + server.port());
      b.signIn();
      Random random = new Random(20261203L);
      List<String> userIds = ids;
      int n = users;
      String[] cursor = {null};
      Map<String, IntFunction<String>> pages = new LinkedHashMap<>();
      pages.put("users, first page (counts all)", i -> "/console/users");
      pages.put(
          "users, next pages by cursor",
          i -> {
            String c = cursor[0];
            return c == null ? "/console/users" : c;
          });
      pages.put(
          "users, filter userName eq",
          i ->
              "/console/users?filter="
                  + q("userName eq \"" + Users.userName(random.nextInt(n)) + "\""));
      pages.put(
          "users, filter userName sw",
          i ->
              "/console/users?filter="
                  + q(
                      "userName sw \""
                          + Users.userName(random.nextInt(n)).substring(0, 10)
                          + "\""));
      pages.put("user details", i -> "/console/users/" + userIds.get(random.nextInt(n)));
      pages.put("groups, first page", i -> "/console/groups");
      pages.put("group of 1,000, first members", i -> "/console/groups/" + bigGroup);
      OUT.printf(
          Locale.ROOT, "%n| page (%,d users) | p50 ms | p95 ms | max ms |%n|---|---|---|---|%n", n);
      for (Map.Entry<String, IntFunction<String>> page : pages.entrySet()) {
        cursor[0] = null;
        // Warm-up: the JIT and the page cache, as a console open for a while has them.
        for (int i = 0; i < Math.min(20, requests); i++) {
          b.get(page.getValue().apply(i));
        }
        cursor[0] = null;
        double[] ms = new double[requests];
        for (int i = 0; i < requests; i++) {
          String path = page.getValue().apply(i);
          long s = System.nanoTime();
          String body = b.get(path);
          ms[i] = (System.nanoTime() - s) / 1e6;
          Matcher m = NEXT.matcher(body);
          String next = null;
          while (m.find()) {
            next = m.group(1).replace("&amp;", "&");
          }
          cursor[0] = next;
        }
        Arrays.sort(ms);
        OUT.printf(
            Locale.ROOT,
            "| %s | %.1f | %.1f | %.1f |%n",
            page.getKey(),
            ms[requests / 2],
            ms[(int) Math.ceil(requests * 0.95) - 1],
            ms[requests - 1]);
      }
    }
  }

  private static String q(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** One signed-in browser session: its cookie on every request. */
  private static final class Browser {
    private final String base;
    private final HttpClient http =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String cookie = "";

    Browser(String base) {
      this.base = base;
    }

    void signIn() {
      HttpResponse<String> page =
          send(HttpRequest.newBuilder(URI.create(base + "/console/signin")));
      Matcher m = CSRF.matcher(page.body());
      if (!m.find()) {
        throw new IllegalStateException("no CSRF field on the sign-in page");
      }
      String signin = cookieOf(page);
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create(base + "/console/signin"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Cookie", signin)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "csrf=" + m.group(1) + "&token=" + q(TOKEN))));
      if (r.statusCode() != 303) {
        throw new IllegalStateException("sign-in answered " + r.statusCode());
      }
      cookie = cookieOf(r);
    }

    String get(String path) {
      HttpResponse<String> r =
          send(HttpRequest.newBuilder(URI.create(base + path)).header("Cookie", cookie));
      if (r.statusCode() != 200) {
        throw new IllegalStateException(path + " answered " + r.statusCode());
      }
      return r.body();
    }

    private HttpResponse<String> send(HttpRequest.Builder b) {
      try {
        return http.send(
            b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    private static String cookieOf(HttpResponse<String> r) {
      List<String> out = new ArrayList<>();
      for (String c : r.headers().allValues("Set-Cookie")) {
        String pair = c.substring(0, c.indexOf(';') < 0 ? c.length() : c.indexOf(';'));
        if (!pair.endsWith("=")) {
          out.add(pair);
        }
      }
      return String.join("; ", out);
    }
  }
}
