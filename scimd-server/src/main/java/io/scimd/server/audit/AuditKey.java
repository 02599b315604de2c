package io.scimd.server.audit;

import io.scimd.server.files.PrivateFiles;
import io.scimd.store.AuditHash;
import io.scimd.store.Checkpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Ed25519 key that signs a server's audit checkpoints (JDK built-in; RFC 8032), kept in a file
 * readable by its owner only, never in the database: whoever can rewrite the journal's rows could
 * otherwise sign the rewrite as well (docs/decisions/0009-audit-trail.md). The file holds the
 * private key (PKCS#8) and its public key (X.509), both PEM; a {@code .pub} file beside it holds
 * the public key alone, for an auditor to keep ({@code scimd audit verify --trust-key}).
 *
 * <p>A key is named by its id: the lowercase hex SHA-256 of its X.509 encoding. The store records
 * each public key that signs ({@code audit_keys}), so that checkpoints can be checked without the
 * private key.
 */
public final class AuditKey {
  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END \\1-----");

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String id;

  private AuditKey(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.id = id(publicKey);
  }

  /**
   * The key in {@code file}, generated and written there (with its {@code .pub} beside it) when the
   * file does not exist. The file is created readable by its owner only, and refused when others
   * may read it, as ssh refuses a private key anyone can read.
   *
   * @throws IllegalArgumentException when the file is not such a key, or others may read it
   * @throws UncheckedIOException when it cannot be read or written
   */
  public static AuditKey loadOrCreate(Path file) {
    if (!Files.exists(file)) {
      create(file);
    }
    return load(file);
  }

  /**
   * The key in {@code file}.
   *
   * @throws IllegalArgumentException as {@link #loadOrCreate}
   * @throws UncheckedIOException when it cannot be read
   */
  public static AuditKey load(Path file) {
    String text;
    try {
      PrivateFiles.requireOwnerOnly(file, "the audit signing key");
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the audit signing key " + file + ": " + e.getMessage(), e);
    }
    byte[] priv = null;
    byte[] pub = null;
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      if (m.group(1).equals("PRIVATE KEY")) {
        priv = Base64.getMimeDecoder().decode(m.group(2));
      } else if (m.group(1).equals("PUBLIC KEY")) {
        pub = Base64.getMimeDecoder().decode(m.group(2));
      }
    }
    if (priv == null || pub == null) {
      throw new IllegalArgumentException(
          "the audit signing key " + file + " needs a PEM PRIVATE KEY and PUBLIC KEY (Ed25519)");
    }
    AuditKey key;
    try {
      KeyFactory f = KeyFactory.getInstance("Ed25519");
      key =
          new AuditKey(
              f.generatePrivate(new PKCS8EncodedKeySpec(priv)),
              f.generatePublic(new X509EncodedKeySpec(pub)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "the audit signing key " + file + " is not an Ed25519 key: " + e.getMessage(), e);
    }
    // The two halves must belong together, or every checkpoint it signs would fail verification.
    byte[] probe = "scimd audit key check".getBytes(StandardCharsets.US_ASCII);
    if (!verify(key.publicKey, probe, key.sign(probe))) {
      throw new IllegalArgumentException(
          "the audit signing key " + file + ": its public key is not its private key's");
    }
    return key;
  }

  /**
   * Writes a new key to {@code file} ({@link PrivateFiles#createOnce}: two processes creating it at
   * once end up with one key, the loser reads the winner's).
   */
  private static void create(Path file) {
    KeyPair pair;
    try {
      pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this Java has no Ed25519 (JDK 15+ has)", e);
    }
    String text =
        pem("PRIVATE KEY", pair.getPrivate().getEncoded())
            + pem("PUBLIC KEY", pair.getPublic().getEncoded());
    try {
      if (!PrivateFiles.createOnce(
          file, text.getBytes(StandardCharsets.US_ASCII), "the audit signing key")) {
        return; // another process made it first
      }
      Path pub = publicFile(file);
      Files.deleteIfExists(pub);
      PrivateFiles.write(
          pub,
          pem("PUBLIC KEY", pair.getPublic().getEncoded()).getBytes(StandardCharsets.US_ASCII),
          false);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot write the audit signing key " + file + ": " + e.getMessage(), e);
    }
  }

  /** The public key's file beside the key file {@code file}: {@code audit-signing.key.pub}. */
  public static Path publicFile(Path file) {
    return file.resolveSibling(file.getFileName() + ".pub");
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  /** This key's id: the lowercase hex SHA-256 of its public key's X.509 encoding. */
  public String id() {
    return id;
  }

  /** The public key, base64 X.509, as the store records it. */
  public String publicKeyBase64() {
    return Base64.getEncoder().encodeToString(publicKey.getEncoded());
  }

  /**
   * Signs that entry {@code seq} of {@code tenant} has hash {@code hash}, at {@code at} (epoch
   * microseconds).
   */
  public Checkpoint checkpoint(String tenant, long seq, String hash, long at) {
    byte[] signature = sign(AuditHash.checkpoint(tenant, seq, hash, at));
    return new Checkpoint(tenant, seq, hash, at, id, Base64.getEncoder().encodeToString(signature));
  }

  private byte[] sign(byte[] message) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(privateKey);
      s.update(message);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with the audit key", e);
    }
  }

  // ---------------------------------------------------------------- public keys

  /** The id of {@code key}: the lowercase hex SHA-256 of its X.509 encoding. */
  public static String id(PublicKey key) {
    return AuditHash.sha256Hex(key.getEncoded());
  }

  /**
   * The Ed25519 public key of a base64 X.509 encoding (as the store records it).
   *
   * @throws IllegalArgumentException when it is not one
   */
  public static PublicKey publicKey(String base64) {
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("not a base64 Ed25519 public key: " + e.getMessage(), e);
    }
  }

  /**
   * The public key in a PEM file: a {@code .pub} file, or a key file (its PUBLIC KEY block).
   *
   * @throws IllegalArgumentException when the file holds no Ed25519 public key
   * @throws UncheckedIOException when it cannot be read
   */
  public static PublicKey readPublicKey(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read the public key " + file + ": " + e.getMessage(), e);
    }
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      if (m.group(1).equals("PUBLIC KEY")) {
        return publicKey(
            Base64.getEncoder().encodeToString(Base64.getMimeDecoder().decode(m.group(2))));
      }
    }
    throw new IllegalArgumentException("no PEM PUBLIC KEY in " + file);
  }

  /** Whether {@code cp}'s signature is {@code key}'s over {@link Checkpoint#signed}. */
  public static boolean verify(Checkpoint cp, PublicKey key) {
    byte[] signature;
    try {
      signature = Base64.getDecoder().decode(cp.signature());
    } catch (IllegalArgumentException e) {
      return false;
    }
    return verify(key, cp.signed(), signature);
  }

  private static boolean verify(PublicKey key, byte[] message, byte[] signature) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
