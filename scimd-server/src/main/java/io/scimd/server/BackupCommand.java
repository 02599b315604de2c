package io.scimd.server;

import io.scimd.store.jdbc.Stores;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code scimd backup --to FILE}: an online copy of the SQLite store, consistent while a server
 * writes to it, verified before it gets its name ({@link Stores#backupSqlite}). It takes no lock
 * and needs none: SQLite's {@code VACUUM INTO} reads one snapshot, as any reader does beside the
 * server. On PostgreSQL it refuses: the database's own tools back it up (docs/backup.md).
 */
@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    description = {
      "Copy the SQLite store to a new file, safely while a server runs, and verify the copy"
          + " (integrity check, migration version).",
      "To restore: stop the server, put the file in a data directory as scimd.db, start the"
          + " server on it. For PostgreSQL see docs/backup.md (pg_dump)."
    })
final class BackupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "FILE",
      description = "The backup file to create; it must not exist.")
  Path to = Path.of("");

  @Mixin StoreOptions store = new StoreOptions();

  @Override
  public Integer call() {
    if (store.db.url != null) {
      return Main.fail(
          spec,
          Main.EXIT_CONFIG,
          "scimd backup copies the SQLite store only; back a PostgreSQL store up with pg_dump, as"
              + " docs/backup.md says");
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("scimd: store: SQLite in " + store.data.toAbsolutePath().normalize());
    err.flush();
    Stores.Backup b;
    try {
      b = Stores.backupSqlite(store.data, to);
    } catch (IllegalArgumentException e) {
      return Main.fail(spec, Main.EXIT_CONFIG, e.getMessage());
    } catch (RuntimeException e) {
      return Main.fail(spec, Main.EXIT_START, e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "scimd: backed up to "
            + b.file()
            + " ("
            + size(b.bytes())
            + ", "
            + b.resources()
            + " resources, "
            + b.journalEntries()
            + " journal entries, migration version "
            + b.schemaVersion()
            + ", integrity ok) in "
            + b.took().toMillis()
            + " ms");
    out.println(
        "scimd: to restore it, stop the server and copy it to DATA/scimd.db (no scimd.db-wal or"
            + " scimd.db-shm beside it), then start the server with --data DATA");
    out.flush();
    return 0;
  }

  static String size(long bytes) {
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
