package io.scimd.server;

import io.scimd.access.AccessSettings;
import io.scimd.server.clients.AuthSettings;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.clients.Tokens;
import io.scimd.server.console.ConsoleOidc;
import io.scimd.server.limits.Rate;
import io.scimd.server.oauth.OAuthSettings;
import io.scimd.server.oauth.TrustedIssuers;
import io.scimd.server.observe.LogSetup;
import io.scimd.server.service.ServiceConfig;
import io.scimd.server.transport.Cidr;
import io.scimd.server.transport.TransportConfig;
import io.scimd.store.PoolSettings;
import io.scimd.store.ScanLimits;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.Tenants;
import io.scimd.store.jdbc.Stores;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code scimd} command line: {@code serve} runs the server, {@code migrate} brings a
 * PostgreSQL schema up to date, {@code token create} adds a client credential, {@code tenant
 * create|list|delete} manages the tenants, {@code audit} verifies, exports, checkpoints and prunes
 * the audit trail ({@link AuditCommand}), {@code target} manages the provisioning hub's targets
 * ({@link TargetCommands}). Every option also reads an environment variable ({@code --port} from
 * {@code SCIMD_PORT}, {@code --db-pool-size} from {@code SCIMD_DB_POOL_SIZE}...); a flag wins over
 * the environment.
 */
