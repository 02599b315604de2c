package io.scimd.store.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AccessRecords;
import io.scimd.store.AuditTrail;
import io.scimd.store.Credentials;
import io.scimd.store.HubRecords;
import io.scimd.store.OAuthRecords;
import io.scimd.store.PoolSettings;
import io.scimd.store.RateUsage;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoreTx;
import io.scimd.store.Tenants;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationInfoService;
import org.flywaydb.core.api.MigrationState;
import org.jspecify.annotations.Nullable;

/**
 * The store on PostgreSQL, for many stateless scimd nodes on one database: pgjdbc behind a HikariCP
 * pool, the schema migrated by Flyway (docs/decisions/0005-store-on-postgresql.md).
 *
 * <p>Nodes share nothing but the database, so every guarantee lives there. Uniqueness is the {@code
 * unique_values} primary key (a second node's insert waits for the first's commit, then fails with
 * 409). Writes run at READ COMMITTED: {@link StoreTx#getForUpdate} locks the row ({@code FOR NO KEY
 * UPDATE}), adding members locks the group and the members against deletion ({@code FOR KEY SHARE})
 * and inserts rows with {@code ON CONFLICT DO NOTHING}, so concurrent adds never overwrite one
 * another; nesting groups takes a per-tenant advisory lock before the cycle check. {@code
 * meta.lastModified} comes from the tenant's {@code clocks} row, locked until commit, so it is
 * strictly increasing in commit order on every node. A transaction the database aborts (deadlock,
 * serialization failure) is run again, up to {@link PoolSettings#maxAttempts}: the work given to
 * {@link #write} must have no effect outside the transaction. Reads are one REPEATABLE READ READ
 * ONLY snapshot each.
 */
