package io.scimd.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL database of its own for one test class: {@code scimd_test_<epoch>_<random>} on the
 * server at {@code SCIMD_TEST_PG} (default {@code 127.0.0.1:5432}, user {@code postgres}, trust
 * auth), dropped afterwards, so test runs never see each other's data.
 *
 * <p>Public for the server's tests (the multi-node test), through scimd-store's test-jar.
 *
 * <p>Without a reachable server the tests are skipped with a message saying so, except when {@code
 * CI=true}: then they fail, because CI must prove the PostgreSQL store.
 */
public final class PgTestDatabase implements AutoCloseable {
  static final String SERVER = System.getenv().getOrDefault("SCIMD_TEST_PG", "127.0.0.1:5432");
  private static final String PARAMS = "?user=postgres&connectTimeout=3&ApplicationName=scimd-test";
  private static final long STALE_SECONDS = 6 * 3600;

  public final String name;

  private PgTestDatabase(String name) {
    this.name = name;
  }

  public static String url(String database) {
    return "jdbc:postgresql://" + SERVER + "/" + database + PARAMS;
  }

  public String url() {
    return url(name);
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url());
  }

  private static volatile String skipped;

  /**
   * Creates a fresh database; without PostgreSQL, returns null so that each test is then skipped by
   * {@link #require} (a class-level skip would show as no test at all), or fails in CI.
   */
  public static PgTestDatabase createOrSkipEachTest() {
    try {
      return create();
    } catch (org.opentest4j.TestAbortedException e) {
      if (skipped == null) {
        // Once per run, on the console: a skip count alone does not say that nothing was proven.
        System.err.println("WARNING: " + e.getMessage());
      }
      skipped = e.getMessage();
      return null;
    }
  }

  /** The database, or the test is skipped with the reason there is none. */
  public static PgTestDatabase require(PgTestDatabase db) {
    if (db == null) {
      Assumptions.abort(skipped == null ? "PostgreSQL tests were skipped" : skipped);
    }
    return db;
  }

  /** Creates a fresh database, or skips (fails in CI) when there is no PostgreSQL. */
  public static PgTestDatabase create() {
    Connection admin;
    try {
      admin = DriverManager.getConnection(url("postgres"));
    } catch (SQLException e) {
      String why = "no PostgreSQL at " + SERVER + " (" + e.getMessage() + ")";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        throw new IllegalStateException(
            "CI=true but the PostgreSQL tests cannot run: "
                + why
                + ". .ci/run must start PostgreSQL before the build.",
            e);
      }
      Assumptions.abort(
          "PostgreSQL tests were skipped: "
              + why
              + ". Start PostgreSQL (trust auth for user postgres) or set SCIMD_TEST_PG=host:port;"
              + " with CI=true these tests fail instead of skipping.");
      throw new AssertionError("unreachable");
    }
    String name =
        "scimd_test_"
            + (System.currentTimeMillis() / 1000)
            + "_"
            + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (admin;
        Statement s = admin.createStatement()) {
      dropStale(s);
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create the test database " + name + ": " + e.getMessage(), e);
    }
    return new PgTestDatabase(name);
  }

  /** Databases of test runs that died before dropping theirs. */
  private static void dropStale(Statement s) throws SQLException {
    List<String> stale = new ArrayList<>();
    long now = System.currentTimeMillis() / 1000;
    try (ResultSet rs =
        s.executeQuery("SELECT datname FROM pg_database WHERE datname LIKE 'scimd\\_test\\_%'")) {
      while (rs.next()) {
        String[] parts = rs.getString(1).split("_");
        if (parts.length == 4
            && parts[2].matches("\\d+")
            && now - Long.parseLong(parts[2]) > STALE_SECONDS) {
          stale.add(rs.getString(1));
        }
      }
    }
    for (String n : stale) {
      s.execute("DROP DATABASE IF EXISTS " + n + " WITH (FORCE)");
    }
  }

  /**
   * Empties the store's tables, leaves only the tenant {@code default} and resets its write clock:
   * a fresh database for the next test.
   */
  public void truncate() {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute(
          "TRUNCATE resources, unique_values, members, credentials, clients, oauth_keys, oauth_assertions, journal, member_events, audit_checkpoints, audit_keys, rate_usage, targets, deliveries, dead_letters, remote_ids, target_notes RESTART IDENTITY");
      s.execute("DELETE FROM tenants WHERE name <> 'default'");
      s.execute("DELETE FROM clocks WHERE tenant <> 'default'");
      s.execute("UPDATE clocks SET micros = 0, journal_seq = 0");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try (Connection admin = DriverManager.getConnection(url("postgres"));
        Statement s = admin.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name.toLowerCase(Locale.ROOT) + " WITH (FORCE)");
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot drop the test database " + name + ": " + e.getMessage(), e);
    }
  }
}
