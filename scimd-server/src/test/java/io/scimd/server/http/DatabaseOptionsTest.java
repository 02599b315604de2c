package io.scimd.server.http;

import static io.scimd.server.http.TestServer.JSON;
import static io.scimd.server.http.TestServer.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.server.Main;
import io.scimd.server.ScimServer;
import io.scimd.store.PgTestDatabase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The database options of the command line, run in-process against the real server: {@code --db}
 * and its pool flags, {@code --no-migrate} with {@code scimd migrate}, the refusals to start, and
 * {@code /health} reporting the database on both stores.
 */
class DatabaseOptionsTest {
  @TempDir Path dir;
  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  CommandLine cli(Map<String, String> env, CompletableFuture<ScimServer> started) {
    out = new StringWriter();
    err = new StringWriter();
    CommandLine cl = Main.commandLine(env, started::complete);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl;
  }

  int run(String... args) {
    return cli(Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN), new CompletableFuture<>())
        .execute(args);
  }

  /**
   * Runs {@code serve args}, hands the started server to {@code check}, stops it, and returns the
   * exit code.
   */
  int serve(Map<String, String> env, ServerCheck check, String... args) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.putIfAbsent("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN);
    CompletableFuture<ScimServer> started = new CompletableFuture<>();
    CommandLine cl = cli(all, started);
    String[] full = new String[args.length + 3];
    full[0] = "serve";
    full[1] = "--port";
    full[2] = "0";
    System.arraycopy(args, 0, full, 3, args.length);
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute(full));
    TestServer server =
        CompletableFuture.anyOf(started, exit).get(60, TimeUnit.SECONDS) instanceof ScimServer s
            ? TestServer.of(s)
            : null;
    if (server == null) {
      return exit.get();
    }
    try {
      check.accept(server);
    } finally {
      server.close();
    }
    return exit.get(30, TimeUnit.SECONDS);
  }

  interface ServerCheck {
    void accept(TestServer server) throws Exception;
  }

  @Test
  void serve_unreachableDatabase_exitsOneWithOneLineNamingItWithoutThePassword() throws Exception {
    long start = System.nanoTime();
    int code =
        serve(
            Map.of(),
            s -> {
              throw new AssertionError("started without a database");
            },
            "--db",
            "jdbc:postgresql://127.0.0.1:1/scimd?user=scimd&password=s3cret",
            "--db-connect-timeout",
            "1s");
    assertThat(code).as(err.toString()).isEqualTo(1);
    assertThat(err.toString())
        .startsWith(
            "scimd: cannot start: cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/scimd")
        .contains("password=***")
        .doesNotContain("s3cret");
    assertThat(err.toString().strip().lines()).hasSize(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("bounded by the connect timeout")
        .isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void serve_dbFromEnvironment_isUsed() throws Exception {
    int code =
        serve(
            Map.of(
                "SCIMD_DB",
                "jdbc:postgresql://127.0.0.1:1/scimd?user=scimd",
                "SCIMD_DB_CONNECT_TIMEOUT",
                "500ms"),
            s -> {
              throw new AssertionError("started without a database");
            });
    assertThat(code).isEqualTo(1);
    assertThat(err.toString())
        .contains("cannot connect to PostgreSQL at jdbc:postgresql://127.0.0.1:1/scimd");
  }

  @Test
  void serve_otherJdbcUrl_isAnInvalidConfiguration() throws Exception {
    int code = serve(Map.of(), s -> {}, "--db", "jdbc:mysql://127.0.0.1/scimd");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: unsupported database URL jdbc:mysql:");
  }

  @Test
  void serve_urlThatRewritesBatches_isAnInvalidConfiguration() throws Exception {
    int code =
        serve(
            Map.of(),
            s -> {},
            "--db",
            "jdbc:postgresql://127.0.0.1:1/scimd?reWriteBatchedInserts=true");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("scimd: invalid configuration: reWriteBatchedInserts=true is not supported");
  }

  @Test
  void serve_unusablePoolValues_areInvalidConfigurations() throws Exception {
    String url = "jdbc:postgresql://127.0.0.1:1/scimd";
    assertThat(serve(Map.of(), s -> {}, "--db", url, "--db-pool-size", "0")).isEqualTo(2);
    assertThat(err.toString())
        .contains("invalid configuration")
        .contains("maxPoolSize must be at least 1");
    assertThat(serve(Map.of(), s -> {}, "--db", url, "--db-connect-timeout", "10")).isEqualTo(2);
    assertThat(err.toString()).contains("--db-connect-timeout").contains("needs a unit");
    assertThat(serve(Map.of(), s -> {}, "--db", url, "--db-statement-timeout", "soon"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("--db-statement-timeout").contains("not a duration");
  }

  @Test
  void migrate_withoutDb_isAnInvalidConfiguration() {
    assertThat(run("migrate")).isEqualTo(2);
    assertThat(err.toString()).contains("migrate needs --db");
  }

  @Test
  void health_onSqlite_reportsTheDatabaseUp() throws Exception {
    int code =
        serve(
            Map.of(),
            s -> {
              HttpResponse<String> r = s.send("GET", "/health", null);
              assertThat(r.statusCode()).isEqualTo(200);
              assertThat(json(r))
                  .isEqualTo(JSON.readTree("{\"status\":\"UP\",\"database\":\"UP\"}"));
              assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
            },
            "--data",
            dir.toString());
    assertThat(code).as(err.toString()).isZero();
  }

  @Test
  void serveOnPostgres_noMigrateRefusesUntilMigrateRan_thenServesAndReportsHealth()
      throws Exception {
    try (PgTestDatabase db = PgTestDatabase.create()) {
      String url = db.url();
      int refused = serve(Map.of(), s -> {}, "--db", url, "--no-migrate");
      assertThat(refused).isEqualTo(1);
      assertThat(err.toString()).contains("needs migrations").contains("scimd migrate");

      assertThat(run("migrate", "--db", url)).as(err.toString()).isZero();
      // It says which migrations it applied, the first and the ones after it.
      assertThat(out.toString())
          .containsPattern("scimd: applied \\d+ migrations: 1 \\(.+\\), 2 \\(")
          .contains("now up to date");
      assertThat(err.toString()).contains("store: PostgreSQL at ").doesNotContain("password=");
      assertThat(run("migrate", "--db", url)).as("idempotent: " + err).isZero();
      assertThat(out.toString())
          .isEqualTo("scimd: the database schema was already up to date; no migration to apply\n");

      Map<String, String> env = Map.of("SCIMD_MIGRATE", "false", "SCIMD_DB_POOL_SIZE", "3");
      int code =
          serve(
              env,
              s -> {
                HttpResponse<String> r = s.send("GET", "/health", null);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(json(r))
                    .isEqualTo(JSON.readTree("{\"status\":\"UP\",\"database\":\"UP\"}"));
                assertThat(s.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200);
              },
              "--db",
              url,
              "--db-statement-timeout",
              "10s");
      assertThat(code).as(err.toString()).isZero();
    }
  }

  @Test
  void health_onPostgres_afterTheDatabaseIsDropped_is503Down() throws Exception {
    PgTestDatabase db = PgTestDatabase.create();
    boolean dropped = false;
    try {
      int code =
          serve(
              Map.of(),
              s -> {
                assertThat(s.send("GET", "/health", null).statusCode()).isEqualTo(200);
                db.close(); // DROP DATABASE ... WITH (FORCE): every pooled connection is terminated
                long start = System.nanoTime();
                HttpResponse<String> r = s.send("GET", "/health", null);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                JsonNode body = json(r);
                assertThat(body.path("status").asText()).isEqualTo("DOWN");
                assertThat(body.path("database").asText()).isEqualTo("DOWN");
                assertThat(body.path("detail").asText()).contains("did not answer");
                assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isLessThan(Duration.ofSeconds(5));
              },
              "--db",
              db.url());
      dropped = true;
      assertThat(code).as(err.toString()).isZero();
    } finally {
      if (!dropped) {
        db.close();
      }
    }
  }

  @Test
  void serve_schemaNewerThanTheCode_exitsOneWithAClearMessage() throws Exception {
    try (PgTestDatabase db = PgTestDatabase.create()) {
      assertThat(run("migrate", "--db", db.url())).as(err.toString()).isZero();
      try (Connection c = db.connect();
          Statement st = c.createStatement()) {
        st.execute(
            "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
                + " checksum, installed_by, execution_time, success)"
                + " VALUES (999, '999', 'from the future', 'SQL', 'V999__from_the_future.sql', 0, 'test', 0, TRUE)");
      }
      int code = serve(Map.of(), s -> {}, "--db", db.url());
      assertThat(code).isEqualTo(1);
      assertThat(err.toString())
          .startsWith("scimd: cannot start: the database at jdbc:postgresql://")
          .contains("schema version 999")
          .contains("newer than this scimd");
      assertThat(err.toString().strip().lines()).hasSize(1);
    }
  }

  @Test
  void tokenCreate_onPostgres_printsATokenThatANodeOnTheSameDatabaseAccepts() throws Exception {
    try (PgTestDatabase db = PgTestDatabase.create()) {
      int created =
          cli(Map.of(), new CompletableFuture<>())
              .execute("token", "create", "--name", "okta", "--db", db.url());
      assertThat(created).as(err.toString()).isZero();
      Matcher m = Pattern.compile("SCIMD_TOKEN=(\\S+)").matcher(out.toString());
      assertThat(m.find()).as(out.toString()).isTrue();
      String token = m.group(1);
      int code =
          serve(
              Map.of(),
              s -> {
                assertThat(
                        s.sendRaw("GET", "/scim/v2/Users", null, "Authorization", "Bearer " + token)
                            .statusCode())
                    .isEqualTo(200);
              },
              "--db",
              db.url());
      assertThat(code).as(err.toString()).isZero();
    }
  }
}
