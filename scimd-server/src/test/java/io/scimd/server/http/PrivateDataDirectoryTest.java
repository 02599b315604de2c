package io.scimd.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A server started on a new data directory keeps its files to their owner. */
class PrivateDataDirectoryTest {
  @TempDir Path tmp;

  @Test
  void aNewDataDirectory_andItsDatabase_areTheOwnersOnly() throws IOException {
    Path dir = tmp.resolve("data");
    try (TestServer s = TestServer.start(dir, TestServer.TOKEN)) {
      assertThat(s.send("GET", "/scim/v2/Users", null).statusCode()).isEqualTo(200);
      assertThat(mode(dir)).isEqualTo("rwx------");
      assertThat(mode(dir.resolve("scimd.db"))).isEqualTo("rw-------");
      assertThat(mode(dir.resolve("scimd.db-wal"))).isEqualTo("rw-------");
    }
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
