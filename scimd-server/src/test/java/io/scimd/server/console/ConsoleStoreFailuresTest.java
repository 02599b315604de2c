package io.scimd.server.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import io.scimd.store.PoolSettings;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The console when the store fails under it, on PostgreSQL: a busy database is a 503 page with
 * Retry-After (as the API answers), an audit export whose database connection dies midway is a
 * broken download, never a complete-looking file, and a page cursor is a journal number past 2^31.
 */
// The export's test ends the server's database connections: it runs last.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleStoreFailuresTest {
  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");
  private static final String FORM = "application/x-www-form-urlencoded";

  /** Entries of about 1 KB: far more than the sockets between the server and the test hold. */
  private static final int PADDED_ENTRIES = 30_000;

  private static PgTestDatabase db;
  private static TestServer server;

  @BeforeAll
  static void start() {
    db = PgTestDatabase.createOrSkipEachTest();
    if (db == null) {
      return;
    }
    ServerConfig c = TestServer.config(db, 4);
    server =
        TestServer.start(
            c.withDatabase(
                db.url(),
                PoolSettings.defaults()
                    .withMaxPoolSize(4)
                    .withStatementTimeout(Duration.ofSeconds(1))));
    server.send("POST", TestServer.SCIM + "/Users", TestServer.user("bjensen"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (db != null) {
      db.close();
    }
  }

  static void sql(String statement) throws Exception {
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  /** Journal entries of the default tenant, numbered {@code from + 1} to {@code from + n}. */
  static void journal(long from, int n, String idPrefix, int padding) throws Exception {
    sql(
        "INSERT INTO journal (tenant, seq, at, principal, principal_name, source, request_id,"
            + " resource_type, resource_id, kind, change, prev_hash, hash) SELECT 'default', "
            + from
            + " + g, (extract(epoch from now()) * 1000000)::bigint, 'system:test', 'test', NULL,"
            + " 'test', 'User', '"
            + idPrefix
            + "' || g, 'created', '{\"pad\":\"' || repeat('x', "
            + padding
            + ") || '\"}', 'h', 'h' FROM generate_series(1, "
            + n
            + ") g");
  }

  /** A signed-in session's cookie header. */
  static String signIn() {
    HttpResponse<String> page = server.sendRaw("GET", "/console/signin", null);
    HttpResponse<String> signedIn =
        server.sendRaw(
            "POST",
            "/console/signin",
            "csrf=" + csrf(page) + "&token=" + TestServer.q(TestServer.TOKEN),
            "Content-Type",
            FORM,
            "Cookie",
            Console.SIGNIN_COOKIE + "=" + cookieNamed(page, Console.SIGNIN_COOKIE));
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
    return Console.SESSION_COOKIE + "=" + cookieNamed(signedIn, Console.SESSION_COOKIE);
  }

  HttpResponse<String> get(String cookie, String path) {
    return server.sendRaw("GET", path, null, "Cookie", cookie);
  }

  @Test
  void aBusyDatabase_isA503PageWithRetryAfter() throws Exception {
    PgTestDatabase.require(db);
    String cookie = signIn();
    assertThat(get(cookie, "/console/audit").statusCode()).isEqualTo(200);
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      // The audit page's query waits for the lock past the statement timeout: the database is
      // busy, as the API's 503 says it.
      s.execute("LOCK TABLE journal IN ACCESS EXCLUSIVE MODE");
      HttpResponse<String> r = get(cookie, "/console/audit");
      c.rollback();
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
      assertThat(r.body())
          .contains("Try again")
          .doesNotContain("Exception")
          .doesNotContain("at io.");
    }
    assertThat(get(cookie, "/console/audit").statusCode()).isEqualTo(200);
  }

  @Test
  void aCursorPast2To31_isTheNextPage_andABadCursorIs400() throws Exception {
    PgTestDatabase.require(db);
    journal(3_000_000_000L, 2, "past-int-", 10);
    String cookie = signIn();
    String id =
        TestServer.json(
                server.send(
                    "GET",
                    TestServer.SCIM + "/Users?filter=" + TestServer.q("userName eq \"bjensen\""),
                    null))
            .path("Resources")
            .path(0)
            .path("id")
            .asText();
    assertThat(id).isNotEmpty();
    assertThat(get(cookie, "/console/audit").body()).contains(id);
    // The page after entry 3,000,000,001: the one entry past it, not the trail's first page.
    HttpResponse<String> r = get(cookie, "/console/audit?after=3000000001");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).contains("past-int-2").doesNotContain("past-int-1").doesNotContain(id);
    for (String bad : new String[] {"abc", "-5", "99999999999999999999"}) {
      HttpResponse<String> refused = get(cookie, "/console/audit?after=" + bad);
      assertThat(refused.statusCode()).as(bad + ": " + refused.body()).isEqualTo(400);
      assertThat(refused.body()).contains("journal number");
      refused = get(cookie, "/console/users/" + id + "?after=" + bad);
      assertThat(refused.statusCode()).as(bad + ": " + refused.body()).isEqualTo(400);
    }
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void anExportWhoseDatabaseConnectionDiesMidway_isABrokenDownload() throws Exception {
    PgTestDatabase.require(db);
    journal(1_000_000L, PADDED_ENTRIES, "pad-", 1_000);
    String cookie = signIn();
    try (Socket socket = new Socket()) {
      // A small window: the server blocks writing long before it has read the whole trail.
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
      socket.setSoTimeout(60_000);
      OutputStream o = socket.getOutputStream();
      o.write(
          ("GET /console/audit/export HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: "
                  + cookie
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      while (got.size() < 8192) {
        int n = in.read(buf);
        assertThat(n).isPositive();
        got.write(buf, 0, n);
      }
      String head = got.toString(StandardCharsets.ISO_8859_1);
      assertThat(head)
          .startsWith("HTTP/1.1 200")
          .containsIgnoringCase("transfer-encoding: chunked");
      Thread.sleep(1000);
      // The database drops the export's connection while it waits for the client.
      sql(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
              + " current_database() AND pid <> pg_backend_pid()");
      int n;
      while ((n = in.read(buf)) > 0) {
        got.write(buf, 0, n);
      }
      String all = got.toString(StandardCharsets.ISO_8859_1);
      assertThat(all.length()).isGreaterThan(8192);
      // No last chunk: the client sees the transfer broken, not a complete file.
      assertThat(all).doesNotEndWith("\r\n0\r\n\r\n");
      assertThat(all).doesNotContain("pad-" + PADDED_ENTRIES + "\"");
    }
  }

  private static String csrf(HttpResponse<String> page) {
    Matcher m = CSRF.matcher(page.body());
    assertThat(m.find()).as(page.body()).isTrue();
    return m.group(1);
  }

  private static String cookieNamed(HttpResponse<String> r, String name) {
    String c =
        r.headers().allValues("Set-Cookie").stream()
            .filter(x -> x.startsWith(name + "="))
            .findFirst()
            .orElseThrow();
    int semi = c.indexOf(';');
    return c.substring(name.length() + 1, semi < 0 ? c.length() : semi);
  }
}
