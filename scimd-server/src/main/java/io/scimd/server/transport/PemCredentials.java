package io.scimd.server.transport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A certificate chain and private key read from the PEM files that web servers and ACME clients
 * write (RFC 7468), turned into the in-memory {@link KeyStore} Jetty's TLS takes. Everything is the
 * JDK's own: {@link CertificateFactory} reads the certificates, {@link KeyFactory} the unencrypted
 * PKCS#8 key ({@code BEGIN PRIVATE KEY}) of the algorithm the certificate names (RSA, EC,
 * Ed25519...). The key must belong to the certificate: a test signature made with it is verified
 * with the certificate's public key, so a mismatched pair fails here, with a message, and not at
 * each client's handshake.
 *
 * <p>A PKCS#1 ({@code BEGIN RSA PRIVATE KEY}) or SEC 1 ({@code BEGIN EC PRIVATE KEY}) key is
 * refused with the {@code openssl pkcs8 -topk8} command that converts it; an encrypted key with the
 * command that decrypts it.
 */
final class PemCredentials {
  /** The one alias in the key store. */
  static final String ALIAS = "scimd";

  /**
   * The password of the key entry. The key store only ever lives in this process's memory, where
   * the key itself is anyway; JSSE's key manager needs some password to read the entry back.
   */
  static final String ENTRY_PASSWORD = "in-memory-only";

  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");

  /** What was loaded: the key store, the leaf certificate, and a fingerprint of both files. */
  record Loaded(KeyStore keyStore, X509Certificate leaf, String fingerprint) {}

  private PemCredentials() {}

  /**
   * Reads {@code certFile} (the server certificate first, then its chain) and {@code keyFile}.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  static Loaded load(Path certFile, Path keyFile) {
    return load(read(certFile), certFile, read(keyFile), keyFile);
  }

  /** {@link #load(Path, Path)} on contents already read; the paths only name them in messages. */
  static Loaded load(byte[] certPem, Path certFile, byte[] keyPem, Path keyFile) {
    List<X509Certificate> chain = certificates(certPem, certFile);
    PrivateKey key = privateKey(keyPem, keyFile, chain.get(0).getPublicKey().getAlgorithm());
    checkPair(key, chain.get(0), certFile, keyFile);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(
          ALIAS, key, ENTRY_PASSWORD.toCharArray(), chain.toArray(new Certificate[0]));
      return new Loaded(store, chain.get(0), fingerprint(certPem, keyPem));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(
          "cannot build a key store from " + certFile + " and " + keyFile, e);
    }
  }

  /** A digest of both files' bytes: equal exactly when neither file changed. */
  static String fingerprint(byte[] certPem, byte[] keyPem) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(certPem);
      sha.update((byte) 0);
      sha.update(keyPem);
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e, e);
    }
  }

  private static List<X509Certificate> certificates(byte[] pem, Path file) {
    List<X509Certificate> chain = new ArrayList<>();
    try {
      Collection<? extends Certificate> all =
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(pem));
      for (Certificate c : all) {
        chain.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          file + " holds no readable PEM certificate (BEGIN CERTIFICATE): " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no PEM certificate (BEGIN CERTIFICATE)");
    }
    return chain;
  }

  private static PrivateKey privateKey(byte[] pem, Path file, String algorithm) {
    Matcher m = BLOCK.matcher(new String(pem, StandardCharsets.US_ASCII));
    while (m.find()) {
      String label = m.group(1);
      switch (label) {
        case "PRIVATE KEY" -> {
          return decode(m.group(2), file, algorithm);
        }
        case "RSA PRIVATE KEY", "EC PRIVATE KEY" ->
            throw new IllegalArgumentException(
                file
                    + " holds a "
                    + (label.startsWith("RSA") ? "PKCS#1" : "SEC 1")
                    + " key ("
                    + label
                    + "); scimd reads PKCS#8 keys: convert it with"
                    + " 'openssl pkcs8 -topk8 -nocrypt -in "
                    + file
                    + " -out key.pem'");
        case "ENCRYPTED PRIVATE KEY" ->
            throw new IllegalArgumentException(
                file
                    + " holds an encrypted key; scimd reads unencrypted PKCS#8 keys (keep the file"
                    + " readable by scimd only): decrypt it with 'openssl pkcs8 -in "
                    + file
                    + " -out key.pem'");
        default -> {
          // e.g. EC PARAMETERS before the key, which openssl writes by default: skip
        }
      }
    }
    throw new IllegalArgumentException(file + " holds no PEM private key (BEGIN PRIVATE KEY)");
  }

  private static PrivateKey decode(String base64, Path file, String algorithm) {
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + " holds a private key that is not valid base64", e);
    }
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalArgumentException(
          "this JDK cannot read " + algorithm + " keys (" + file + ")", e);
    } catch (InvalidKeySpecException e) {
      throw new IllegalArgumentException(
          file
              + " holds no "
              + algorithm
              + " private key, which the certificate's public key needs",
          e);
    }
  }

  /**
   * Signs with {@code key} and verifies with the certificate: they belong together or fail here.
   */
  private static void checkPair(PrivateKey key, X509Certificate leaf, Path certFile, Path keyFile) {
    PublicKey pub = leaf.getPublicKey();
    String algorithm =
        switch (pub.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "RSASSA-PSS" -> "RSASSA-PSS";
          default ->
              pub.getAlgorithm(); // EdDSA, Ed25519, Ed448: the key's own name is its signature
        };
    byte[] probe = "scimd key check".getBytes(StandardCharsets.US_ASCII);
    boolean matches;
    try {
      Signature signer = Signature.getInstance(algorithm);
      if (algorithm.equals("RSASSA-PSS")) {
        signer.setParameter(
            new PSSParameterSpec(
                "SHA-256",
                "MGF1",
                MGF1ParameterSpec.SHA256,
                32,
                PSSParameterSpec.TRAILER_FIELD_BC));
      }
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      signer.initVerify(pub);
      signer.update(probe);
      matches = signer.verify(signature);
    } catch (InvalidKeyException e) {
      matches = false;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "cannot check that the key in "
              + keyFile
              + " belongs to the certificate in "
              + certFile
              + ": "
              + e.getMessage(),
          e);
    }
    if (!matches) {
      throw new IllegalArgumentException(
          "the private key in "
              + keyFile
              + " does not belong to the first certificate in "
              + certFile);
    }
  }
}
