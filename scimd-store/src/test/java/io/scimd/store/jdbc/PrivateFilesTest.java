package io.scimd.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.scimd.core.schema.SchemaRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SQLite store's data directory and files are its owner's only (POSIX file systems). */
class PrivateFilesTest {
  @TempDir Path tmp;

  @Test
  void open_createsTheDirectory0700_andEveryDatabaseFile0600() throws IOException {
    Path dir = tmp.resolve("new").resolve("data");
    try (SqliteStore store =
        SqliteStore.open(dir, SchemaRegistry.builtIn(), InstantSource.system())) {
      assertThat(mode(dir)).isEqualTo("rwx------");
      assertThat(mode(dir.resolve("scimd.db"))).isEqualTo("rw-------");
      // WAL mode: SQLite made these beside the database, with its mode.
      assertThat(mode(dir.resolve("scimd.db-wal"))).isEqualTo("rw-------");
      assertThat(mode(dir.resolve("scimd.db-shm"))).isEqualTo("rw-------");
    }
  }

  @Test
  void open_leavesLooserExistingPermissions_andReportsThem() throws IOException {
    Path dir = Files.createDirectory(tmp.resolve("shared"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path db = Files.createFile(dir.resolve("scimd.db"));
    Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(PrivateFiles.directory(dir))
        .singleElement()
        .asString()
        .contains(dir.toString(), "rwxr-xr-x", "chmod 700");
    assertThat(PrivateFiles.file(db)).singleElement().asString().contains("rw-r--r--", "chmod 600");
    try (SqliteStore store =
        SqliteStore.open(dir, SchemaRegistry.builtIn(), InstantSource.system())) {
      assertThat(mode(dir)).isEqualTo("rwxr-xr-x");
      assertThat(mode(db)).isEqualTo("rw-r--r--");
    }
  }

  @Test
  void privateExistingFiles_reportNothing() throws IOException {
    Path dir =
        Files.createDirectory(
            tmp.resolve("private"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    assertThat(PrivateFiles.directory(dir)).isEmpty();
    assertThat(PrivateFiles.file(dir.resolve("scimd.db"))).isEmpty();
    assertThat(PrivateFiles.file(dir.resolve("scimd.db"))).isEmpty();
    assertThat(PrivateFiles.existing(dir.resolve("absent"))).isEmpty();
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
