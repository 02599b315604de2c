package io.scimd.server.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed test certificates for 127.0.0.1 and localhost, made by the JDK's own {@code keytool}
 * (the JDK has no public API to issue a certificate) and written as the PEM files an operator gives
 * scimd: the certificate, and the key as unencrypted PKCS#8.
 */
final class TestCertificates {
  private static final String PASSWORD = "test-only";

  /** One generated pair: where its PEM files are, and the certificate. */
  record Pair(Path cert, Path key, X509Certificate certificate) {
    /**
     * Copies this pair over {@code cert} and {@code key}, each by an atomic rename as deploy tools
     * do.
     */
    void installAs(Path cert, Path key) throws IOException {
      replace(this.cert, cert);
      replace(this.key, key);
    }

    void installCertOnly(Path cert) throws IOException {
      replace(this.cert, cert);
    }

    void installKeyOnly(Path key) throws IOException {
      replace(this.key, key);
    }

    private static void replace(Path from, Path to) throws IOException {
      Files.createDirectories(to.toAbsolutePath().getParent());
      Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
      Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static final Map<String, Pair> MADE = new HashMap<>();

  private TestCertificates() {}

  /**
   * The pair {@code CN=<name>} with an {@code RSA} or {@code EC} key, made once per test run (a
   * keytool run costs seconds); callers copy it where they need it ({@link Pair#installAs}).
   */
  static synchronized Pair shared(String name, String keyAlgorithm)
      throws IOException, InterruptedException {
    Pair made = MADE.get(name);
    if (made == null) {
      made = generate(Files.createTempDirectory("scimd-test-certs"), name, keyAlgorithm);
      MADE.put(name, made);
    }
    return made;
  }

  /**
   * A new pair with subject {@code CN=<name>} and an {@code RSA} or {@code EC} key, in {@code dir}.
   */
  static Pair generate(Path dir, String name, String keyAlgorithm)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Path store = dir.resolve(name + ".p12");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(
        List.of(
            "-genkeypair",
            "-alias",
            "test",
            "-dname",
            "CN=" + name,
            "-validity",
            "2",
            "-ext",
            "SAN=ip:127.0.0.1,dns:localhost",
            "-storetype",
            "PKCS12",
            "-keystore",
            store.toString(),
            "-storepass",
            PASSWORD,
            "-keypass",
            PASSWORD));
    if (keyAlgorithm.equals("EC")) {
      cmd.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA"));
    } else {
      cmd.addAll(List.of("-keyalg", "RSA", "-keysize", "2048", "-sigalg", "SHA256withRSA"));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + output);
    }
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, PASSWORD.toCharArray());
      Key key = ks.getKey("test", PASSWORD.toCharArray());
      X509Certificate cert = (X509Certificate) ks.getCertificate("test");
      Path certFile = dir.resolve(name + ".crt.pem");
      Path keyFile = dir.resolve(name + ".key.pem");
      Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
      Files.writeString(
          keyFile, pem("PRIVATE KEY", key.getEncoded())); // PKCS#8, as keys are encoded
      return new Pair(certFile, keyFile, cert);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static String pem(String label, byte[] der) {
    String base64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
  }

  /** A TLS context that trusts exactly {@code certificates}. */
  static SSLContext trusting(Certificate... certificates) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      for (int i = 0; i < certificates.length; i++) {
        trust.setCertificateEntry("trusted-" + i, certificates[i]);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
