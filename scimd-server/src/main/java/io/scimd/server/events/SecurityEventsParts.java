package io.scimd.server.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.server.oauth.AuthorizationServer;
import io.scimd.server.service.ScimService;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.sync.Hub;
import io.scimd.sync.Poster;
import io.scimd.sync.UrlPolicy;
import io.scimd.sync.events.AccessChanges;
import io.scimd.sync.events.SecurityEvents;
import io.scimd.sync.events.SetSigner;
import io.scimd.sync.ssf.SsfPushSink;
import io.scimd.sync.ssf.SsfStreams;
import io.scimd.sync.ssf.SsfType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the hub needs from the server for security event streams (docs/decisions/0019): the SET
 * builder with each tenant's SCIM endpoints, the signer (the node's OAuth key), and a reader of a
 * resource's representation for {@code put:full}. {@link #types} are the SSF target types the hub
 * registers beside its others; {@link #streams} is the transmitter the SSF endpoints serve.
 */
public record SecurityEventsParts(
    SecurityEvents events, SetSigner signer, SsfPushSink.Resources resources) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A server's: SETs signed by {@code oauth}'s key, resources read through {@code services}, the
   * access model's changes told by {@code access}.
   */
  public static SecurityEventsParts of(
      Function<String, ScimService> services, AuthorizationServer oauth, AccessChanges access) {
    return new SecurityEventsParts(
        new SecurityEvents(
            (tenant, type) ->
                services.apply(tenant).registry().resourceType(type).map(ResourceType::endpoint),
            access),
        oauth.securityEventSigner(),
        resources(services));
  }

  /** The CLI's: it saves and shows streams but never delivers, so nothing is signed or read. */
  public static SecurityEventsParts offline(SchemaRegistry registry) {
    return new SecurityEventsParts(
        new SecurityEvents(
            (tenant, type) -> registry.resourceType(type).map(ResourceType::endpoint)),
        claims -> {
          throw new IllegalStateException("the command line does not deliver security events");
        },
        (tenant, type, id) -> Optional.empty());
  }

  /** The SSF target types: push streams (delivered by the workers) and poll streams. */
  public List<io.scimd.sync.TargetType> types(Poster http, UrlPolicy urls, InstantSource clock) {
    return List.of(
        SsfType.push(http, urls, events, signer, resources, clock),
        SsfType.poll(urls, events, clock));
  }

  /** The transmitter over {@code hub}'s targets. */
  public SsfStreams streams(Store store, Hub hub, InstantSource clock) {
    return new SsfStreams(store, hub, events, signer, resources, clock);
  }

  /**
   * A resource as its tenant's clients read it (GET, default attributes); its {@code meta.location}
   * is relative to the SCIM root, as no request names the host.
   */
  static SsfPushSink.Resources resources(Function<String, ScimService> services) {
    return (tenant, type, id) -> {
      ScimService service = services.apply(tenant);
      Optional<ResourceType> rt = service.registry().resourceType(type);
      if (rt.isEmpty()) {
        return Optional.empty();
      }
      ByteArrayOutputStream buffer = new ByteArrayOutputStream();
      int[] status = {0};
      try {
        service.get(
            Scope.system(tenant, "ssf"),
            rt.get(),
            id,
            "",
            null,
            null,
            null,
            (code, headers, body) -> {
              status[0] = code;
              if (body != null) {
                try (var g = JSON.getFactory().createGenerator(buffer)) {
                  body.writeTo(g);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              }
            });
      } catch (io.scimd.core.error.ScimException e) {
        return Optional.empty(); // deleted since: the event goes without its representation
      }
      if (status[0] != 200) {
        return Optional.empty();
      }
      try {
        JsonNode n = JSON.readTree(buffer.toByteArray());
        return n instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }
}
