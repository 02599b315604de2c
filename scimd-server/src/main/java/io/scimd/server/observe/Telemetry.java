package io.scimd.server.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.scimd.store.HubRecords;
import io.scimd.store.Store;
import io.scimd.sync.Hub;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of one running scimd, in a Prometheus registry of its own (several servers in one
 * JVM, as in the tests, keep theirs apart): HTTP requests by route template, method, status and
 * client with latency buckets; the JVM; the PostgreSQL pool (HikariCP's own binding); the journal
 * head of each tenant this node served (at most {@link #MAX_TENANTS}); the hub's figures per
 * target; and access decisions. Also whether the node is shutting down, for {@code /health/ready}.
 *
 * <p><b>Bounded labels.</b> A label's values become time series, each costing memory here and in
 * Prometheus, so none may grow with what a client sends: the route is a template ({@code
 * /scim/v2/Users/{id}}, never an id), the method one of the standard ones or {@code other}, and the
 * client and route labels keep their first {@link #MAX_CLIENTS} and {@link #MAX_ROUTES} values;
 * later ones are counted as {@code other}.
 *
 * <p><b>Figures read from the store</b> (the hub's backlog, the journal heads) are read when {@code
 * /metrics} is scraped, the hub's at most once every {@link #HUB_REFRESH}: a scrape every second
 * costs no more than one every five.
 */
public final class Telemetry implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);

  /** Every HTTP request: {@code scimd_http_requests_seconds_{count,sum,bucket}}. */
  public static final String HTTP_REQUESTS = "scimd.http.requests";

  /** Access decisions (AuthZEN, claims, token hooks): {@code scimd_access_decisions_seconds}. */
  public static final String ACCESS_DECISIONS = "scimd.access.decisions";

  static final int MAX_CLIENTS = 100;
  static final int MAX_ROUTES = 200;
  static final int MAX_TENANTS = 100;
  static final Duration HUB_REFRESH = Duration.ofSeconds(5);

  /** The latency buckets: from a cached token's GET to a slow bulk request. */
  private static final Duration[] BUCKETS = {
    Duration.ofMillis(5),
    Duration.ofMillis(10),
    Duration.ofMillis(25),
    Duration.ofMillis(50),
    Duration.ofMillis(100),
    Duration.ofMillis(250),
    Duration.ofMillis(500),
    Duration.ofSeconds(1),
    Duration.ofMillis(2500),
    Duration.ofSeconds(5),
    Duration.ofSeconds(10)
  };

  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

  /**
   * The timer of each label set seen, so that counting a request costs one map lookup rather than a
   * builder, a sorted tag list and the registry's own lookup; at most {@link #MAX_TIMERS} (beyond,
   * the registry finds them).
   */
  private final Map<RequestKey, Timer> timers = new ConcurrentHashMap<>();

  private record RequestKey(String method, String route, int status, String client) {}

  static final int MAX_TIMERS = 10_000;

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gc;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final Set<String> tenants = ConcurrentHashMap.newKeySet();
  private final InstantSource clock;
  private @Nullable Store store;
  private @Nullable Hub hub;
  private final Object hubLock = new Object();
  private @Nullable Instant hubReadAt;
  private final List<MultiGauge> hubGauges = new ArrayList<>();

  private Telemetry(InstantSource clock) {
    this.clock = clock;
    registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(capped(HTTP_REQUESTS, "client", MAX_CLIENTS));
    registry.config().meterFilter(capped(HTTP_REQUESTS, "route", MAX_ROUTES));
    registry.config().meterFilter(capped(ACCESS_DECISIONS, "endpoint", MAX_ROUTES));
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
  }

  /** New, with the JVM's figures; {@link #observe} adds the store's and the hub's. */
  public static Telemetry start(InstantSource clock) {
    return new Telemetry(clock);
  }

  /**
   * Adds the figures of {@code store} (its pool, its journal heads) and of {@code hub}'s targets.
   */
  public void observe(Store store, Hub hub) {
    this.store = store;
    this.hub = hub;
    store.reportPoolTo(registry);
    hubGauges.add(gauge("scimd.hub.backlog", "journal entries not yet delivered to the target"));
    hubGauges.add(
        gauge(
            "scimd.hub.oldest.pending.age.seconds",
            "age of the oldest change not yet delivered to the target, 0 when none"));
    hubGauges.add(
        gauge(
            "scimd.hub.lag.seconds",
            "time since the target last took a delivery while changes wait for it, 0 when none"));
    hubGauges.add(gauge("scimd.hub.delivered", "journal entries delivered to the target in all"));
    hubGauges.add(
        gauge("scimd.hub.failing.attempts", "failed attempts in a row at the target's next entry"));
    hubGauges.add(gauge("scimd.hub.dead.letters", "entries the target refused for good"));
    hubGauges.add(gauge("scimd.hub.paused", "1 when deliveries to the target are paused"));
    tenant("default");
  }

  private MultiGauge gauge(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  /** The registry, for a test or a benchmark that adds to it. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Marks the node as shutting down: {@code /health/ready} answers 503 from now on. */
  public void stopping() {
    stopping.set(true);
  }

  public boolean isStopping() {
    return stopping.get();
  }

  /**
   * Counts one HTTP request.
   *
   * @param route the route template, never a raw path
   * @param client {@code tenant/client} of the credential, or {@code -} when none
   */
  public void request(String method, String route, int status, String client, long nanos) {
    String m = METHODS.contains(method) ? method : "other";
    RequestKey key = new RequestKey(m, route, status, client);
    Timer timer = timers.get(key);
    if (timer == null) {
      timer =
          Timer.builder(HTTP_REQUESTS)
              .description("HTTP requests by route template, method, status and client")
              .tags(
                  "method", m, "route", route, "status", Integer.toString(status), "client", client)
              .serviceLevelObjectives(BUCKETS)
              .register(registry);
      if (timers.size() < MAX_TIMERS) {
        timers.put(key, timer);
      }
    }
    timer.record(nanos, TimeUnit.NANOSECONDS);
    if (route.contains("/access/v1/") && !route.contains("/history") && !route.contains("/review")
        || route.contains("/leavers")) {
      Timer.builder(ACCESS_DECISIONS)
          .description("access decisions, claims and token hooks answered")
          .tags("endpoint", route, "outcome", status < 400 ? "answered" : "refused")
          .serviceLevelObjectives(BUCKETS)
          .register(registry)
          .record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  /** Notes that this node serves {@code tenant}: its journal head is reported from now on. */
  public void tenant(String tenant) {
    Store s = store;
    if (s == null || tenants.contains(tenant) || tenants.size() >= MAX_TENANTS) {
      return;
    }
    if (tenants.add(tenant)) {
      Gauge.builder("scimd.journal.head", () -> head(s, tenant))
          .description("the seq of the tenant's newest journal entry")
          .tag("tenant", tenant)
          .register(registry);
    }
  }

  private static double head(Store s, String tenant) {
    try {
      return s.journalHead(tenant);
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /** The Prometheus text exposition of every figure, the store's and the hub's read now. */
  public String scrape() {
    refreshHub();
    return registry.scrape();
  }

  private void refreshHub() {
    Hub h = hub;
    Store s = store;
    if (h == null || s == null) {
      return;
    }
    synchronized (hubLock) {
      Instant now = clock.instant();
      Instant last = hubReadAt;
      if (last != null && Duration.between(last, now).compareTo(HUB_REFRESH) < 0) {
        return;
      }
      hubReadAt = now;
      List<List<MultiGauge.Row<?>>> rows = new ArrayList<>();
      for (int i = 0; i < hubGauges.size(); i++) {
        rows.add(new ArrayList<>());
      }
      try {
        Set<String> seen = new java.util.TreeSet<>();
        for (HubRecords.Target t : s.hub().allTargets()) {
          seen.add(t.tenant());
        }
        for (String tenant : seen) {
          for (JsonNode target : h.list(tenant)) {
            JsonNode st = target.path("status");
            Tags tags =
                Tags.of(
                    Tag.of("tenant", tenant),
                    Tag.of("target", target.path("name").asText()),
                    Tag.of("type", target.path("type").asText()));
            long pending = st.path("pending").asLong(0);
            double lag = lagSeconds(st, now);
            double[] values = {
              pending,
              st.path("oldestPendingAgeMs").asDouble(0) / 1000,
              lag,
              st.path("delivered").asDouble(0),
              st.path("attempts").asDouble(0),
              st.path("deadLetters").asDouble(0),
              "paused".equals(st.path("state").asText()) ? 1 : 0
            };
            for (int i = 0; i < values.length; i++) {
              rows.get(i).add(MultiGauge.Row.of(tags, values[i]));
            }
          }
        }
      } catch (RuntimeException e) {
        LOG.warn("reading the hub's figures for /metrics failed: {}", e.getMessage());
        return;
      }
      for (int i = 0; i < hubGauges.size(); i++) {
        hubGauges.get(i).register(rows.get(i), true);
      }
    }
  }

  /**
   * A filter that keeps the first {@code max} values of {@code tag} on meters named {@code name}
   * and counts any later one as {@code other}.
   */
  static MeterFilter capped(String name, String tag, int max) {
    Set<String> kept = ConcurrentHashMap.newKeySet();
    return new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        if (!id.getName().equals(name)) {
          return id;
        }
        String value = id.getTag(tag);
        if (value == null || kept.contains(value)) {
          return id;
        }
        if (kept.size() < max && kept.add(value)) {
          return id;
        }
        List<Tag> tags = new ArrayList<>();
        for (Tag t : id.getTagsAsIterable()) {
          tags.add(t.getKey().equals(tag) ? Tag.of(tag, "other") : t);
        }
        return id.replaceTags(tags);
      }
    };
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  /**
   * A hub target's lag in seconds: the time since it last took a delivery while changes wait for it
   * (the age of the oldest waiting change when it never took one), 0 when nothing waits.
   *
   * @param status the target's {@code status}, as {@code Hub.show} gives it
   */
  public static double lagSeconds(JsonNode status, Instant now) {
    if (status.path("pending").asLong(0) <= 0) {
      return 0;
    }
    String at = status.path("lastDeliveredAt").asText("");
    return at.isEmpty()
        ? status.path("oldestPendingAgeMs").asDouble(0) / 1000
        : Math.max(0, Duration.between(Instant.parse(at), now).toMillis() / 1000.0);
  }
}
