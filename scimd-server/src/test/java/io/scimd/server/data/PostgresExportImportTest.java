package io.scimd.server.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.server.ServerConfig;
import io.scimd.server.http.TestServer;
import io.scimd.store.PgTestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ExportImportTest} with the stores on PostgreSQL, a fresh database for each, and the backup
 * procedure of docs/backup.md ({@code pg_dump -Fc}, {@code pg_restore}) run as written against a
 * real database, checked by a server started on the restored copy.
 */
class PostgresExportImportTest extends ExportImportTest {
  private final List<PgTestDatabase> dbs = new ArrayList<>();

  private PgTestDatabase database() {
    PgTestDatabase db = PgTestDatabase.require(PgTestDatabase.createOrSkipEachTest());
    dbs.add(db);
    return db;
  }

  @Override
  ServerConfig config() {
    return TestServer.config(database(), 4);
  }

  @Override
  ServerConfig emptyConfig() {
    return TestServer.config(database(), 4);
  }

  @BeforeEach
  @Override
  void start() throws Exception {
    super.start();
  }

  @AfterEach
  @Override
  void stop() {
    super.stop();
    dbs.forEach(PgTestDatabase::close);
  }

  /** {@code host}, {@code port} of the test PostgreSQL, as the documented commands take them. */
  private static String[] hostPort() {
    String server = System.getenv().getOrDefault("SCIMD_TEST_PG", "127.0.0.1:5432");
    int colon = server.lastIndexOf(':');
    return colon < 0
        ? new String[] {server, "5432"}
        : new String[] {server.substring(0, colon), server.substring(colon + 1)};
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (java.nio.file.Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static void run(Path dir, String... command) throws Exception {
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command) + "\n" + output).isZero();
  }

  @Test
  void theDocumentedPgDumpAndPgRestore_giveAServerThatServesTheSameDirectory() throws Exception {
    boolean tools = onPath("pg_dump") && onPath("pg_restore");
    if (!"true".equalsIgnoreCase(System.getenv("CI"))) {
      Assumptions.assumeTrue(
          tools, "pg_dump and pg_restore are not on PATH (.ci/run installs them)");
    }
    seed(server);
    String[] hp = hostPort();
    String source = config.database();
    String name = source.substring(source.lastIndexOf('/') + 1, source.indexOf('?'));
    // docs/backup.md, "Back up": while the servers run.
    run(
        tmp,
        "pg_dump",
        "-Fc",
        "-h",
        hp[0],
        "-p",
        hp[1],
        "-U",
        "postgres",
        "-d",
        name,
        "-f",
        "scimd.dump");
    // docs/backup.md, "Restore": into an empty database, then start scimd on it.
    ServerConfig restored = emptyConfig();
    String target = restored.database();
    String targetName = target.substring(target.lastIndexOf('/') + 1, target.indexOf('?'));
    run(
        tmp,
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "-h",
        hp[0],
        "-p",
        hp[1],
        "-U",
        "postgres",
        "-d",
        targetName,
        "scimd.dump");
    TestServer b = startOn(restored);
    assertSameDirectory(server, b);
    // The restored journal is the same chain: the audit trail verifies.
    assertThat(scimd(restored, "audit", "verify")).as(out + err).isZero();
  }
}
