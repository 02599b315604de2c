package io.scimd.server;

import io.scimd.access.AccessSettings;
import io.scimd.server.audit.AuditSettings;
import io.scimd.server.clients.AuthSettings;
import io.scimd.server.clients.Tokens;
import io.scimd.server.console.ConsoleOidc;
import io.scimd.server.hub.HubSettings;
import io.scimd.server.limits.Rate;
import io.scimd.server.oauth.OAuthSettings;
import io.scimd.server.service.ServiceConfig;
import io.scimd.server.transport.TransportConfig;
import io.scimd.store.PoolSettings;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * How one scimd server runs: where it listens, which store it uses (SQLite in a data directory, or
 * a PostgreSQL database shared by several nodes), where its extra schemas are, the first client
 * token to create on an empty store, and the protocol limits.
 *
 * @param host the address to bind, e.g. {@code 127.0.0.1}
 * @param port the TCP port; 0 picks a free one ({@link ScimServer#port()} tells which)
 * @param dataDir the directory of the SQLite database, created when missing; unused with {@code
 *     database}
 * @param schemasDir a directory of extra schema and resource type definitions, or null
 * @param bootstrapToken the bearer token of the first credential (at least {@value
 *     Tokens#MIN_LENGTH} characters), or null to generate and print one
 * @param database a {@code jdbc:postgresql://} URL, or null for SQLite in {@code dataDir}
 * @param pool how the PostgreSQL store pools connections, times out and migrates
 * @param audit where the audit trail's signing key is, how often checkpoints are signed, how long
 *     entries are kept
 * @param transport HTTPS, trusted proxies, timeouts and the connection cap
 * @param auth the rules for clients' credentials
 * @param oauth the OAuth authorization server's settings and the trusted external issuers
 * @param hub the provisioning hub's key file, allowed target URLs and delivery workers
 * @param access whether decisions come from an in-memory index of each tenant, and how stale it may
 *     be
 * @param metricsOpen whether {@code /metrics} answers without a credential ({@code --metrics-open})
 * @param consoleOidc how people sign in to the console through an OIDC provider; null: with admin
 *     tokens only
 */
public record ServerConfig(
    String host,
    int port,
    Path dataDir,
    @Nullable Path schemasDir,
    @Nullable String bootstrapToken,
    ServiceConfig service,
    @Nullable String database,
    PoolSettings pool,
    AuditSettings audit,
    TransportConfig transport,
    AuthSettings auth,
    OAuthSettings oauth,
    HubSettings hub,
    AccessSettings access,
    boolean metricsOpen,
    @Nullable ConsoleOidc consoleOidc) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_DATA = "./scimd-data";

  /**
   * @throws IllegalArgumentException with a message for the operator when a value is unusable
   */
  public ServerConfig {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, not " + port);
    }
    if (bootstrapToken != null && bootstrapToken.length() < Tokens.MIN_LENGTH) {
      // Never echo the token itself: it is a secret even when it is too short.
      throw new IllegalArgumentException(
          "SCIMD_BOOTSTRAP_TOKEN must be at least "
              + Tokens.MIN_LENGTH
              + " characters long (it has "
              + bootstrapToken.length()
              + "); use a long random value");
    }
  }

  /** On SQLite in {@code dataDir}. */
  public ServerConfig(
      String host,
      int port,
      Path dataDir,
      @Nullable Path schemasDir,
      @Nullable String bootstrapToken,
      ServiceConfig service) {
    this(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        null,
        PoolSettings.defaults(),
        AuditSettings.DEFAULTS,
        TransportConfig.DEFAULTS,
        AuthSettings.DEFAULTS,
        OAuthSettings.DEFAULTS,
        HubSettings.DEFAULTS,
        AccessSettings.defaults(),
        false,
        null);
  }

  /** This configuration on the PostgreSQL database at {@code jdbcUrl}, pooled as {@code pool}. */
  public ServerConfig withDatabase(String jdbcUrl, PoolSettings pool) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        jdbcUrl,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /** This configuration with the extra schema and resource type definitions in {@code dir}. */
  public ServerConfig withSchemas(@Nullable Path dir) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        dir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /** This configuration with the audit trail kept as {@code settings} say. */
  public ServerConfig withAudit(AuditSettings settings) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        settings,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /**
   * This configuration with {@code transport} (HTTPS, trusted proxies, timeouts, connection cap).
   */
  public ServerConfig withTransport(TransportConfig transport) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /** This configuration with {@code auth}'s rules for clients' credentials. */
  public ServerConfig withAuth(AuthSettings auth) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /** This configuration with {@code oauth}'s authorization server settings. */
  public ServerConfig withOAuth(OAuthSettings oauth) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /**
   * This configuration with at most {@code limit} failed authentications per client address before
   * its requests without a known token answer 429 ({@link Rate#OFF}: never).
   */
  public ServerConfig withAuthFailureLimit(Rate limit) {
    return withAuth(new AuthSettings(auth.maxTokensPerClient(), limit));
  }

  /** This configuration with {@code service}'s protocol limits and client rate limit. */
  public ServerConfig withService(ServiceConfig service) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /** This configuration with {@code hub}'s key file, URL allow-list and delivery workers. */
  public ServerConfig withHub(HubSettings hub) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /** This configuration with decisions answered as {@code access} says (index, staleness). */
  public ServerConfig withAccess(AccessSettings access) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        consoleOidc);
  }

  /** This configuration with the console's OIDC sign-in, or without it ({@code null}). */
  public ServerConfig withConsoleOidc(@Nullable ConsoleOidc oidc) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        metricsOpen,
        oidc);
  }

  /** This configuration with {@code /metrics} open to anyone who can reach it, or not. */
  public ServerConfig withMetricsOpen(boolean open) {
    return new ServerConfig(
        host,
        port,
        dataDir,
        schemasDir,
        bootstrapToken,
        service,
        database,
        pool,
        audit,
        transport,
        auth,
        oauth,
        hub,
        access,
        open,
        consoleOidc);
  }

  /** The defaults: 127.0.0.1:8080, {@code ./scimd-data}, no extra schemas, a generated token. */
  public static ServerConfig defaults() {
    return new ServerConfig(
        DEFAULT_HOST, DEFAULT_PORT, Path.of(DEFAULT_DATA), null, null, ServiceConfig.DEFAULTS);
  }
}
