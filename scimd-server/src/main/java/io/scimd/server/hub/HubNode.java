package io.scimd.server.hub;

import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.events.SecurityEventsParts;
import io.scimd.store.Store;
import io.scimd.sync.Delivery;
import io.scimd.sync.Hub;
import io.scimd.sync.JettyPoster;
import io.scimd.sync.Poster;
import io.scimd.sync.SecretBox;
import io.scimd.sync.TargetType;
import io.scimd.sync.scim.CompiledMappings;
import io.scimd.sync.scim.ScimType;
import io.scimd.sync.webhook.SetPayloads;
import io.scimd.sync.webhook.WebhookType;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hub on one node: the {@link Hub} the admin API and the CLI manage targets through, and, when
 * the node delivers, its delivery workers. The server wakes them after each write it commits
 * ({@link #wake}); changes other nodes take reach them at their next poll.
 */
public final class HubNode implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HubNode.class);

  /** How long opening a connection to a target may take. */
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  private final Hub hub;
  private final JettyPoster poster;
  private final @Nullable Delivery delivery;
  private final @Nullable ReconcileSchedule schedule;

  private HubNode(
      Hub hub,
      JettyPoster poster,
      @Nullable Delivery delivery,
      @Nullable ReconcileSchedule schedule) {
    this.hub = hub;
    this.poster = poster;
    this.delivery = delivery;
    this.schedule = schedule;
  }

  /**
   * The hub of {@code store} with the target types this server knows, sealing secrets with {@code
   * box}: what the CLI manages targets with (it delivers nothing).
   */
  public static Hub hub(
      Store store,
      SecretBox box,
      SchemaRegistry registry,
      HubSettings settings,
      InstantSource clock,
      SecurityEventsParts events) {
    // Nothing stops it: a command's hub sends at most a stream's verification event or a test
    // delivery, and the client's threads (started by the first send) do not keep the JVM alive.
    return hub(store, box, registry, settings, clock, events, new JettyPoster(CONNECT_TIMEOUT));
  }

  /**
   * The hub with {@code poster} sending its webhooks' and push streams' requests (docs/decisions/
   * 0033): one client for every such target, its connections pooled per receiver.
   */
  private static Hub hub(
      Store store,
      SecretBox box,
      SchemaRegistry registry,
      HubSettings settings,
      InstantSource clock,
      SecurityEventsParts events,
      Poster poster) {
    // SCIM targets talk through scimd-client, which is built on the JDK's client.
    HttpClient http =
        HttpClient.newBuilder()
            // HTTP/1.1 with keep-alive: most receivers are plain http inside the network, where
            // the client's h2c upgrade attempt on every new connection buys nothing.
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            // The client's own steps run on its selector thread rather than hopping to a pool
            // thread for each: every caller sends synchronously with a body handler that only
            // collects bytes (ofString, ofByteArray), so nothing here blocks that thread. Measured
            // (HubRun, 3 targets, docs/benchmarks.md): a fifth to a third less CPU per delivery,
            // and the lag's p99 several times lower.
            .executor(Runnable::run)
            .build();
    Set<String> types =
        registry.resourceTypes().stream().map(ResourceType::name).collect(Collectors.toSet());
    // A webhook's body is the change as a security event's claims (docs/decisions/0019).
    WebhookType webhook =
        new WebhookType(
            poster,
            settings.urls(),
            types,
            new SetPayloads(events.events(), events.resources(), clock),
            clock);
    List<TargetType> all = new ArrayList<>();
    all.add(webhook);
    // The tenant's registry is the source a scim target's mapping and scope are checked against.
    all.add(new ScimType(store, http, settings.urls(), new CompiledMappings(registry), clock));
    // Security event streams (docs/decisions/0019): push streams delivered like webhooks, poll
    // streams read by their receivers.
    all.addAll(events.types(poster, settings.urls(), clock));
    return new Hub(store, box, all, clock);
  }

  /**
   * The hub of a server, with its delivery workers started unless {@code settings} say this node
   * does not deliver.
   *
   * @throws IllegalArgumentException when the hub key file is unusable
   */
  public static HubNode start(
      Store store,
      SchemaRegistry registry,
      HubSettings settings,
      Path dataDir,
      InstantSource clock,
      SecurityEventsParts events) {
    SecretBox box = HubKey.loadOrCreate(settings.keyFile(dataDir));
    JettyPoster poster = new JettyPoster(CONNECT_TIMEOUT);
    Hub hub = hub(store, box, registry, settings, clock, events, poster);
    TargetsFile file = settings.targets();
    if (file != null) {
      // Before the workers start: they deliver with the definitions the file says.
      List<Hub.Applied> applied =
          file.apply(hub, io.scimd.store.Scope.DEFAULT_TENANT, "targets-file", false);
      for (Hub.Applied a : applied) {
        LOG.info(
            "hub: targets file {}: {}/{} {}",
            file.file(),
            a.tenant(),
            a.name(),
            a.action().name().toLowerCase(java.util.Locale.ROOT));
      }
    }
    if (!settings.deliver()) {
      LOG.info("hub: this node does not deliver (--no-delivery)");
      return new HubNode(hub, poster, null, null);
    }
    Delivery delivery = null;
    try {
      poster.start();
      delivery = new Delivery(store, hub.sinks(), settings.delivery(), clock, nodeName());
      delivery.start();
      LOG.info("hub: delivering to targets as node {}", delivery.node());
      // Scheduled reconciliations run on the node that holds the target's lease.
      ReconcileSchedule schedule =
          new ReconcileSchedule(hub, store.hub(), delivery::serving, clock, delivery.node());
      schedule.start();
      return new HubNode(hub, poster, delivery, schedule);
    } catch (java.io.IOException | RuntimeException e) {
      // A node that could not start delivering leaves no client or workers running behind it.
      if (delivery != null) {
        delivery.close();
      }
      poster.close();
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /**
   * This node's name in the leases it holds: its host name and a random suffix, so that two servers
   * on one host (or a restart before the old lease expired) are told apart.
   */
  static String nodeName() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "node";
    }
    byte[] suffix = new byte[3];
    new SecureRandom().nextBytes(suffix);
    return host + "-" + HexFormat.of().formatHex(suffix);
  }

  public Hub hub() {
    return hub;
  }

  /** Tells the workers that something was written (nothing when this node does not deliver). */
  public void wake() {
    Delivery d = delivery;
    if (d != null) {
      d.wake();
    }
  }

  /**
   * Stops the workers; before the store closes, so their last steps are recorded. Then the client
   * they sent with: a send still waiting when the workers give up fails as unavailable.
   */
  @Override
  public void close() {
    ReconcileSchedule r = schedule;
    if (r != null) {
      r.close();
    }
    Delivery d = delivery;
    if (d != null) {
      d.close();
    }
    poster.close();
  }
}
