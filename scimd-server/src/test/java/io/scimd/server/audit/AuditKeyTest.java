package io.scimd.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scimd.server.http.TestServer;
import io.scimd.store.AuditHash;
import io.scimd.store.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint signing key: its file, its permissions, its signatures. */
class AuditKeyTest {
  @TempDir Path dir;

  @Test
  void loadOrCreate_writesAKeyOnlyItsOwnerMayRead_withItsPublicHalfBeside_andLoadsTheSameKeyAgain()
      throws Exception {
    Path file = dir.resolve("keys").resolve(AuditSettings.KEY_FILE);

    AuditKey made = AuditKey.loadOrCreate(file);
    AuditKey again = AuditKey.loadOrCreate(file);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(again.id()).isEqualTo(made.id()).hasSize(64);
    assertThat(AuditKey.id(AuditKey.readPublicKey(AuditKey.publicFile(file)))).isEqualTo(made.id());
    assertThat(Files.readString(AuditKey.publicFile(file))).doesNotContain("PRIVATE");
    assertThat(Files.list(file.getParent())).hasSize(2); // no temporary file left behind
  }

  @Test
  void aKeyOthersMayRead_isRefused_andServeExits2SayingHowToFixIt() throws Exception {
    Path file = dir.resolve(AuditSettings.KEY_FILE);
    AuditKey.loadOrCreate(file);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThatThrownBy(() -> AuditKey.load(file)).hasMessageContaining("chmod 600");
    AuditTrailTest.Run r =
        run(
            Map.of("SCIMD_BOOTSTRAP_TOKEN", TestServer.TOKEN),
            "serve",
            "--port",
            "0",
            "--data",
            dir.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("scimd: invalid configuration: ")
        .contains("may be read by others (rw-r--r--)");
  }

  @Test
  void aCheckpointSignature_verifiesUnderItsKeyOnly_andForTheSignedHeadOnly() {
    AuditKey key = AuditKey.loadOrCreate(dir.resolve("a.key"));
    AuditKey other = AuditKey.loadOrCreate(dir.resolve("b.key"));
    String hash = AuditHash.sha256Hex(new byte[] {1});

    Checkpoint cp = key.checkpoint("default", 7, hash, 1_000_000);

    assertThat(cp.keyId()).isEqualTo(key.id());
    assertThat(AuditKey.verify(cp, AuditKey.publicKey(key.publicKeyBase64()))).isTrue();
    assertThat(AuditKey.verify(cp, AuditKey.publicKey(other.publicKeyBase64()))).isFalse();
    Checkpoint moved =
        new Checkpoint(cp.tenant(), 8, cp.hash(), cp.at(), cp.keyId(), cp.signature());
    Checkpoint otherTenant =
        new Checkpoint("acme", 7, cp.hash(), cp.at(), cp.keyId(), cp.signature());
    Checkpoint garbage =
        new Checkpoint(cp.tenant(), 7, cp.hash(), cp.at(), cp.keyId(), "not base64!");
    assertThat(AuditKey.verify(moved, AuditKey.publicKey(key.publicKeyBase64()))).isFalse();
    assertThat(AuditKey.verify(otherTenant, AuditKey.publicKey(key.publicKeyBase64()))).isFalse();
    assertThat(AuditKey.verify(garbage, AuditKey.publicKey(key.publicKeyBase64()))).isFalse();
  }

  static AuditTrailTest.Run run(Map<String, String> env, String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    picocli.CommandLine cl = io.scimd.server.Main.commandLine(env, s -> s.close());
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    return new AuditTrailTest.Run(cl.execute(args), out.toString(), err.toString());
  }
}
