package io.scimd.server.hub;

import io.scimd.server.files.PrivateFiles;
import io.scimd.sync.SecretBox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * The key that seals the targets' secrets ({@link SecretBox}), in a file beside the data, never in
 * the database: whoever reads the database or a backup of it does not learn the targets' tokens.
 * The file holds the base64 of {@value SecretBox#KEY_BYTES} random bytes on one line; it is created
 * readable by its owner only when missing and refused when others may read it ({@link
 * PrivateFiles}). Every node on one PostgreSQL database needs the same file.
 */
public final class HubKey {
  /** The key file's name in the data directory when {@code --hub-key} names none. */
  public static final String FILE = "hub.key";

  private static final String WHAT = "the hub key";

  private HubKey() {}

  /**
   * The box of the key in {@code file}, made and written there when the file does not exist.
   *
   * @throws IllegalArgumentException when the file is not such a key, or others may read it
   * @throws UncheckedIOException when it cannot be read or written
   */
  public static SecretBox loadOrCreate(Path file) {
    try {
      if (!Files.exists(file)) {
        String text = Base64.getEncoder().encodeToString(SecretBox.newKey()) + "\n";
        PrivateFiles.createOnce(file, text.getBytes(StandardCharsets.US_ASCII), WHAT);
      }
      return load(file);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write " + WHAT + " " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * The box of the key in {@code file}, which must exist (the commands that manage targets use the
   * key the server made; a new one would seal secrets the server cannot open).
   *
   * @throws IllegalArgumentException when there is no such file, it is not a key, or others may
   *     read it
   */
  public static SecretBox load(Path file) {
    byte[] key;
    try {
      if (!Files.exists(file)) {
        throw new IllegalArgumentException(
            WHAT
                + " "
                + file
                + " does not exist: give the one the server uses (--hub-key), or start the server"
                + " once to make it");
      }
      PrivateFiles.requireOwnerOnly(file, WHAT);
      String text = Files.readString(file, StandardCharsets.US_ASCII).strip();
      try {
        key = Base64.getDecoder().decode(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            WHAT + " " + file + " must hold the base64 of " + SecretBox.KEY_BYTES + " bytes");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + WHAT + " " + file + ": " + e.getMessage(), e);
    }
    if (key.length != SecretBox.KEY_BYTES) {
      throw new IllegalArgumentException(
          WHAT
              + " "
              + file
              + " must hold the base64 of "
              + SecretBox.KEY_BYTES
              + " bytes (it holds "
              + key.length
              + ")");
    }
    return new SecretBox(key);
  }
}
