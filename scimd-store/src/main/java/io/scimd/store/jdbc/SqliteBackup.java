package io.scimd.store.jdbc;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.sqlite.SQLiteConfig;

/**
 * An online backup of the SQLite store: {@code VACUUM INTO} a new file, which reads the database in
 * one read transaction (in WAL mode it neither blocks the server's writer nor is blocked by it), so
 * the copy is the database as of one commit, whatever the server writes meanwhile. The copy is
 * written beside the destination as {@code NAME.partial} ({@code 0600}), checked ({@code PRAGMA
 * integrity_check}, the same migration version as the source), and only then renamed to the
 * destination: a destination that exists is always a complete, verified backup
 * (docs/decisions/0025-export-import-backup.md).
 */
final class SqliteBackup {
  private static final int BUSY_TIMEOUT_MS = 30_000;

  private SqliteBackup() {}

  static Stores.Backup run(Path dataDir, Path to) {
    Path source = dataDir.resolve("scimd.db");
    if (!Files.isRegularFile(source)) {
      throw new IllegalArgumentException(
          "no scimd store in " + dataDir.toAbsolutePath().normalize() + " (give --data or --db)");
    }
    Path target = to.toAbsolutePath().normalize();
    if (Files.exists(target)) {
      throw new IllegalArgumentException(
          "the backup file " + target + " exists already: give a new file name");
    }
    Path parent = target.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          "the directory of the backup file " + target + " does not exist");
    }
    if (target.equals(source.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("the backup file cannot be the store's own database");
    }
    Path partial = target.resolveSibling(target.getFileName() + ".partial");
    long started = System.nanoTime();
    try {
      Files.deleteIfExists(partial);
      // VACUUM INTO takes an empty file: create it private first, as the store's own files are.
      PrivateFiles.file(partial);
      String sourceVersion;
      try (Connection c = connect(source, true)) {
        sourceVersion = snapshot(c).version();
        // Not in a transaction of ours: VACUUM INTO runs its own read transaction, one snapshot.
        try (PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
          ps.setString(1, partial.toString());
          ps.execute();
        }
      }
      Snapshot copied;
      try (Connection copy = connect(partial, false)) {
        List<String> problems = integrity(copy);
        if (!problems.isEmpty()) {
          throw new IllegalStateException(
              "the copy failed its integrity check: " + String.join("; ", problems));
        }
        copied = snapshot(copy);
        if (!copied.version().equals(sourceVersion)) {
          throw new IllegalStateException(
              "the copy is at migration version "
                  + copied.version()
                  + ", the store at "
                  + sourceVersion);
        }
      }
      try {
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(partial, target);
      }
      return new Stores.Backup(
          target,
          Files.size(target),
          copied.version(),
          copied.resources(),
          copied.journal(),
          Duration.ofNanos(System.nanoTime() - started));
    } catch (SQLException | IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(partial);
      } catch (IOException ignored) {
        // the message below says what failed; a stale .partial is named in it
      }
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalStateException("the backup failed: " + e.getMessage(), e);
    }
  }

  /** What a backup must agree on with the database it came from. */
  private record Snapshot(String version, long resources, long journal) {}

  private static Snapshot snapshot(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      String version;
      try (ResultSet rs =
          s.executeQuery(
              "SELECT version FROM flyway_schema_history WHERE success = 1 AND version IS NOT NULL"
                  + " ORDER BY installed_rank DESC LIMIT 1")) {
        version = rs.next() ? rs.getString(1) : "none";
      }
      long resources;
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM resources")) {
        rs.next();
        resources = rs.getLong(1);
      }
      long journal;
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM journal")) {
        rs.next();
        journal = rs.getLong(1);
      }
      return new Snapshot(version, resources, journal);
    }
  }

  /** What {@code PRAGMA integrity_check} finds wrong: nothing when it answers {@code ok}. */
  private static List<String> integrity(Connection c) throws SQLException {
    List<String> problems = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      while (rs.next()) {
        String line = rs.getString(1);
        if (!"ok".equalsIgnoreCase(line)) {
          problems.add(line);
        }
      }
    }
    return problems;
  }

  private static Connection connect(Path file, boolean readOnly) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    config.setReadOnly(readOnly);
    return config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
  }
}