final class PostgresStore implements Store {
  private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&;]password=)[^&;]*");
  private static final Pattern USER_INFO = Pattern.compile("//([^/@:]*):[^/@]*@");
  private static final Pattern REWRITE_BATCHES =
      Pattern.compile("(?i)[?&;]reWriteBatchedInserts=true");

  private final Dialect dialect = new PostgresDialect();
  private final ChainEnds ends = new ChainEnds();
  private final HikariDataSource pool;
  private final SchemaRegistry registry;
  private final InstantSource clock;
  private final PoolSettings settings;
  private final JdbcCredentials credentials;
  private final JdbcAuditTrail audit;
  private final JdbcOAuthRecords oauth;
  private final JdbcTenants tenants;
  private final JdbcRateUsage rateUsage;
  private final JdbcHubRecords hub;
  private final JdbcAccessRecords access;
  // Not an option carrier: only the guard against a nested write, which would take a second
  // connection and could wait forever on the first one's locks.
  private final ThreadLocal<Boolean> writing = new ThreadLocal<>();
  private volatile @Nullable Consumer<String> observer;
  private volatile boolean closed;

  private PostgresStore(
      HikariDataSource pool, SchemaRegistry registry, InstantSource clock, PoolSettings settings) {
    this.pool = pool;
    this.registry = registry;
    this.clock = clock;
    this.settings = settings;
    ConnRunner runner =
        new ConnRunner() {
          @Override
          public <T> T inRead(SqlWork<T> work) {
            return PostgresStore.this.inRead(work);
          }

          @Override
          public <T> T inWrite(SqlWork<T> work) {
            return PostgresStore.this.retrying(work);
          }
        };
    this.credentials = new JdbcCredentials(runner, this::writeTx, dialect, clock);
    this.audit = new JdbcAuditTrail(runner, this::writeTx, dialect, clock);
    this.oauth = new JdbcOAuthRecords(runner, clock);
    this.tenants = new JdbcTenants(runner, this::writeTx, dialect, registry, clock);
    this.rateUsage = new JdbcRateUsage(runner);
    this.hub = new JdbcHubRecords(runner, this::writeTx, true);
    this.access = new JdbcAccessRecords(runner, this::writeTx);
  }

  /** The schema version of {@link IdentifierKeys}: after V8__oauth.sql. */
  static final String IDENTIFIER_KEYS = "9";

  /**
   * Opens the store on the database at {@code jdbcUrl} ({@code
   * jdbc:postgresql://host:5432/scimd?user=scimd&password=...}), migrating its schema first unless
   * {@code settings} say not to.
   *
   * @param clock the source of {@code meta.created}/{@code meta.lastModified}; the database keeps
   *     them strictly increasing across nodes whose clocks differ
   * @throws IllegalStateException when the database cannot be reached (the message names the URL,
   *     without its password), when its schema is newer than this code, or when migrations are
   *     pending and {@code settings.migrate()} is false
   */
  static PostgresStore open(
      String jdbcUrl, SchemaRegistry registry, InstantSource clock, PoolSettings settings) {
    HikariDataSource pool = pool(jdbcUrl, settings);
    try {
      prepareSchema(jdbcUrl, registry, settings.migrate());
      return new PostgresStore(pool, registry, clock, settings);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
  }

  /**
   * Applies the pending migrations to the database at {@code jdbcUrl} and returns: what {@code
   * scimd migrate} runs when nodes start with {@link PoolSettings#migrate()} false. {@code
   * registry} says which attributes are identifiers ({@link IdentifierKeys}): the nodes' own.
   *
   * @throws IllegalStateException as {@link #open} does
   */
  static List<String> migrate(String jdbcUrl, SchemaRegistry registry, PoolSettings settings) {
    // The pool only proves the database is there, with the same clear message as open.
    try (HikariDataSource pool = pool(jdbcUrl, settings.withMaxPoolSize(1))) {
      return prepareSchema(jdbcUrl, registry, true);
    }
  }

  /** The URL with any password replaced by {@code ***}: safe for messages and logs. */
  static String redact(String jdbcUrl) {
    String s = PASSWORD_PARAM.matcher(jdbcUrl).replaceAll("$1***");
    return USER_INFO.matcher(s).replaceAll("//$1:***@");
  }

  private static HikariDataSource pool(String jdbcUrl, PoolSettings settings) {
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database?user=...): "
              + redact(jdbcUrl));
    }
    if (REWRITE_BATCHES.matcher(jdbcUrl).find()) {
      // Rewritten batches report no per-row counts, and the store reads them to know which members
      // an add really added; a URL parameter overrides any data source property, so refuse it.
      throw new IllegalArgumentException(
          "reWriteBatchedInserts=true is not supported: scimd reads each row's update count; remove it from "
              + redact(jdbcUrl));
    }
    HikariConfig config = new HikariConfig();
    config.setPoolName("scimd-postgresql");
    config.setDriverClassName("org.postgresql.Driver");
    config.setJdbcUrl(jdbcUrl);
    config.setMaximumPoolSize(settings.maxPoolSize());
    config.setMinimumIdle(Math.min(2, settings.maxPoolSize()));
    config.setConnectionTimeout(settings.connectionTimeout().toMillis());
    // Fail on open, within the connection timeout, when no connection can be made at all.
    config.setInitializationFailTimeout(settings.connectionTimeout().toMillis());
    config.setAutoCommit(true); // transactions are explicit BEGIN ... COMMIT (Dialect)
    config.addDataSourceProperty("ApplicationName", "scimd");
    config.addDataSourceProperty(
        "connectTimeout", String.valueOf(Math.max(1, settings.connectionTimeout().toSeconds())));
    long statementMs = settings.statementTimeout().toMillis();
    config.setConnectionInitSql("SET statement_timeout = " + statementMs);
    try {
      return new HikariDataSource(config);
    } catch (HikariPool.PoolInitializationException e) {
      throw new IllegalStateException(
          "cannot connect to PostgreSQL at "
              + redact(jdbcUrl)
              + ": "
              + rootMessage(e)
              + " (is the server running, and do host, port, database, user and password match?)",
          e);
    }
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return String.valueOf(c.getMessage());
  }

  /**
   * Refuses a schema newer than this code (Flyway ignores unknown, "future", migrations by default:
   * a rolled-back node would run on tables it does not understand), then migrates or refuses
   * pending migrations.
   */
  private static List<String> prepareSchema(
      String jdbcUrl, SchemaRegistry registry, boolean migrate) {
    try {
      // Flyway connects by itself (it needs more than one connection at a time, which a small pool
      // may not have); user and password come from the URL.
      Flyway flyway =
          Flyway.configure(PostgresStore.class.getClassLoader())
              .dataSource(jdbcUrl, null, null)
              .locations(new PostgresDialect().migrations())
              .javaMigrations(new IdentifierKeys(IDENTIFIER_KEYS, registry))
              .failOnMissingLocations(true)
              .load();
      MigrationInfoService info = flyway.info();
      MigrationInfo[] future =
          Arrays.stream(info.applied())
              .filter(
                  m ->
                      m.getState() == MigrationState.FUTURE_SUCCESS
                          || m.getState() == MigrationState.FUTURE_FAILED)
              .toArray(MigrationInfo[]::new);
      if (future.length > 0) {
        MigrationInfo latestKnown = null;
        for (MigrationInfo m : info.all()) {
          if (m.getState() != MigrationState.FUTURE_SUCCESS
              && m.getState() != MigrationState.FUTURE_FAILED) {
            latestKnown = m;
          }
        }
        throw new IllegalStateException(
            "the database at "
                + redact(jdbcUrl)
                + " has schema version "
                + future[future.length - 1].getVersion()
                + ", newer than this scimd knows (up to "
                + (latestKnown == null ? "none" : latestKnown.getVersion())
                + "): run the scimd release that migrated it, or a newer one");
      }
      if (migrate) {
        return flyway.migrate().migrations.stream()
            .map(m -> m.version + " (" + m.description + ")")
            .toList();
      } else if (info.pending().length > 0) {
        throw new IllegalStateException(
            "the database at "
                + redact(jdbcUrl)
                + " needs migrations "
                + Arrays.stream(info.pending())
                    .map(m -> String.valueOf(m.getVersion()))
                    .collect(Collectors.joining(", "))
                + " and migrating on start is off: run 'scimd migrate' first");
      }
      return List.of();
    } catch (FlywayException e) {
      throw new IllegalStateException(
          "cannot migrate the schema of " + redact(jdbcUrl) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public <T> T read(Scope scope, Function<StoreReader, T> work) {
    return inRead(
        c -> {
          JdbcTx tx = new JdbcTx(c, dialect, registry, scope, null, ends);
          try {
            return work.apply(tx);
          } finally {
            tx.close();
          }
        });
  }

  @Override
  public <T> T write(Scope scope, Function<StoreTx, T> work) {
    return writeTx(scope, work::apply);
  }

  private <T> T writeTx(Scope scope, Function<JdbcTx, T> work) {
    return retrying(
        c -> {
          JdbcTx tx =
              new JdbcTx(c, dialect, registry, scope, new ClockRow(c, scope.tenant()), ends);
          try {
            return work.apply(tx);
          } finally {
            tx.close();
          }
        });
  }

  /**
   * The tenant's write clock in the {@code clocks} row: the first tick locks the row until commit,
   * so ticks are strictly increasing in commit order across nodes; the node's clock only moves it
   * forward. The price is that writes to one tenant commit one at a time from their first tick on
   * (docs/decisions/0005-store-on-postgresql.md).
   */
  private final class ClockRow implements WriteClock {
    private final Conn c;
    private final String tenant;

    ClockRow(Conn c, String tenant) {
      this.c = c;
      this.tenant = tenant;
    }

    @Override
    public long next() {
      long now = Docs.micros(clock.instant());
      return JdbcTx.sql(
          () -> {
            PreparedStatement ps =
                c.ps(
                    "UPDATE clocks SET micros = GREATEST(micros + 1, ?) WHERE tenant = ? RETURNING micros");
            ps.setLong(1, now);
            ps.setString(2, tenant);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                // No such tenant (deleted, perhaps while this write waited for its clock row).
                throw JdbcTenants.noSuchTenant(tenant);
              }
              return rs.getLong(1);
            }
          });
    }
  }

  /** Runs a write transaction, again when the database aborted it so that another could go on. */
  private <T> T retrying(SqlWork<T> work) {
    ensureOpen();
    if (Boolean.TRUE.equals(writing.get())) {
      throw new IllegalStateException("Store.write called inside a write: use the StoreTx given");
    }
    writing.set(Boolean.TRUE);
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          return inWrite(work);
        } catch (RuntimeException e) {
          if (!JdbcFailures.isTransient(e)) {
            throw e;
          }
          if (attempt >= settings.maxAttempts()) {
            throw ScimException.unavailable(
                "the database aborted the transaction "
                    + attempt
                    + " times because of concurrent writes: retry the request");
          }
          backOff(attempt);
        }
      }
    } finally {
      writing.remove();
    }
  }

  private static void backOff(int attempt) {
    // Jittered, growing pauses: two nodes that deadlocked must not collide again in lockstep.
    long maxMs = Math.min(200, 5L << attempt);
    try {
      Thread.sleep(ThreadLocalRandom.current().nextLong(1, maxMs + 1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ScimException.unavailable("interrupted while retrying a database transaction");
    }
  }

  private <T> T inRead(SqlWork<T> work) {
    return inTransaction(dialect.beginRead(), false, work);
  }

  private <T> T inWrite(SqlWork<T> work) {
    return inTransaction(dialect.beginWrite(), true, work);
  }

  private <T> T inTransaction(String begin, boolean commit, SqlWork<T> work) {
    ensureOpen();
    try (Conn c = borrow()) {
      c.exec(begin);
      T result;
      try {
        result = work.run(c);
      } catch (Throwable t) {
        rollback(c);
        throw t;
      }
      try {
        c.exec(commit ? "COMMIT" : "ROLLBACK");
      } catch (SQLException e) {
        rollback(c);
        throw e;
      }
      return result;
    } catch (SQLException e) {
      throw JdbcFailures.of(e);
    }
  }

  private Conn borrow() throws SQLException {
    Conn c = new Conn(pool.getConnection());
    c.observer = observer;
    return c;
  }

  private static void rollback(Conn c) {
    try {
      c.exec("ROLLBACK");
    } catch (SQLException e) {
      // a broken connection: the server has rolled back already; the pool discards the connection
    }
  }

  /** Test seam: {@code observer} sees the SQL of every statement the store runs; null stops it. */
  void observeStatements(@Nullable Consumer<String> observer) {
    this.observer = observer;
  }

  @Override
  public Credentials credentials() {
    return credentials;
  }

  @Override
  public AuditTrail audit() {
    return audit;
  }

  @Override
  public OAuthRecords oauth() {
    return oauth;
  }

  @Override
  public Tenants tenants() {
    return tenants;
  }

  @Override
  public HubRecords hub() {
    return hub;
  }

  @Override
  public AccessRecords access() {
    return access;
  }

  @Override
  public RateUsage rateUsage() {
    return rateUsage;
  }

  /**
   * One statement on a pooled connection in autocommit (READ COMMITTED: every committed entry), one
   * round trip; a read transaction would be three.
   */
  @Override
  public long journalHead(String tenant) {
    ensureOpen();
    try (Conn c = borrow()) {
      return Journal.head(c, tenant);
    } catch (SQLException e) {
      throw JdbcFailures.of(e);
    }
  }

  @Override
  public String migrations() {
    try (Connection c = pool.getConnection()) {
      return FlywayHistory.of(c);
    } catch (SQLException | RuntimeException e) {
      return "unknown";
    }
  }

  @Override
  public void reportPoolTo(Object meterRegistry) {
    // HikariCP's own Micrometer binding: hikaricp_connections_active, _idle, _pending, ...
    pool.setMetricRegistry(meterRegistry);
  }

  /**
   * Borrows a connection and runs {@code SELECT 1} on a virtual thread, waiting at most {@link
   * #HEALTH_TIMEOUT_MS}: the pool alone would wait its whole connection timeout for a database that
   * is gone. A pool exhausted by load also reports false, since requests would then wait too.
   */
  @Override
  public boolean healthy() {
    if (closed) {
      return false;
    }
    CompletableFuture<Boolean> answer = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("scimd-health")
        .start(
            () -> {
              try (Connection c = pool.getConnection();
                  Statement s = c.createStatement()) {
                s.setQueryTimeout((int) Math.max(1, HEALTH_TIMEOUT_MS / 1000));
                try (ResultSet rs = s.executeQuery("SELECT 1")) {
                  answer.complete(rs.next() && rs.getInt(1) == 1);
                }
              } catch (SQLException | RuntimeException e) {
                answer.complete(false);
              }
            });
    try {
      return answer.get(HEALTH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the store is closed");
    }
  }

  @Override
  public void close() {
    closed = true;
    pool.close();
  }
}
