package io.scimd.server.transport;

import java.nio.file.Path;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the one listening connector from a {@link TransportConfig}: HTTP/1.1, over TLS 1.2 or 1.3
 * when a certificate is configured (reloaded when its files change, {@link CertificateReloader}),
 * forwarding headers believed from trusted proxies only ({@link TrustedProxies}), and the limits
 * that keep slow or numerous clients from holding the server: Jetty's idle timeout, the request
 * deadlines it lacks ({@link RequestDeadlines}), and Jetty's {@link NetworkConnectionLimit}.
 */
public final class Transport {
  private static final Logger LOG = LoggerFactory.getLogger(Transport.class);

  /**
   * No acceptor threads: connections are accepted by the selectors, so that when the cap is reached
   * accepting stops at once (a thread blocked in {@code accept()} would take one more).
   */
  private static final int ACCEPTORS = 0;

  private Transport() {}

  /**
   * The HTTP configuration for {@code config}: no {@code Server} header, and the request
   * customizers of TLS and of trusted proxies, in that order. Customizers added after these see the
   * scheme, host and client address the client really used.
   */
  public static HttpConfiguration httpConfiguration(TransportConfig config) {
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    if (config.tls()) {
      // scimd serves one certificate. Jetty's SNI host check would answer 400 to a client that
      // names the server by an address or name the certificate lacks (a load balancer's health
      // check on the node's IP); whether the name fits is the client's to verify, as it does.
      SecureRequestCustomizer secure = new SecureRequestCustomizer();
      secure.setSniHostCheck(false);
      http.addCustomizer(secure);
    }
    http.addCustomizer(new TrustedProxies(config.trustedProxies()));
    return http;
  }

  /**
   * A connector on {@code host:port} for {@code jetty}, with the limits of {@code config}; the
   * limit and the certificate watch are beans of {@code jetty}, started and stopped with it.
   *
   * @throws IllegalArgumentException when the certificate or key cannot be used
   */
  public static ServerConnector connector(
      Server jetty, HttpConfiguration http, String host, int port, TransportConfig config) {
    HttpConnectionFactory http11 = new HttpConnectionFactory(http);
    ServerConnector connector;
    Path cert = config.tlsCert();
    Path key = config.tlsKey();
    if (cert != null && key != null) {
      PemCredentials.Loaded loaded = PemCredentials.load(cert, key);
      warnIfNotValidNow(loaded, cert);
      SslContextFactory.Server ssl = new SslContextFactory.Server();
      ssl.setKeyStore(loaded.keyStore());
      ssl.setKeyManagerPassword(PemCredentials.ENTRY_PASSWORD);
      ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
      // Renegotiation (TLS 1.2 only) lets a client make the server redo costly handshakes at will.
      ssl.setRenegotiationAllowed(false);
      connector =
          new ServerConnector(
              jetty, ACCEPTORS, -1, new SslConnectionFactory(ssl, http11.getProtocol()), http11);
      jetty.addBean(new CertificateReloader(ssl, cert, key, loaded.fingerprint()));
    } else {
      connector = new ServerConnector(jetty, ACCEPTORS, -1, http11);
    }
    connector.setHost(host);
    connector.setPort(port);
    connector.setIdleTimeout(config.idleTimeout().toMillis());
    connector.addBean(
        new RequestDeadlines(connector, config.headerTimeout(), config.bodyTimeout()));
    NetworkConnectionLimit limit = new NetworkConnectionLimit(config.maxConnections(), connector);
    // At the cap, connections that are idle make room sooner: as soon as a request would be late.
    limit.setEndPointIdleTimeout(config.headerTimeout().toMillis());
    jetty.addBean(limit);
    return connector;
  }

  private static void warnIfNotValidNow(PemCredentials.Loaded loaded, Path cert) {
    try {
      loaded.leaf().checkValidity();
    } catch (CertificateExpiredException e) {
      LOG.warn(
          "the TLS certificate in {} expired at {}: clients will refuse it",
          cert,
          loaded.leaf().getNotAfter().toInstant());
    } catch (CertificateNotYetValidException e) {
      LOG.warn(
          "the TLS certificate in {} is valid only from {}: clients will refuse it until then",
          cert,
          loaded.leaf().getNotBefore().toInstant());
    }
  }
}
