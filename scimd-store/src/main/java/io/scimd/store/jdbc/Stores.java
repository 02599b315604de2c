package io.scimd.store.jdbc;

import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.PoolSettings;
import io.scimd.store.Store;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;

/**
 * Opens the JDBC stores: the store a location names ({@code --db} / {@code SCIMD_DB}), or the
 * SQLite or PostgreSQL store by name. Public because it is this package's only way in: the stores
 * themselves are package-private, so callers see nothing but the store contract ({@link Store}).
 */
public final class Stores {
  private Stores() {}

  /**
   * A {@code jdbc:postgresql:} URL opens the PostgreSQL store ({@link #postgres}); anything else is
   * a data directory for the SQLite store ({@link #sqlite}, the default). {@code settings} apply to
   * PostgreSQL only.
   *
   * @throws IllegalArgumentException for another JDBC URL
   * @throws IllegalStateException when the store cannot be opened (see {@link #sqlite} and {@link
   *     #postgres})
   */
  public static Store open(
      String location, SchemaRegistry registry, InstantSource clock, PoolSettings settings) {
    if (location.startsWith("jdbc:postgresql:")) {
      return postgres(location, registry, clock, settings);
    }
    if (location.startsWith("jdbc:")) {
      throw new IllegalArgumentException(
          "unsupported database URL "
              + PostgresStore.redact(location)
              + ": give a jdbc:postgresql:// URL or a data directory for SQLite");
    }
    return sqlite(Path.of(location), registry, clock);
  }

  /**
   * The SQLite store in {@code dataDir/scimd.db}, created and migrated when needed: the embedded
   * default (docs/decisions/0004-store-on-sqlite.md). A directory or database file it creates is
   * readable by its owner only; one that exists with looser permissions is logged, not changed.
   *
   * @param clock the source of {@code meta.created}/{@code meta.lastModified}
   * @throws IllegalStateException when the database cannot be opened or migrated
   */
  public static Store sqlite(Path dataDir, SchemaRegistry registry, InstantSource clock) {
    return SqliteStore.open(dataDir, registry, clock);
  }

  /**
   * The PostgreSQL store on the database at {@code jdbcUrl} ({@code
   * jdbc:postgresql://host:5432/scimd?user=scimd&password=...}), its schema migrated first unless
   * {@code settings} say not to (docs/decisions/0005-store-on-postgresql.md).
   *
   * @param clock the source of {@code meta.created}/{@code meta.lastModified}; the database keeps
   *     them strictly increasing across nodes whose clocks differ
   * @throws IllegalArgumentException for a URL that is no PostgreSQL JDBC URL, or one with options
   *     the store cannot work with
   * @throws IllegalStateException when the database cannot be reached (the message names the URL,
   *     without its password), when its schema is newer than this code, or when migrations are
   *     pending and {@code settings.migrate()} is false
   */
  public static Store postgres(
      String jdbcUrl, SchemaRegistry registry, InstantSource clock, PoolSettings settings) {
    return PostgresStore.open(jdbcUrl, registry, clock, settings);
  }

  /**
   * Applies the pending migrations to the PostgreSQL database at {@code jdbcUrl} and returns those
   * it applied, each as {@code VERSION (description)}, oldest first (none: it was up to date): what
   * {@code scimd migrate} runs when nodes start with {@link PoolSettings#migrate()} false. {@code
   * registry} must be the nodes' (their {@code --schemas}): it says which attributes' keys a
   * migration recomputes (docs/decisions/0013-identifier-keys.md).
   *
   * @throws IllegalArgumentException as {@link #postgres} does
   * @throws IllegalStateException as {@link #postgres} does
   */
  public static List<String> migratePostgres(
      String jdbcUrl, SchemaRegistry registry, PoolSettings settings) {
    return PostgresStore.migrate(jdbcUrl, registry, settings);
  }

  /**
   * Copies the SQLite store in {@code dataDir} to the new file {@code to}, online: safe while a
   * server uses the store (one read snapshot, {@code VACUUM INTO}), then checks the copy ({@code
   * PRAGMA integrity_check}, the source's migration version) before giving it its name.
   *
   * @throws IllegalArgumentException when there is no store in {@code dataDir}, {@code to} exists
   *     or its directory does not
   * @throws IllegalStateException when the copy cannot be made or fails its checks (no file is left
   *     at {@code to})
   */
  public static Backup backupSqlite(Path dataDir, Path to) {
    return SqliteBackup.run(dataDir, to);
  }

  /**
   * A verified backup: the file, its size in bytes, its migration version, and how many resources
   * and journal entries it holds.
   */
  public record Backup(
      Path file,
      long bytes,
      String schemaVersion,
      long resources,
      long journalEntries,
      java.time.Duration took) {}

  /** {@code jdbcUrl} with any password replaced by {@code ***}: safe for messages and logs. */
  public static String redact(String jdbcUrl) {
    return PostgresStore.redact(jdbcUrl);
  }
}