@Command(
    name = "scimd",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "SCIM 2.0 service provider",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  /** Exit code for an invalid configuration (bad flag value, schema definition, token). */
  static final int EXIT_CONFIG = 2;

  /** Exit code for a failure to start (port taken, store unreadable). */
  static final int EXIT_START = 1;

  @Spec CommandSpec spec;

  private Main() {}

  public static void main(String[] args) {
    System.exit(commandLine(System.getenv(), server -> {}).execute(args));
  }

  /**
   * The command line reading defaults from {@code env}; {@code onStarted} sees each server that
   * {@code serve} starts (tests stop it through it; {@code serve} returns once it is stopped).
   */
  public static CommandLine commandLine(Map<String, String> env, Consumer<ScimServer> onStarted) {
    CommandLine cl = new CommandLine(new Main());
    Serve serve = new Serve(onStarted);
    cl.addSubcommand(serve);
    cl.addSubcommand(new Migrate());
    cl.addSubcommand(ClientCommands.client());
    cl.addSubcommand(ClientCommands.token());
    cl.addSubcommand(AuditCommand.commandLine());
    cl.addSubcommand(TargetCommands.commandLine(env));
    cl.addSubcommand(ApplicationCommands.commandLine());
    cl.addSubcommand(new ExportCommand());
    cl.addSubcommand(new ImportCommand());
    cl.addSubcommand(new BackupCommand());
    cl.addSubcommand(
        new CommandLine(new TenantCommand())
            .addSubcommand(new TenantCreate())
            .addSubcommand(new TenantList())
            .addSubcommand(new TenantDelete()));
    serve.settings = Settings.install(cl, env);
    serve.env = env;
    versions(cl);
    return cl;
  }

  /** {@code -V} on any command prints the version (picocli asks each command's own provider). */
  private static void versions(CommandLine cl) {
    cl.getCommandSpec().versionProvider(new Version());
    cl.getSubcommands().values().forEach(Main::versions);
  }

  /**
   * The variable of a setting: {@code --host} reads {@code SCIMD_HOST}, and so on; other options
   * have none and are no settings ({@link Settings}: each setting is also a key of the
   * configuration file).
   */
  static @Nullable String variable(String option) {
    return switch (option) {
      case "--host",
          "--port",
          "--data",
          "--schemas",
          "--db",
          "--db-pool-size",
          "--db-connect-timeout",
          "--db-statement-timeout",
          "--migrate",
          "--max-query-candidates",
          "--max-concurrent-evaluations",
          "--audit-key",
          "--audit-checkpoint-interval",
          "--audit-checkpoint-entries",
          "--audit-retention",
          "--audit-auth-failure-window",
          "--target-allow",
          "--targets",
          "--delivery" ->
          "SCIMD_" + option.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
      case "--tls-cert",
          "--tls-key",
          "--trusted-proxy",
          "--idle-timeout",
          "--header-timeout",
          "--body-timeout",
          "--max-connections",
          "--max-tokens-per-client",
          "--oauth-issuer",
          "--oauth-token-lifetime",
          "--oauth-key-rotation",
          "--oauth-trust" ->
          "SCIMD_" + option.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
      case "--rate-limit",
          "--rate-limit-burst",
          "--auth-failure-limit",
          "--max-payload-size",
          "--bulk-max-operations",
          "--max-results",
          "--max-filter-length",
          "--max-filter-depth",
          "--max-patch-operations",
          "--access-staleness",
          "--access-index-max",
          "--log-format",
          "--log-level",
          "--metrics-open" ->
          "SCIMD_" + option.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
      case "--console-oidc-issuer",
          "--console-oidc-client-id",
          "--console-oidc-admins",
          "--console-oidc-admin-group" ->
          "SCIMD_" + option.substring(2).replace('-', '_').toUpperCase(Locale.ROOT);
      case "--hub-key" -> "SCIMD_HUB_KEY_FILE";
      default -> null;
    };
  }

  /** {@code scimd --version}: the version and the commit this scimd was built from. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {BuildInfo.current().line()};
    }
  }

  /** The message of a failure on one line: it is what an operator greps for in the logs. */
  static String oneLine(@Nullable String message) {
    return message == null ? "unknown error" : message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /**
   * Which database a command uses and how: {@code --db} (a PostgreSQL JDBC URL; without it, SQLite
   * in {@code --data}), the pool size and timeouts, and whether to migrate on start.
   */
  static final class DbOptions {
    /** Every command that opens a store reads the configuration file too (see {@link Settings}). */
    @Option(
        names = "--config",
        paramLabel = "FILE",
        description =
            "YAML configuration file: each key is an option's name without the dashes (port: 8080); flags and then environment variables override it (SCIMD_CONFIG).")
    @Nullable Path config;

    @Option(
        names = "--db",
        description =
            "PostgreSQL JDBC URL, e.g. jdbc:postgresql://127.0.0.1:5432/scimd?user=scimd (SCIMD_DB; default: SQLite in --data).")
    @Nullable String url;

    @Option(
        names = "--db-pool-size",
        defaultValue = "10",
        description =
            "PostgreSQL connections per node (SCIMD_DB_POOL_SIZE; default ${DEFAULT-VALUE}).")
    int poolSize;

    @Option(
        names = "--db-connect-timeout",
        defaultValue = "5s",
        converter = DurationConverter.class,
        description =
            "How long to wait for a PostgreSQL connection, e.g. 5s or 500ms (SCIMD_DB_CONNECT_TIMEOUT; default ${DEFAULT-VALUE}).")
    Duration connectTimeout;

    @Option(
        names = "--db-statement-timeout",
        defaultValue = "30s",
        converter = DurationConverter.class,
        description =
            "Longest a PostgreSQL statement may run, 0 for no limit (SCIMD_DB_STATEMENT_TIMEOUT; default ${DEFAULT-VALUE}).")
    Duration statementTimeout;

    /**
     * The pool settings of these options.
     *
     * @throws IllegalArgumentException for a value the pool cannot use (e.g. a pool of 0)
     */
    PoolSettings settings(boolean migrate) {
      return PoolSettings.defaults()
          .withMaxPoolSize(poolSize)
          .withConnectionTimeout(connectTimeout)
          .withStatementTimeout(statementTimeout)
          .withMigrate(migrate);
    }
  }

  /** Prints {@code scimd: message} on the error stream and returns {@code code}. */
  static int fail(CommandSpec spec, int code, @Nullable String message) {
    PrintWriter err = spec.commandLine().getErr();
    err.println("scimd: " + oneLine(message));
    err.flush();
    return code;
  }

  /**
   * {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 400d}, a bare {@code 0}, or ISO-8601
   * ({@code PT5S}).
   */
  static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern SIMPLE = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)?");

    @Override
    public Duration convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      Matcher m = SIMPLE.matcher(v);
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2);
        if (unit == null && n != 0) {
          throw new CommandLine.TypeConversionException(
              "'" + value + "' needs a unit: ms, s, m, h or d (e.g. 5s)");
        }
        return unit == null
            ? Duration.ZERO
            : switch (unit) {
              case "ms" -> Duration.ofMillis(n);
              case "s" -> Duration.ofSeconds(n);
              case "h" -> Duration.ofHours(n);
              case "d" -> Duration.ofDays(n);
              default -> Duration.ofMinutes(n);
            };
      }
      try {
        return Duration.parse(value.strip());
      } catch (DateTimeParseException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a duration: give e.g. 500ms, 5s, 2m, 1h, 400d or PT5S");
      }
    }
  }

  /**
   * A size in bytes: {@code 1048576}, or with a binary unit, {@code 512KiB}, {@code 1MiB} ({@code
   * k}, {@code KB}, {@code m}, {@code MB} mean the same, 1,024 and 1,048,576 bytes).
   */
  static final class SizeConverter implements CommandLine.ITypeConverter<Integer> {
    private static final Pattern SIZE =
        Pattern.compile("(\\d{1,10})\\s*(b|k|kb|kib|m|mb|mib)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Integer convert(String value) {
      Matcher m = SIZE.matcher(value.strip());
      if (!m.matches()) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a size: give bytes, or e.g. 512KiB or 1MiB");
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
      long bytes = unit.startsWith("k") ? n * 1024 : unit.startsWith("m") ? n * 1024 * 1024 : n;
      if (bytes > Integer.MAX_VALUE) {
        throw new CommandLine.TypeConversionException("'" + value + "' is too large");
      }
      return (int) bytes;
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the SCIM server.")
  static final class Serve implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--host",
        defaultValue = ServerConfig.DEFAULT_HOST,
        description = "Address to bind (SCIMD_HOST; default ${DEFAULT-VALUE}).")
    String host;

    @Option(
        names = "--port",
        defaultValue = "8080",
        description = "TCP port, 0 for any free one (SCIMD_PORT; default ${DEFAULT-VALUE}).")
    int port;

    @Option(
        names = "--data",
        defaultValue = ServerConfig.DEFAULT_DATA,
        description =
            "Data directory, holds the SQLite file (SCIMD_DATA; default ${DEFAULT-VALUE}).")
    Path data;

    @Option(
        names = "--schemas",
        description = "Directory of extra schema and resource type definitions (SCIMD_SCHEMAS).")
    @Nullable Path schemas;

    @Mixin DbOptions db = new DbOptions();

    @Option(
        names = "--migrate",
        negatable = true,
        defaultValue = "true",
        fallbackValue = "true",
        description =
            "Apply pending PostgreSQL migrations on start; --no-migrate refuses to start until 'scimd migrate' ran (SCIMD_MIGRATE; default ${DEFAULT-VALUE}).")
    boolean migrate;

    @Option(
        names = "--max-query-candidates",
        defaultValue = "" + ScanLimits.DEFAULT_MAX_CANDIDATES,
        description =
            "Most resources one query may examine one by one when no index answers its filter or sortBy; more answer 400 tooMany (SCIMD_MAX_QUERY_CANDIDATES; default ${DEFAULT-VALUE}).")
    int maxQueryCandidates;

    @Option(
        names = "--max-concurrent-evaluations",
        description =
            "How many such queries may run at once on this node; more answer 503 (SCIMD_MAX_CONCURRENT_EVALUATIONS; default: half the processors, 1 or 2).")
    @Nullable Integer maxConcurrentEvaluations;

    @Option(
        names = "--tls-cert",
        paramLabel = "FILE",
        description =
            "PEM file with the server certificate and then its chain: serve HTTPS (with --tls-key), reloaded when the files change (SCIMD_TLS_CERT).")
    @Nullable Path tlsCert;

    @Option(
        names = "--tls-key",
        paramLabel = "FILE",
        description =
            "PEM file with the certificate's private key, unencrypted PKCS#8 'BEGIN PRIVATE KEY' (SCIMD_TLS_KEY).")
    @Nullable Path tlsKey;

    @Option(
        names = "--trusted-proxy",
        paramLabel = "CIDR",
        split = ",",
        description =
            "A proxy address or block (e.g. 10.0.0.0/8) whose Forwarded / X-Forwarded-* headers are believed; repeatable. From any other address they are ignored (SCIMD_TRUSTED_PROXY, comma-separated; default: none).")
    List<String> trustedProxies = new ArrayList<>();

    @Option(
        names = "--idle-timeout",
        defaultValue = "30s",
        converter = DurationConverter.class,
        description =
            "Close a connection that sends and receives nothing for this long (SCIMD_IDLE_TIMEOUT; default ${DEFAULT-VALUE}).")
    Duration idleTimeout;

    @Option(
        names = "--header-timeout",
        defaultValue = "10s",
        converter = DurationConverter.class,
        description =
            "Most time from the first byte of a request (or of the TLS handshake) to the end of its headers (SCIMD_HEADER_TIMEOUT; default ${DEFAULT-VALUE}).")
    Duration headerTimeout;

    @Option(
        names = "--body-timeout",
        defaultValue = "30s",
        converter = DurationConverter.class,
        description =
            "Most time from the end of a request's headers to the end of its body (SCIMD_BODY_TIMEOUT; default ${DEFAULT-VALUE}).")
    Duration bodyTimeout;

    @Option(
        names = "--max-connections",
        defaultValue = "" + TransportConfig.DEFAULT_MAX_CONNECTIONS,
        description =
            "Most connections open at once; more wait to be accepted (SCIMD_MAX_CONNECTIONS; default ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(
        names = "--max-tokens-per-client",
        defaultValue = "" + ClientAdmin.DEFAULT_MAX_LIVE,
        description =
            "Most live tokens (and client secrets) one client may hold, for the admin API (SCIMD_MAX_TOKENS_PER_CLIENT; default ${DEFAULT-VALUE}).")
    int maxTokensPerClient;

    @Option(
        names = "--access-staleness",
        defaultValue = "0",
        converter = DurationConverter.class,
        description =
            "How long after checking the journal a node may answer access decisions from its index without checking again, e.g. 200ms; 0 checks before every decision, so each reflects every change committed on any node. Changes made through the node itself count at once either way (SCIMD_ACCESS_STALENESS; default ${DEFAULT-VALUE}).")
    Duration accessStaleness;

    @Option(
        names = "--access-index-max",
        description =
            "The most users and agents of one tenant whose access decisions a node answers from an in-memory index; a larger tenant's decisions read the database; 0: no index (SCIMD_ACCESS_INDEX_MAX; default: one per 16 KiB of the maximum heap, at most 500000).")
    @Nullable Long accessIndexMax;

    @Option(
        names = "--oauth-issuer",
        description =
            "The issuer URL of scimd's access tokens and OAuth metadata (SCIMD_OAUTH_ISSUER; default: the URL each request was made to).")
    @Nullable String oauthIssuer;

    @Option(
        names = "--oauth-token-lifetime",
        defaultValue = "1h",
        converter = DurationConverter.class,
        description =
            "How long an access token from /oauth/token is good for (SCIMD_OAUTH_TOKEN_LIFETIME; default ${DEFAULT-VALUE}).")
    Duration oauthTokenLifetime;

    @Option(
        names = "--oauth-key-rotation",
        defaultValue = "30d",
        converter = DurationConverter.class,
        description =
            "How long a node signs access tokens with one key before it makes the next (SCIMD_OAUTH_KEY_ROTATION; default ${DEFAULT-VALUE}).")
    Duration oauthKeyRotation;

    @Option(
        names = "--oauth-trust",
        description =
            "A JSON file of external issuers whose access tokens are accepted (SCIMD_OAUTH_TRUST); see the README.")
    @Nullable Path oauthTrust;

    @Option(
        names = "--rate-limit",
        paramLabel = "RATE",
        defaultValue = "100/s",
        description =
            "Requests each client credential may send, e.g. 100/s, 600/m or 5000/h, held by all the nodes on one database together; more answer 429 with Retry-After; 0 or off for none (SCIMD_RATE_LIMIT; default ${DEFAULT-VALUE}).")
    String rateLimit;

    @Option(
        names = "--rate-limit-burst",
        paramLabel = "N",
        description =
            "How many requests a client may send at once after a quiet spell (SCIMD_RATE_LIMIT_BURST; default: two seconds' worth of a per-second rate, 200 for 100/s, else the count).")
    @Nullable Integer rateLimitBurst;

    @Option(
        names = "--auth-failure-limit",
        paramLabel = "RATE",
        defaultValue = "10/m",
        description =
            "Failed authentications one client address may make, e.g. 10/m; beyond them its requests without a known token answer 429; 0 or off for no limit (SCIMD_AUTH_FAILURE_LIMIT; default ${DEFAULT-VALUE}).")
    String authFailureLimit;

    @Option(
        names = "--max-payload-size",
        paramLabel = "SIZE",
        defaultValue = "1MiB",
        converter = SizeConverter.class,
        description =
            "Largest request body, bulk or not, in bytes or e.g. 512KiB, 4MiB; larger answer 413; published as bulk.maxPayloadSize (SCIMD_MAX_PAYLOAD_SIZE; default ${DEFAULT-VALUE}).")
    int maxPayloadSize;

    @Option(
        names = "--bulk-max-operations",
        paramLabel = "N",
        defaultValue = "" + ServiceConfig.DEFAULT_BULK_MAX_OPERATIONS,
        description =
            "Most operations in one bulk request; more answer 413; published as bulk.maxOperations (SCIMD_BULK_MAX_OPERATIONS; default ${DEFAULT-VALUE}).")
    int bulkMaxOperations;

    @Option(
        names = "--max-results",
        paramLabel = "N",
        defaultValue = "" + ServiceConfig.DEFAULT_MAX_PAGE_SIZE,
        description =
            "Most resources in one list response (a larger count is capped); published as filter.maxResults (SCIMD_MAX_RESULTS; default ${DEFAULT-VALUE}).")
    int maxResults;

    @Option(
        names = "--max-filter-length",
        paramLabel = "N",
        defaultValue = "" + ServiceConfig.DEFAULT_MAX_FILTER_LENGTH,
        description =
            "Most characters of a filter; longer answer 400 invalidFilter (SCIMD_MAX_FILTER_LENGTH; default ${DEFAULT-VALUE}).")
    int maxFilterLength;

    @Option(
        names = "--max-filter-depth",
        paramLabel = "N",
        defaultValue = "" + ServiceConfig.DEFAULT_MAX_FILTER_DEPTH,
        description =
            "Deepest a filter may nest parentheses, not (...) and [...], 1 to 64; deeper answer 400 invalidFilter (SCIMD_MAX_FILTER_DEPTH; default ${DEFAULT-VALUE}).")
    int maxFilterDepth;

    @Option(
        names = "--max-patch-operations",
        paramLabel = "N",
        defaultValue = "" + ServiceConfig.DEFAULT_MAX_PATCH_OPERATIONS,
        description =
            "Most operations in one PATCH request; more answer 413 (SCIMD_MAX_PATCH_OPERATIONS; default ${DEFAULT-VALUE}).")
    int maxPatchOperations;

    @Mixin AuditCommand.AuditOptions audit = new AuditCommand.AuditOptions();

    @Mixin HubOptions hub = new HubOptions();

    @Option(
        names = "--delivery",
        negatable = true,
        defaultValue = "true",
        fallbackValue = "true",
        description =
            "Deliver changes to the hub's targets from this node; --no-delivery serves requests only, other nodes deliver (SCIMD_DELIVERY; default ${DEFAULT-VALUE}).")
    boolean delivery;

    @Option(
        names = "--targets",
        paramLabel = "FILE",
        description =
            "A JSON or YAML file of targets, applied when the server starts: each checked as the admin API checks it, all or nothing; secrets as {\"$env\": \"VAR\"} or {\"$file\": \"path\"} (SCIMD_TARGETS).")
    @Nullable Path targets;

    /** The environment ({@code $env} values of the targets file); set with the command line. */
    Map<String, String> env = Map.of();

    @Option(
        names = "--log-format",
        paramLabel = "FORMAT",
        defaultValue = "plain",
        description =
            "plain: one line of text per event; json: one JSON object per line, each access-log field a key of its own (SCIMD_LOG_FORMAT; default ${DEFAULT-VALUE}).")
    String logFormat;

    @Option(
        names = "--log-level",
        paramLabel = "LEVEL",
        defaultValue = "info",
        description =
            "error, warn, info (one line per request on scimd.access), debug or trace (SCIMD_LOG_LEVEL; default ${DEFAULT-VALUE}).")
    String logLevel;

    @Option(
        names = "--metrics-open",
        negatable = true,
        defaultValue = "false",
        fallbackValue = "true",
        description =
            "Serve /metrics without a credential, for a Prometheus that cannot send one; it then tells anyone who reaches the port the request counts per client and route (SCIMD_METRICS_OPEN; default ${DEFAULT-VALUE}: a client with the scope metrics or admin).")
    boolean metricsOpen;

    @Option(
        names = "--console-oidc-issuer",
        paramLabel = "URL",
        description =
            "The issuer URL of an OpenID Connect provider people sign in to the console with, by the authorization code flow with PKCE (SCIMD_CONSOLE_OIDC_ISSUER; default: none, admin tokens only). Needs --console-oidc-client-id and --console-oidc-admins or --console-oidc-admin-group; the client secret, if any, comes from SCIMD_CONSOLE_OIDC_CLIENT_SECRET or its _FILE; the redirect URI is --oauth-issuer's URL (else the URL the browser used) + /console/oidc/callback.")
    @Nullable String consoleOidcIssuer;

    @Option(
        names = "--console-oidc-client-id",
        description =
            "scimd's client id at the console's OIDC provider (SCIMD_CONSOLE_OIDC_CLIENT_ID).")
    @Nullable String consoleOidcClientId;

    @Option(
        names = "--console-oidc-admins",
        paramLabel = "EMAIL|SUB",
        split = ",",
        description =
            "Who may sign in to the console through the OIDC provider, by email (only one the ID token says is verified) or subject; repeatable (SCIMD_CONSOLE_OIDC_ADMINS, comma-separated; default: none).")
    List<String> consoleOidcAdmins = new ArrayList<>();

    @Option(
        names = "--console-oidc-admin-group",
        description =
            "A value of the ID token's groups claim whose bearers may sign in to the console through the OIDC provider (SCIMD_CONSOLE_OIDC_ADMIN_GROUP; default: none).")
    @Nullable String consoleOidcAdminGroup;

    private final Consumer<ScimServer> onStarted;

    /** Where the settings come from; set once the command line is built. */
    @Nullable Settings settings;

    Serve(Consumer<ScimServer> onStarted) {
      this.onStarted = onStarted;
    }

    @Override
    public Integer call() throws InterruptedException {
      PrintWriter err = spec.commandLine().getErr();
      ServerConfig config;
      ScimServer server;
      try {
        LogSetup.apply(logFormat, logLevel);
        Integer evaluations = maxConcurrentEvaluations;
        String url = db.url;
        PoolSettings pool = url == null ? null : db.settings(migrate);
        int defaultEvaluations = ServiceConfig.DEFAULTS.maxConcurrentEvaluations();
        if (pool != null) {
          // Each evaluation holds a connection for seconds: leave at least one for cheap requests.
          defaultEvaluations = Math.min(defaultEvaluations, Math.max(1, pool.maxPoolSize() - 1));
        }
        ServiceConfig service =
            ServiceConfig.DEFAULTS
                .withQueryLimits(
                    maxQueryCandidates, evaluations == null ? defaultEvaluations : evaluations)
                .withRequestLimits(
                    maxResults,
                    maxPayloadSize,
                    bulkMaxOperations,
                    maxPatchOperations,
                    maxFilterLength,
                    maxFilterDepth)
                .withRateLimit(rate("--rate-limit", rateLimit, rateLimitBurst));
        config =
            new ServerConfig(host, port, data, schemas, bootstrapToken(), service)
                .withAuthFailureLimit(rate("--auth-failure-limit", authFailureLimit, null));
        if (url != null && pool != null) {
          config = config.withDatabase(url, pool);
        }
        config = config.withAudit(audit.settings());
        config = config.withTransport(transport());
        Path targetsFile = targets;
        config =
            config.withHub(
                hub.settings(delivery)
                    .withTargets(
                        targetsFile == null
                            ? null
                            : new io.scimd.server.hub.TargetsFile(targetsFile, env)));
        config =
            config.withAuth(new AuthSettings(maxTokensPerClient, config.auth().authFailureLimit()));
        Path trust = oauthTrust;
        config =
            config.withOAuth(
                new OAuthSettings(
                    oauthIssuer,
                    oauthTokenLifetime,
                    oauthKeyRotation,
                    trust == null ? List.of() : TrustedIssuers.read(trust)));
        Long indexMax = accessIndexMax;
        config =
            config.withAccess(
                new AccessSettings(
                    accessStaleness,
                    indexMax == null ? AccessSettings.defaultMaxIdentities() : indexMax));
        config = config.withMetricsOpen(metricsOpen);
        config = config.withConsoleOidc(consoleOidc(oauthIssuer));
        server = ScimServer.start(config, spec.commandLine().getOut());
      } catch (IllegalArgumentException e) {
        err.println("scimd: invalid configuration: " + explain(e));
        err.flush();
        return EXIT_CONFIG;
      } catch (RuntimeException e) {
        err.println("scimd: cannot start: " + explain(e));
        err.flush();
        return EXIT_START;
      }
      Thread hook = new Thread(server::close, "scimd-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        onStarted.accept(server);
        server.join();
      } finally {
        server.close();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is exiting and runs the hook itself
        }
      }
      return 0;
    }

    /** The message of {@code e}, naming the variable or file key of each option it names. */
    private String explain(RuntimeException e) {
      Settings s = settings;
      String message = oneLine(e.getMessage());
      return s == null ? message : s.explain(spec, message);
    }

    /**
     * The bootstrap token ({@code SCIMD_BOOTSTRAP_TOKEN}, its {@code _FILE}, or the configuration
     * file's {@code bootstrap-token}), or null.
     *
     * @throws IllegalArgumentException when it is too short, naming where it came from (never the
     *     token: it is a secret even when unusable)
     */
    private @Nullable String bootstrapToken() {
      Settings s = settings;
      Settings.Value v = s == null ? null : s.withoutFlag("bootstrap-token", spec);
      if (v == null) {
        return null;
      }
      if (v.text().length() < Tokens.MIN_LENGTH) {
        throw new IllegalArgumentException(
            v.label()
                + " must be at least "
                + Tokens.MIN_LENGTH
                + " characters long (it has "
                + v.text().length()
                + "); use a long random value");
      }
      return v.text();
    }

    /**
     * The console's OIDC sign-in, or null when none of its settings is given.
     *
     * @throws IllegalArgumentException when only some are given, naming what is missing (never the
     *     secret)
     */
    private @Nullable ConsoleOidc consoleOidc(@Nullable String redirectBase) {
      Settings s = settings;
      Settings.Value secret = s == null ? null : s.withoutFlag("console-oidc-client-secret", spec);
      String issuer = consoleOidcIssuer;
      String clientId = consoleOidcClientId;
      boolean any =
          issuer != null
              || clientId != null
              || secret != null
              || !consoleOidcAdmins.isEmpty()
              || consoleOidcAdminGroup != null;
      if (!any) {
        return null;
      }
      if (issuer == null || issuer.isBlank()) {
        throw new IllegalArgumentException(
            "the console's OIDC settings need --console-oidc-issuer too (the provider's issuer"
                + " URL), or none of them");
      }
      if (clientId == null || clientId.isBlank()) {
        throw new IllegalArgumentException(
            "--console-oidc-issuer needs --console-oidc-client-id (scimd's client id at the"
                + " provider)");
      }
      return new ConsoleOidc(
          issuer,
          clientId,
          secret == null ? null : secret.text(),
          consoleOidcAdmins,
          consoleOidcAdminGroup,
          redirectBase);
    }

    /**
     * The rate an option gives.
     *
     * @throws IllegalArgumentException naming the option and the forms it takes
     */
    private static Rate rate(String option, String spec, @Nullable Integer burst) {
      try {
        return Rate.parse(spec, burst);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
      }
    }

    /**
     * What the transport options say.
     *
     * @throws IllegalArgumentException for an unusable value (a proxy that is no address, one TLS
     *     file without the other)
     */
    TransportConfig transport() {
      List<Cidr> proxies = new ArrayList<>();
      for (String p : trustedProxies) {
        if (!p.isBlank()) {
          proxies.add(Cidr.parse(p));
        }
      }
      return new TransportConfig(
          tlsCert, tlsKey, proxies, idleTimeout, headerTimeout, bodyTimeout, maxConnections);
    }
  }

  @Command(
      name = "migrate",
      mixinStandardHelpOptions = true,
      description =
          "Apply pending migrations to the PostgreSQL database of --db and exit (for nodes run with --no-migrate).")
  static final class Migrate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin DbOptions db = new DbOptions();

    @Option(
        names = "--schemas",
        description =
            "Directory of extra schema and resource type definitions, as the nodes have it: a migration may recompute the keys of their unique attributes (SCIMD_SCHEMAS).")
    @Nullable Path schemas;

    @Override
    public Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      String url = db.url;
      if (url == null) {
        err.println(
            "scimd: invalid configuration: migrate needs --db (or SCIMD_DB): SQLite migrates itself on start");
        err.flush();
        return EXIT_CONFIG;
      }
      PoolSettings settings;
      List<String> applied;
      err.println("scimd: store: PostgreSQL at " + Stores.redact(url));
      err.flush();
      try {
        settings = db.settings(true);
        // IllegalArgumentException for a URL of another kind, or invalid schema definitions
        applied = Stores.migratePostgres(url, TenantSchemas.read(schemas).union(), settings);
      } catch (IllegalArgumentException e) {
        err.println("scimd: invalid configuration: " + oneLine(e.getMessage()));
        err.flush();
        return EXIT_CONFIG;
      } catch (RuntimeException e) {
        err.println("scimd: cannot migrate: " + oneLine(e.getMessage()));
        err.flush();
        return EXIT_START;
      }
      PrintWriter out = spec.commandLine().getOut();
      if (applied.isEmpty()) {
        out.println("scimd: the database schema was already up to date; no migration to apply");
      } else {
        out.println(
            "scimd: applied "
                + applied.size()
                + (applied.size() == 1 ? " migration: " : " migrations: ")
                + String.join(", ", applied)
                + "; the database schema is now up to date");
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "tenant",
      mixinStandardHelpOptions = true,
      description = {
        "Manage tenants: isolated directories, each served at /tenants/NAME/scim/v2 and, for its own"
            + " credentials, at /scim/v2.",
        "A name is 1 to 63 of a-z, 0-9 and '-', neither starting nor ending with '-'."
      })
  static final class TenantCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(spec.commandLine().getOut());
    }
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create an empty tenant.")
  static final class TenantCreate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "NAME", description = "The tenant's name, e.g. acme.")
    String name = "";

    @Mixin StoreOptions store = new StoreOptions();

    @Override
    public Integer call() {
      Optional<Tenants.Tenant> created;
      try {
        Tenants.checkName(name);
        try (Store s = store.open(spec)) {
          created = s.tenants().create(name);
        }
      } catch (IllegalArgumentException e) {
        return fail(spec, EXIT_CONFIG, e.getMessage());
      } catch (RuntimeException e) {
        return fail(spec, EXIT_START, "cannot create the tenant: " + e.getMessage());
      }
      if (created.isEmpty()) {
        return fail(spec, EXIT_START, "the tenant \"" + name + "\" exists already");
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "scimd: created tenant \"" + name + "\", served at /tenants/" + name + "/scim/v2");
      out.println(
          "scimd: give it a client credential with: scimd token create --tenant "
              + name
              + " --name NAME");
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the tenants, with how many resources and live credentials each holds.")
  static final class TenantList implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Mixin StoreOptions store = new StoreOptions();

    @Override
    public Integer call() {
      List<Tenants.Tenant> tenants;
      try (Store s = store.open(spec)) {
        tenants = s.tenants().list();
      } catch (IllegalArgumentException e) {
        return fail(spec, EXIT_CONFIG, "invalid configuration: " + e.getMessage());
      } catch (RuntimeException e) {
        return fail(spec, EXIT_START, "cannot list the tenants: " + e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.printf("%-63s  %-20s  %10s  %11s%n", "NAME", "CREATED", "RESOURCES", "CREDENTIALS");
      for (Tenants.Tenant t : tenants) {
        out.printf(
            "%-63s  %-20s  %10d  %11d%n",
            t.name(), t.created().truncatedTo(ChronoUnit.SECONDS), t.resources(), t.credentials());
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Delete a tenant. One that still holds resources or live credentials is refused unless --force:"
            + " then its resources are deleted (each journaled) and its credentials revoked, in one"
            + " transaction. The tenant 'default' cannot be deleted."
      })
  static final class TenantDelete implements Callable<Integer> {
    @Spec CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "NAME", description = "The tenant's name.")
    String name = "";

    @Option(
        names = "--force",
        description = "Delete the tenant with every resource and credential it holds.")
    boolean force;

    @Mixin StoreOptions store = new StoreOptions();

    @Override
    public Integer call() {
      Tenants.Deletion done;
      try {
        Tenants.checkName(name);
        if (name.equals(Scope.DEFAULT_TENANT)) {
          return fail(
              spec, EXIT_CONFIG, "the tenant \"" + Scope.DEFAULT_TENANT + "\" cannot be deleted");
        }
        try (Store s = store.open(spec)) {
          done = s.tenants().delete(name, force);
        }
      } catch (IllegalArgumentException e) {
        return fail(spec, EXIT_CONFIG, e.getMessage());
      } catch (RuntimeException e) {
        return fail(spec, EXIT_START, "cannot delete the tenant: " + e.getMessage());
      }
      return switch (done) {
        case Tenants.Deletion.NotFound n -> fail(spec, EXIT_START, "no tenant \"" + name + "\"");
        case Tenants.Deletion.NotEmpty n ->
            fail(
                spec,
                EXIT_START,
                "the tenant \""
                    + name
                    + "\" still holds "
                    + n.resources()
                    + " resource(s) and "
                    + n.credentials()
                    + " live credential(s): nothing was deleted; give --force to"
                    + " delete it with everything it holds");
        case Tenants.Deletion.Deleted d -> {
          PrintWriter out = spec.commandLine().getOut();
          out.println(
              "scimd: deleted tenant \""
                  + name
                  + "\" with "
                  + d.resources()
                  + " resource(s); "
                  + d.credentials()
                  + " credential(s) revoked");
          out.flush();
          yield 0;
        }
      };
    }
  }
}
