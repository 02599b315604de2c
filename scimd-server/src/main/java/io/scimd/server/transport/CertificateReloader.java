package io.scimd.server.transport;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import org.eclipse.jetty.util.Scanner;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a renewed certificate into service without a restart: Jetty's {@link Scanner} looks at the
 * directories of the certificate and key files every second, and when what they hold has changed
 * (by content, so a renewal that swaps a symbolic link, as Kubernetes does with a mounted secret,
 * counts as much as one that rewrites the files), the pair is read again and {@link
 * SslContextFactory#reload} makes it the certificate of every new connection. Connections already
 * open keep the one they negotiated.
 *
 * <p>A pair that cannot be used (a half-written file, a key that belongs to the previous
 * certificate because only one of the two files has been replaced so far) is logged and the current
 * certificate kept; the next change is tried again. Jetty's own {@code KeyStoreScanner} does the
 * same for a key store file, which PEM files are not.
 */
final class CertificateReloader extends ContainerLifeCycle implements Scanner.BulkListener {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateReloader.class);

  private final SslContextFactory.Server ssl;
  private final Path certFile;
  private final Path keyFile;
  private String current;
  private String lastFailed = "";

  CertificateReloader(
      SslContextFactory.Server ssl, Path certFile, Path keyFile, String loadedFingerprint) {
    this.ssl = ssl;
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.current = loadedFingerprint;
    Scanner scanner = new Scanner();
    Set<Path> dirs = new LinkedHashSet<>();
    dirs.add(directory(certFile));
    dirs.add(directory(keyFile));
    dirs.forEach(scanner::addDirectory);
    scanner.setScanInterval(1);
    scanner.setScanDepth(1);
    scanner.setReportDirs(false);
    scanner.setReportExistingFilesOnStartup(false);
    scanner.addListener(this);
    addBean(scanner);
  }

  @Override
  public void filesChanged(Set<String> filenames) {
    reloadIfChanged();
  }

  /** Loads the pair again when the files no longer hold what is in service; true when it did. */
  synchronized boolean reloadIfChanged() {
    byte[] cert;
    byte[] key;
    try {
      cert = PemCredentials.read(certFile);
      key = PemCredentials.read(keyFile);
    } catch (IllegalArgumentException e) {
      warnOnce(
          "",
          "cannot read the TLS certificate or key, keeping the current certificate: "
              + e.getMessage());
      return false;
    }
    String fingerprint = PemCredentials.fingerprint(cert, key);
    if (fingerprint.equals(current) || fingerprint.equals(lastFailed)) {
      return false;
    }
    PemCredentials.Loaded loaded;
    try {
      loaded = PemCredentials.load(cert, certFile, key, keyFile);
    } catch (IllegalArgumentException e) {
      warnOnce(
          fingerprint,
          "the changed TLS certificate or key cannot be used, keeping the current certificate: "
              + e.getMessage());
      return false;
    }
    try {
      ssl.reload(factory -> factory.setKeyStore(loaded.keyStore()));
    } catch (Exception e) {
      warnOnce(
          fingerprint, "loading the changed TLS certificate failed, keeping the current one: " + e);
      return false;
    }
    current = fingerprint;
    lastFailed = "";
    LOG.info(
        "now serving the TLS certificate for {} (valid until {}) from {}",
        loaded.leaf().getSubjectX500Principal().getName(),
        loaded.leaf().getNotAfter().toInstant(),
        certFile);
    return true;
  }

  private void warnOnce(String fingerprint, String message) {
    if (!fingerprint.equals(lastFailed) || fingerprint.isEmpty()) {
      LOG.warn(message);
    }
    lastFailed = fingerprint;
  }

  private static Path directory(Path file) {
    Path parent = file.toAbsolutePath().getParent();
    if (parent == null) {
      throw new IllegalArgumentException(file + " has no directory to watch");
    }
    return parent;
  }
}
