package io.scimd.server;

import io.scimd.access.AccessModel;
import io.scimd.access.ChangeAwareness;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.audit.AuditKey;
import io.scimd.server.audit.AuditMaintenance;
import io.scimd.server.audit.AuthFailures;
import io.scimd.server.clients.ClientAdmin;
import io.scimd.server.clients.Scopes;
import io.scimd.server.clients.Tokens;
import io.scimd.server.console.Console;
import io.scimd.server.events.SecurityEventsParts;
import io.scimd.server.http.FailedAuthentications;
import io.scimd.server.http.ScimHttp;
import io.scimd.server.hub.HubNode;
import io.scimd.server.hub.WakingStore;
import io.scimd.server.limits.Buckets;
import io.scimd.server.limits.Rate;
import io.scimd.server.limits.UsageExchange;
import io.scimd.server.oauth.AuthorizationServer;
import io.scimd.server.observe.Telemetry;
import io.scimd.server.service.ScimService;
import io.scimd.server.transport.Transport;
import io.scimd.store.Credentials;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.jdbc.Stores;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running scimd: its store (SQLite in its data directory, or a PostgreSQL database that other
 * nodes share), the audit trail's checkpoints and retention ({@link AuditMaintenance}), the SCIM
 * service over the store, and a Jetty server that runs every request on a virtual thread (handlers
 * and JDBC stay blocking and straight-line). {@link #start} returns once the server accepts
 * requests; {@link #close} stops it and closes the store.
 */
public final class ScimServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScimServer.class);

  private final Server jetty;
  private final ServerConnector connector;
  private final Store store;
  private final AuditMaintenance audit;
  private final @Nullable UsageExchange exchange;
  private final AuthFailures failureLog;
  private final HubNode hub;
  private final Telemetry telemetry;
  private final String where;
  private final long startedNanos = System.nanoTime();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** The SQLite data directory's lock, held while this server runs; null on PostgreSQL. */
  private @Nullable DataDirectoryLock lock;

  /** The most clients whose rate buckets a node keeps (more: full buckets are dropped). */
  static final int MAX_CLIENT_KEYS = 100_000;

  /** The most client addresses whose failed authentications a node remembers. */
  static final int MAX_ADDRESSES = 10_000;

  private ScimServer(
      Server jetty,
      ServerConnector connector,
      Store store,
      AuditMaintenance audit,
      @Nullable UsageExchange exchange,
      AuthFailures failureLog,
      HubNode hub,
      Telemetry telemetry,
      String where) {
    this.telemetry = telemetry;
    this.where = where;
    this.jetty = jetty;
    this.connector = connector;
    this.store = store;
    this.audit = audit;
    this.exchange = exchange;
    this.failureLog = failureLog;
    this.hub = hub;
  }

  /**
   * Loads the schemas, opens the store, creates the first credential when there is none (printing
   * its token on {@code out}), and starts listening.
   *
   * @throws IllegalArgumentException when the configuration, a schema definition, or the TLS
   *     certificate or key is invalid
   * @throws IllegalStateException when the server cannot listen or the store cannot open
   */
  public static ScimServer start(ServerConfig config, PrintWriter out) {
    InstantSource clock = InstantSource.system();
    TenantSchemas schemas = TenantSchemas.read(config.schemasDir());
    // One server per SQLite data directory: a second is refused before it touches the store.
    DataDirectoryLock lock =
        config.database() == null ? DataDirectoryLock.acquire(config.dataDir()) : null;
    try {
      if (isNew(config)) {
        LOG.warn("store: {}: none there yet, creating a new, empty store", where(config));
      } else {
        LOG.info("store: {}", where(config));
      }
      Store store = openStore(config, schemas.union(), clock);
      try {
        ScimServer server = start(config, schemas, store, clock, out);
        server.lock = lock;
        return server;
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
    } catch (RuntimeException e) {
      if (lock != null) {
        lock.close();
      }
      throw e;
    }
  }

  /**
   * Where the store of {@code config} is, for people: {@code SQLite in /abs/dir} or {@code
   * PostgreSQL at jdbc:postgresql://host/db?user=scimd} (without a password).
   */
  static String where(ServerConfig config) {
    String database = config.database();
    return database != null
        ? "PostgreSQL at " + Stores.redact(database)
        : "SQLite in " + config.dataDir().toAbsolutePath().normalize();
  }

  /** Whether opening the store of {@code config} creates it: an SQLite directory without one. */
  static boolean isNew(ServerConfig config) {
    return config.database() == null && !Files.exists(config.dataDir().resolve(SQLITE_FILE));
  }

  /** The SQLite database file in a data directory. */
  static final String SQLITE_FILE = "scimd.db";

  /**
   * The store {@code config} names: the PostgreSQL database of {@code --db}, else SQLite in the
   * data directory (which the store creates, readable by its owner only, when missing). The store
   * module's selector is the one place that maps a location to an implementation.
   */
  static Store openStore(ServerConfig config, SchemaRegistry registry, InstantSource clock) {
    String database = config.database();
    if (database != null) {
      return Stores.open(database, registry, clock, config.pool());
    }
    return Stores.open(config.dataDir().toString(), registry, clock, config.pool());
  }

  /** Starts on an already open {@code store}, which the server then owns and closes. */
  static ScimServer start(
      ServerConfig config,
      TenantSchemas schemas,
      Store store,
      InstantSource clock,
      PrintWriter out) {
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("scimd-http");
    VirtualThreadPool virtual = new VirtualThreadPool();
    virtual.setName("scimd-request");
    threads.setVirtualThreadsExecutor(virtual);

    Server jetty = new Server(threads);
    // Location and meta.location name the URL the client used, also behind a trusted proxy.
    HttpConfiguration http = Transport.httpConfiguration(config.transport());
    http.addCustomizer(ScimHttp.securityHeaders());
    // First, and unstarted until listen: a certificate that cannot be used stops the start before
    // anything is written (the audit key, the chain, the bootstrap credential).
    ServerConnector connector =
        Transport.connector(jetty, http, config.host(), config.port(), config.transport());
    jetty.addConnector(connector);
    // Then the key: a key others can read is a configuration error, found before the store changes.
    AuditKey key = AuditKey.loadOrCreate(config.audit().keyFile(config.dataDir()));
    long hashed = store.audit().hashUnhashed();
    if (hashed > 0) {
      LOG.info("audit trail: chained {} journal entries written before it existed", hashed);
    }
    AuditMaintenance audit = AuditMaintenance.start(store.audit(), key, config.audit(), clock);
    HubNode hub;
    // The OAuth signing key signs security events too (0019): made before the workers start.
    AuthorizationServer oauth =
        new AuthorizationServer(store, config.oauth(), config.dataDir(), clock);
    SecurityEventsParts events;
    try {
      oauth.prepare();
      // Resources for put:full events are read, not written: the plain store serves them.
      ScimService sharedReader = new ScimService(schemas.shared(), store, config.service());
      Map<String, ScimService> ownReaders = new HashMap<>();
      schemas
          .own()
          .forEach((t, r) -> ownReaders.put(t, new ScimService(r, store, config.service())));
      ChangeAwareness awareness = new ChangeAwareness(store, schemas.union());
      events =
          SecurityEventsParts.of(
              t -> ownReaders.getOrDefault(t, sharedReader), oauth, awareness::affected);
      // The hub key too is checked before anything listens; the workers start delivering now.
      hub = HubNode.start(store, schemas.union(), config.hub(), config.dataDir(), clock, events);
    } catch (RuntimeException e) {
      audit.halt();
      throw e;
    }
    try {
      return listen(
          config, schemas, store, clock, audit, hub, oauth, events, jetty, connector, out);
    } catch (RuntimeException e) {
      hub.close();
      audit.halt();
      throw e;
    }
  }

  private static ScimServer listen(
      ServerConfig config,
      TenantSchemas schemas,
      Store store,
      InstantSource clock,
      AuditMaintenance audit,
      HubNode hub,
      AuthorizationServer oauth,
      SecurityEventsParts events,
      Server jetty,
      ServerConnector connector,
      PrintWriter out) {
    // One service per registry: a tenant with schemas of its own has its own endpoints. Their
    // writes wake this node's delivery workers as they commit,
    // and, with --access-staleness, make this node's next decisions check the journal again.
    AccessModel access = new AccessModel(store, schemas.union(), config.access());
    Store writes =
        new WakingStore(
            store,
            () -> {
              access.written();
              hub.wake();
            });
    ScimService shared = new ScimService(schemas.shared(), writes, config.service());
    Map<String, ScimService> own = new HashMap<>();
    schemas.own().forEach((t, r) -> own.put(t, new ScimService(r, writes, config.service())));
    Function<String, ScimService> services = t -> own.getOrDefault(t, shared);
    ClientAdmin admin =
        new ClientAdmin(store.credentials(), clock, config.auth().maxTokensPerClient());
    Rate rate = config.service().rateLimit();
    Buckets clients = rate.on() ? new Buckets(rate, MAX_CLIENT_KEYS, System::nanoTime) : null;
    Rate failures = config.auth().authFailureLimit();
    Buckets authFailures =
        failures.on() ? new Buckets(failures, MAX_ADDRESSES, System::nanoTime) : null;
    // Failed authentications are counted in memory and journaled once a window (0015).
    AuthFailures failureLog =
        AuthFailures.start(
            store.audit(), store.credentials(), config.audit().authFailureWindow(), clock);
    Telemetry telemetry = Telemetry.start(clock);
    telemetry.observe(store, hub.hub());
    // The web console at /console (0026), beside the API and outside its bearer authentication.
    Console console =
        new Console(
            store,
            admin,
            hub,
            access,
            services,
            clock,
            config.consoleOidc(),
            new FailedAuthentications(authFailures, failureLog));
    jetty.setHandler(
        console.mountedBefore(
            ScimHttp.handler(
                services,
                schemas.union(),
                store,
                admin,
                oauth,
                clock,
                clients,
                authFailures,
                failureLog,
                hub,
                events.streams(store, hub.hub(), clock),
                access,
                telemetry,
                config.metricsOpen())));
    jetty.setErrorHandler(ScimHttp.errorHandler());
    jetty.setRequestLog(ScimHttp.accessLog(telemetry, schemas.union()));
    jetty.setStopTimeout(5_000);
    try {
      jetty.start();
    } catch (Exception e) {
      try {
        jetty.stop();
      } catch (Exception ignored) {
        // already failing; the cause below is what the operator needs
      }
      failureLog.halt();
      telemetry.close();
      throw new IllegalStateException(cannotListen(config.host(), config.port(), e), e);
    }
    // Nodes on one PostgreSQL database hold one client rate between them; an SQLite file has
    // one server, which holds it alone.
    UsageExchange exchange =
        clients != null && config.database() != null
            ? UsageExchange.start(clients, store.rateUsage(), clock)
            : null;
    ScimServer server =
        new ScimServer(
            jetty, connector, store, audit, exchange, failureLog, hub, telemetry, where(config));
    // Only now: a start that failed above has not used up the one-time token.
    try {
      bootstrap(store, admin, config.bootstrapToken(), out);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    summary(config, store, server.port());
    LOG.info(
        "client rate limit: {}; failed authentications per address: {}",
        rate.on()
            ? rate
                + " per client, bursts of "
                + rate.burst()
                + (exchange != null ? ", held by every node on the database together" : "")
            : "off",
        failures);
    return server;
  }

  /**
   * The startup summary, one line an operator can read and grep: the version and commit, the store
   * and where it is, its migrations, how many tenants and targets it holds, and the URLs it serves.
   */
  private static void summary(ServerConfig config, Store store, int port) {
    String tenants;
    String targets;
    try {
      tenants = Integer.toString(store.tenants().list().size());
      targets = Integer.toString(store.hub().allTargets().size());
    } catch (RuntimeException e) {
      tenants = "unknown";
      targets = "unknown";
    }
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    String base = (config.transport().tls() ? "https" : "http") + "://" + host + ":" + port;
    LOG.info(
        "{} started: store {} ({}); tenants: {}; targets: {}; listening on {} (SCIM {}/scim/v2,"
            + " health {}/health/ready, metrics {}/metrics{})",
        BuildInfo.current().line(),
        where(config),
        store.migrations(),
        tenants,
        targets,
        base,
        base,
        base,
        base,
        config.metricsOpen() ? ", open to all" : "");
  }

  /**
   * Why a server could not listen, in the operator's terms: Jetty says "Failed to bind", the socket
   * beneath it why.
   */
  static String cannotListen(String host, int port, Exception e) {
    String address = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException b) {
        String why = String.valueOf(b.getMessage());
        if (why.contains("in use")) {
          return "address " + address + " is already in use; choose another --port";
        }
        if (why.contains("ermission denied")) {
          return "cannot listen on "
              + address
              + ": permission denied (ports below 1024 need privileges); choose another --port";
        }
        if (why.contains("assign requested address")) {
          return "cannot listen on "
              + address
              + ": "
              + host
              + " is not an address of this machine; choose another --host";
        }
        return "cannot listen on " + address + ": " + why;
      }
    }
    return "cannot listen on " + address + ": " + e.getMessage();
  }

  /** The schema registry: the built-in schemas plus {@code dir}'s definitions. */
  static SchemaRegistry registry(@Nullable Path dir) {
    SchemaRegistry builtIn = SchemaRegistry.builtIn();
    if (dir == null) {
      return builtIn;
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("the schemas directory " + dir + " does not exist");
    }
    try {
      return builtIn.withDirectory(dir);
    } catch (IllegalArgumentException | UncheckedIOException e) {
      throw new IllegalArgumentException(
          "invalid schema definitions in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The client the first start creates, holding every scope. */
  static final String BOOTSTRAP = "bootstrap";

  /**
   * On a store without credentials, creates the client {@value #BOOTSTRAP} of the tenant {@code
   * default} with every scope ({@link Scopes#ALL}) and a bearer token: {@code
   * SCIMD_BOOTSTRAP_TOKEN} when set, else a new one printed once on {@code out}. On a store that
   * has credentials, says so, and says when {@code SCIMD_BOOTSTRAP_TOKEN} is not one of them (it is
   * then ignored).
   */
  private static void bootstrap(
      Store store, ClientAdmin admin, @Nullable String bootstrapToken, PrintWriter out) {
    Scope by = Scope.system(Scope.DEFAULT_TENANT, "bootstrap");
    Credentials credentials = store.credentials();
    if (!credentials.list().isEmpty()) {
      if (bootstrapToken != null
          && credentials.findByTokenHash(Tokens.hash(bootstrapToken)).isEmpty()) {
        out.println(
            "scimd: SCIMD_BOOTSTRAP_TOKEN is ignored: this store already has credentials and that"
                + " token is not one of them (it only seeds an empty store).");
      }
      out.println(
          "scimd: using the store's existing credentials; to make a new token: scimd token create"
              + " --client NAME (with the same --data or --db)");
      out.flush();
      return;
    }
    // A client left by an earlier start that stopped before issuing its token is reused.
    Credentials.Client client =
        admin
            .client(Scope.DEFAULT_TENANT, BOOTSTRAP)
            .orElseGet(() -> createBootstrapClient(admin, by));
    if (bootstrapToken != null) {
      try {
        admin.issueGiven(by, client, bootstrapToken);
      } catch (RuntimeException e) {
        // Several nodes starting at once on one empty database all see no credential; the token's
        // hash is unique, so all but one fail here, and for them the work is done.
        if (credentials.findByTokenHash(Tokens.hash(bootstrapToken)).isEmpty()) {
          throw e;
        }
        return;
      }
      out.println(
          "scimd: created the client \"bootstrap\" of the tenant \"default\" (every scope, admin"
              + " included) with the token from SCIMD_BOOTSTRAP_TOKEN");
    } else {
      ClientAdmin.Issued issued = admin.issue(by, client, Credentials.Kind.BEARER, null);
      out.println(
          "scimd: created the client \"bootstrap\" of the tenant \"default\" (every scope, admin"
              + " included).");
      out.println("scimd: its bearer token is shown only this once; store it now:");
      out.println("SCIMD_TOKEN=" + issued.secret());
    }
    out.flush();
  }

  /**
   * Creates the bootstrap client, or takes the one another node starting at the same moment on the
   * same empty database created first: client names are unique, so one of them fails to create it.
   */
  private static Credentials.Client createBootstrapClient(ClientAdmin admin, Scope by) {
    try {
      return admin.createClient(by, BOOTSTRAP, Scopes.ALL);
    } catch (IllegalArgumentException e) {
      return admin.client(Scope.DEFAULT_TENANT, BOOTSTRAP).orElseThrow(() -> e);
    }
  }

  /** The port the server listens on (the chosen one when configured with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** Blocks until the server has stopped. */
  public void join() throws InterruptedException {
    jetty.join();
  }

  /**
   * Stops as a crash would: open HTTP connections are dropped without waiting for the requests on
   * them, and the store is closed under them (a PostgreSQL pool aborts its connections in use, so
   * their transactions roll back). What a load balancer sees when a node dies; the multi-node test
   * proves that no acknowledged write is lost and none is half-applied.
   */
  public void halt() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    telemetry.stopping();
    jetty.setStopTimeout(0);
    hub.close();
    failureLog.halt();
    audit.halt();
    if (exchange != null) {
      exchange.close();
    }
    try {
      jetty.stop();
    } catch (Exception e) {
      LOG.warn("stopping the HTTP server failed: {}", e.getMessage());
    } finally {
      store.close();
      unlock();
      telemetry.close();
      LOG.info("scimd halted after {} (store {})", uptime(), where);
    }
  }

  private String uptime() {
    long s = (System.nanoTime() - startedNanos) / 1_000_000_000L;
    return s < 120 ? s + " s" : s < 7200 ? s / 60 + " min" : s / 3600 + " h";
  }

  private void unlock() {
    DataDirectoryLock l = lock;
    if (l != null) {
      l.close();
    }
  }

  /** Stops accepting requests, lets running ones finish (up to 5 s), and closes the store. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // From now on /health/ready answers 503: a load balancer stops sending before we stop taking.
    telemetry.stopping();
    LOG.info("scimd shutting down: finishing the requests in progress (up to 5 s)");
    if (exchange != null) {
      exchange.close();
    }
    try {
      jetty.stop();
    } catch (Exception e) {
      LOG.warn("stopping the HTTP server failed: {}", e.getMessage());
    } finally {
      try {
        hub.close(); // the workers record their last steps while the store is open
      } catch (RuntimeException e) {
        LOG.warn("stopping the hub's delivery workers failed: {}", e.getMessage());
      }
      try {
        failureLog.close(); // journals the failures of the open window
      } catch (RuntimeException e) {
        LOG.warn("journaling the last failed authentications failed: {}", e.getMessage());
      }
      try {
        audit.close(); // signs the heads the last requests moved
      } finally {
        store.close();
        unlock();
        telemetry.close();
        LOG.info("scimd stopped after {} (store {})", uptime(), where);
      }
    }
  }
}
