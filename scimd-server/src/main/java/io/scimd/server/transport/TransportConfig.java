package io.scimd.server.transport;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How the server meets its clients on the wire.
 *
 * @param tlsCert a PEM file with the server's certificate and then its chain, or null for plain
 *     HTTP; given together with {@code tlsKey}
 * @param tlsKey a PEM file with the certificate's private key, unencrypted PKCS#8 ({@code BEGIN
 *     PRIVATE KEY}), or null
 * @param trustedProxies the addresses whose {@code Forwarded} / {@code X-Forwarded-*} headers are
 *     believed; from any other address they are ignored
 * @param idleTimeout how long a connection may send and receive nothing before it is closed (a
 *     keep-alive connection between requests, a stalled read or write)
 * @param headerTimeout the most time from the first byte of a request (or of the TLS handshake) to
 *     the end of its headers
 * @param bodyTimeout the most time from the end of a request's headers to the end of its body
 * @param maxConnections the most connections open at once; beyond it new ones wait unaccepted
 */
public record TransportConfig(
    @Nullable Path tlsCert,
    @Nullable Path tlsKey,
    List<Cidr> trustedProxies,
    Duration idleTimeout,
    Duration headerTimeout,
    Duration bodyTimeout,
    int maxConnections) {

  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_CONNECTIONS = 1000;

  /** Plain HTTP, no trusted proxy, the default timeouts and connection cap. */
  public static final TransportConfig DEFAULTS =
      new TransportConfig(
          null,
          null,
          List.of(),
          DEFAULT_IDLE_TIMEOUT,
          DEFAULT_HEADER_TIMEOUT,
          DEFAULT_BODY_TIMEOUT,
          DEFAULT_MAX_CONNECTIONS);

  /**
   * @throws IllegalArgumentException with a message for the operator when a value is unusable
   */
  public TransportConfig {
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException(
          "--tls-cert and --tls-key go together: give both or neither");
    }
    trustedProxies = List.copyOf(trustedProxies);
    positive("--idle-timeout", idleTimeout);
    positive("--header-timeout", headerTimeout);
    positive("--body-timeout", bodyTimeout);
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "--max-connections must be at least 1, not " + maxConnections);
    }
  }

  /** Whether the server speaks HTTPS. */
  public boolean tls() {
    return tlsCert != null;
  }

  /**
   * This configuration serving HTTPS with the PEM certificate chain {@code cert} and key {@code
   * key}.
   */
  public TransportConfig withTls(Path cert, Path key) {
    return new TransportConfig(
        cert, key, trustedProxies, idleTimeout, headerTimeout, bodyTimeout, maxConnections);
  }

  /** This configuration believing the forwarding headers of {@code proxies} only. */
  public TransportConfig withTrustedProxies(List<Cidr> proxies) {
    return new TransportConfig(
        tlsCert, tlsKey, proxies, idleTimeout, headerTimeout, bodyTimeout, maxConnections);
  }

  /** This configuration with these timeouts. */
  public TransportConfig withTimeouts(Duration idle, Duration header, Duration body) {
    return new TransportConfig(tlsCert, tlsKey, trustedProxies, idle, header, body, maxConnections);
  }

  /** This configuration with at most {@code max} connections open at once. */
  public TransportConfig withMaxConnections(int max) {
    return new TransportConfig(
        tlsCert, tlsKey, trustedProxies, idleTimeout, headerTimeout, bodyTimeout, max);
  }

  private static void positive(String option, Duration d) {
    if (d.isNegative() || d.isZero() || d.toMillis() < 1) {
      throw new IllegalArgumentException(option + " must be at least 1ms, not " + d);
    }
  }
}
