package io.scimd.store.jdbc;

import io.scimd.core.error.ScimException;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AccessRecords;
import io.scimd.store.AuditTrail;
import io.scimd.store.Credentials;
import io.scimd.store.HubRecords;
import io.scimd.store.OAuthRecords;
import io.scimd.store.RateUsage;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoreTx;
import io.scimd.store.Tenants;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.flywaydb.core.Flyway;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The store on one SQLite file, {@code scimd.db} in the data directory: the embedded default.
 *
 * <p>SQLite has one writer at a time, so the store keeps exactly one write connection behind a
 * lock, and each {@link #write} is a {@code BEGIN IMMEDIATE} transaction on it; a small pool of
 * reader connections serves {@link #read}, which in WAL mode never waits for a writer and sees one
 * snapshot for its whole duration. {@code synchronous=FULL} makes a returned write durable across
 * power loss, not only across a crash of the process. The schema is migrated by Flyway on open
 * (docs/decisions/0004-store-on-sqlite.md). The data directory and the database files are its
 * owner's only ({@link PrivateFiles}).
 */
final class SqliteStore implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteStore.class);

  /** The schema version of {@link IdentifierKeys}: after V10__oauth.sql. */
  static final String IDENTIFIER_KEYS = "11";

  private static final int READERS = 4;
  private static final int BUSY_TIMEOUT_MS = 10_000;

  private final Dialect dialect = new SqliteDialect();
  private final ChainEnds ends = new ChainEnds();
  private final SchemaRegistry registry;
  private final MicroClock clock;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final Conn writer;
  private final BlockingQueue<Conn> readers;
  private final List<Conn> allReaders = new ArrayList<>();
  private final JdbcCredentials credentials;
  private final JdbcAuditTrail audit;
  private final JdbcOAuthRecords oauth;
  private final JdbcTenants tenants;
  private final JdbcRateUsage rateUsage;
  private final JdbcHubRecords hub;
  private final JdbcAccessRecords access;
  private volatile boolean closed;

  private SqliteStore(String url, SchemaRegistry registry, InstantSource clock)
      throws SQLException {
    this.registry = registry;
    this.writer = connect(url, false);
    this.readers = new ArrayBlockingQueue<>(READERS);
    try {
      for (int i = 0; i < READERS; i++) {
        Conn r = connect(url, true);
        allReaders.add(r);
        readers.add(r);
      }
      long last;
      try (ResultSet rs =
          writer
              .jdbc
              .createStatement()
              .executeQuery("SELECT COALESCE(MAX(last_modified), 0) FROM resources")) {
        rs.next();
        last = rs.getLong(1);
      }
      this.clock = new MicroClock(clock, last);
    } catch (SQLException | RuntimeException e) {
      allReaders.forEach(Conn::close);
      writer.close();
      throw e;
    }
    ConnRunner runner =
        new ConnRunner() {
          @Override
          public <T> T inRead(SqlWork<T> work) {
            return SqliteStore.this.inRead(work);
          }

          @Override
          public <T> T inWrite(SqlWork<T> work) {
            return SqliteStore.this.inWrite(work);
          }
        };
    this.credentials = new JdbcCredentials(runner, this::writeTx, dialect, clock);
    this.audit = new JdbcAuditTrail(runner, this::writeTx, dialect, clock);
    this.oauth = new JdbcOAuthRecords(runner, clock);
    this.tenants = new JdbcTenants(runner, this::writeTx, dialect, registry, clock);
    this.rateUsage = new JdbcRateUsage(runner);
    this.hub = new JdbcHubRecords(runner, this::writeTx, false);
    this.access = new JdbcAccessRecords(runner, this::writeTx);
  }

  /**
   * Opens (creating and migrating when needed) the store in {@code dataDir/scimd.db}.
   *
   * @param clock the source of {@code meta.created}/{@code meta.lastModified}
   */
  static SqliteStore open(Path dataDir, SchemaRegistry registry, InstantSource clock) {
    Path file = dataDir.resolve("scimd.db");
    List<String> warnings = new ArrayList<>();
    try {
      warnings.addAll(PrivateFiles.directory(dataDir));
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the data directory " + dataDir + ": " + e, e);
    }
    try {
      warnings.addAll(PrivateFiles.file(file));
      warnings.addAll(PrivateFiles.existing(dataDir.resolve("scimd.db-wal")));
      warnings.addAll(PrivateFiles.existing(dataDir.resolve("scimd.db-shm")));
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the database file " + file + ": " + e, e);
    }
    warnings.forEach(LOG::warn);
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    try {
      // WAL is a property of the file: set it once before anything else opens it.
      connect(url, false).close();
      Flyway.configure(SqliteStore.class.getClassLoader())
          .dataSource(url, "", "")
          .locations(new SqliteDialect().migrations())
          .javaMigrations(new IdentifierKeys(IDENTIFIER_KEYS, registry))
          .failOnMissingLocations(true)
          .load()
          .migrate();
      return new SqliteStore(url, registry, clock);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open the store at " + url + ": " + e.getMessage(), e);
    }
  }

  private static Conn connect(String url, boolean reader) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.enforceForeignKeys(true);
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    // The store never asks for generated keys. Left on, the driver matches every statement against
    // an INSERT pattern and runs a second query after each insert: a tenth of a member PATCH.
    config.setGetGeneratedKeys(false);
    Conn c = new Conn(config.createConnection(url));
    // 8 MiB of page cache per connection (five of them): the upper levels of the indexes stay in
    // it, and a miss is a read from the OS page cache. 32 MiB each grew the server by 160 MB of
    // native memory under load (docs/benchmarks.md, RSS target).
    c.exec("PRAGMA cache_size = -8192");
    if (reader) {
      c.exec("PRAGMA query_only = 1");
    }
    return c;
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
    return inWrite(
        c -> {
          JdbcTx tx =
              new JdbcTx(c, dialect, registry, scope, new TenantClock(c, scope.tenant()), ends);
          try {
            return work.apply(tx);
          } finally {
            tx.close();
          }
        });
  }

  /**
   * The store's clock, for one write transaction of one tenant: its first tick checks that the
   * tenant exists (a primary-key probe), so that a request whose credential was verified just
   * before its tenant was deleted cannot leave rows behind it. The single writer makes the check
   * hold until commit. Every write ticks before it changes anything.
   */
  private final class TenantClock implements WriteClock {
    private final Conn c;
    private final String tenant;
    private boolean checked;

    TenantClock(Conn c, String tenant) {
      this.c = c;
      this.tenant = tenant;
    }

    @Override
    public long next() {
      if (!checked) {
        boolean exists =
            JdbcTx.sql(
                () -> {
                  PreparedStatement ps = c.ps("SELECT 1 FROM tenants WHERE name = ?");
                  ps.setString(1, tenant);
                  try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                  }
                });
        if (!exists) {
          throw JdbcTenants.noSuchTenant(tenant);
        }
        checked = true;
      }
      return clock.next();
    }
  }

  private <T> T inRead(SqlWork<T> work) {
    ensureOpen();
    Conn c;
    try {
      c = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ScimException.unavailable("interrupted while waiting for a database connection");
    }
    try {
      c.exec(dialect.beginRead());
      try {
        return work.run(c);
      } finally {
        c.exec("ROLLBACK"); // nothing to keep: ends the snapshot
      }
    } catch (SQLException e) {
      throw JdbcFailures.of(e);
    } finally {
      readers.add(c);
    }
  }

  /**
   * Runs {@code work} in a write transaction on the one writer, committed before this returns.
   *
   * <p><b>Group commit.</b> Each commit with {@code synchronous=FULL} waits for the disk (an fsync
   * of the WAL, a millisecond or more), and one writer at a time means one fsync per write was the
   * ceiling on writes a second: when deliveries or anything else took CPU from the writer, the
   * IdP's writes queued behind it without bound. So a caller enqueues its work and takes the
   * writer; whoever holds it runs every work waiting then (at most {@link #MAX_GROUP}), each in a
   * savepoint of one transaction, and commits them with one fsync. A work that fails is rolled back
   * to its savepoint alone and its caller gets its exception; the others commit. Nobody hears of
   * success before the commit that made their write durable, and a commit that fails fails every
   * work in it. Works are run in the order they arrived, so the order of commits is theirs. A write
   * alone runs as before, without a savepoint.
   */
  private <T> T inWrite(SqlWork<T> work) {
    ensureOpen();
    if (writeLock.isHeldByCurrentThread()) {
      throw new IllegalStateException("Store.write called inside a write: use the StoreTx given");
    }
    PendingWrite<T> mine = new PendingWrite<>(work);
    waiting.add(mine);
    writeLock.lock();
    try {
      if (!mine.done) {
        ensureOpen();
        runGroup();
      }
    } finally {
      writeLock.unlock();
    }
    return mine.outcome();
  }

  /** The most works one commit takes, so that no caller waits behind an unbounded group. */
  static final int MAX_GROUP = 64;

  /** Works waiting for the writer, in arrival order; drained by whoever holds the writer. */
  private final java.util.concurrent.ConcurrentLinkedQueue<PendingWrite<?>> waiting =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /**
   * One caller's work and, once the writer has run it, its outcome. Written by the holder of the
   * writer and read by the caller after it took the writer in turn, so the lock orders the two.
   */
  private static final class PendingWrite<T> {
    final SqlWork<T> work;
    @Nullable T result;
    @Nullable Throwable failure;
    boolean done;

    PendingWrite(SqlWork<T> work) {
      this.work = work;
    }

    void run(Conn c) throws SQLException {
      result = work.run(c);
    }

    void fail(Throwable t) {
      if (failure == null) {
        failure = t instanceof SQLException e ? JdbcFailures.of(e) : t;
      }
    }

    @SuppressWarnings("NullAway") // a work may return null, and its caller expects exactly that
    T outcome() {
      Throwable t = failure;
      if (t instanceof RuntimeException r) {
        throw r;
      }
      if (t instanceof Error e) {
        throw e;
      }
      if (t != null) {
        throw new IllegalStateException(t);
      }
      return result;
    }
  }

  /** Runs the waiting works as one transaction; the writer is held. */
  private void runGroup() {
    List<PendingWrite<?>> group = new ArrayList<>();
    for (PendingWrite<?> p; group.size() < MAX_GROUP && (p = waiting.poll()) != null; ) {
      group.add(p);
    }
    try {
      writer.exec(dialect.beginWrite());
      if (group.size() == 1) {
        try {
          group.get(0).run(writer);
        } catch (Throwable t) {
          group.get(0).fail(t);
          rollback();
          return;
        }
      } else {
        runEachInSavepoint(group);
      }
      if (group.stream().allMatch(p -> p.failure != null)) {
        rollback();
        return;
      }
      try {
        writer.exec("COMMIT");
      } catch (SQLException e) {
        rollback();
        group.forEach(p -> p.fail(e));
      }
    } catch (SQLException | RuntimeException | Error e) {
      // BEGIN failed, or the transaction was lost under a work (an I/O error): nothing holds
      rollback();
      group.forEach(p -> p.fail(e));
    } finally {
      group.forEach(p -> p.done = true);
    }
  }

  private void runEachInSavepoint(List<PendingWrite<?>> group) throws SQLException {
    for (PendingWrite<?> p : group) {
      writer.exec("SAVEPOINT group_write");
      try {
        p.run(writer);
        writer.exec("RELEASE group_write");
      } catch (Throwable t) {
        p.fail(t);
        // Throws when the transaction itself is gone, failing the whole group.
        writer.exec("ROLLBACK TO group_write");
        writer.exec("RELEASE group_write");
      }
    }
  }

  private void rollback() {
    try {
      writer.exec("ROLLBACK");
    } catch (SQLException e) {
      // SQLite may already have rolled back (e.g. after an I/O error); nothing is left to undo
    }
  }

  /** Test seam: {@code observer} sees the SQL of every statement the store runs; null stops it. */
  void observeStatements(
      java.util.function.@org.jspecify.annotations.Nullable Consumer<String> observer) {
    writer.observer = observer;
    allReaders.forEach(r -> r.observer = observer);
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

  /** One statement on a reader, in autocommit: its own snapshot, no BEGIN or ROLLBACK. */
  @Override
  public long journalHead(String tenant) {
    ensureOpen();
    Conn c;
    try {
      c = readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw ScimException.unavailable("interrupted while waiting for a database connection");
    }
    try {
      return Journal.head(c, tenant);
    } catch (SQLException e) {
      throw JdbcFailures.of(e);
    } finally {
      readers.add(c);
    }
  }

  /**
   * Runs {@code SELECT 1} on a reader, waiting at most {@link #HEALTH_TIMEOUT_MS} for a free one.
   */
  @Override
  public boolean healthy() {
    if (closed) {
      return false;
    }
    Conn c;
    try {
      c = readers.poll(HEALTH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    if (c == null) {
      return false;
    }
    try (Statement s = c.jdbc.createStatement();
        ResultSet rs = s.executeQuery("SELECT 1")) {
      return !closed && rs.next() && rs.getInt(1) == 1;
    } catch (SQLException | RuntimeException e) {
      return false;
    } finally {
      readers.add(c);
    }
  }

  @Override
  public String migrations() {
    if (closed) {
      return "unknown";
    }
    Conn c;
    try {
      c = readers.poll(HEALTH_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
    if (c == null) {
      return "unknown";
    }
    try {
      return FlywayHistory.of(c.jdbc);
    } finally {
      readers.add(c);
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the store is closed");
    }
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      writer.close();
    } finally {
      writeLock.unlock();
    }
    // Readers in use finish their work first: take each back before closing it.
    for (int i = 0; i < allReaders.size(); i++) {
      try {
        readers.take().close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        allReaders.forEach(Conn::close);
        return;
      }
    }
  }
}
