package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.resource.Projection;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The SCIM protocol (RFC 7644) over a {@link Store}: create, read, replace, patch, delete, list,
 * search, bulk and discovery, with ETag preconditions. It knows nothing of HTTP; the HTTP layer
 * only parses requests into these calls and writes the {@link ScimResponse}s. Every failure is a
 * thrown {@link ScimException}; no call leaves a half-applied change.
 *
 * <p>This class decides each response's status and headers, and runs each single write in one
 * {@link Store#write} transaction. The work is done beside it: {@link Writes} (create, replace,
 * patch and delete inside a transaction, shared with {@link Bulk}), {@link Listing} (lists and
 * searches, with {@link FilterRules}), {@link Rendering} (a resource as the response shows it) and
 * {@link Discovery}.
 *
 * <p>{@code base} is the absolute URL of the SCIM root the request came in on (e.g. {@code
 * http://host:8080/scim/v2}), used for {@code meta.location}, {@code Location} and {@code $ref}.
 * {@code attributes}/{@code excludedAttributes} are the raw query parameters (null when absent).
 *
 * <p>PATCH answers 204 with the ETag (RFC 7644 §3.5.2) when the response would hold a group's
 * members by default (no {@code attributes}/{@code excludedAttributes}): a membership PATCH on a
 * huge group then never reads the member list.
 */
public final class ScimService {
  private final SchemaRegistry registry;
  private final Store store;
  private final ServiceConfig config;
  private final Writes writes;
  private final Rendering rendering;
  private final Listing listing;
  private final Discovery discovery;

  public ScimService(SchemaRegistry registry, Store store, ServiceConfig config) {
    this.registry = registry;
    this.store = store;
    this.config = config;
    this.writes = new Writes(registry, config.unknownAttributes(), config.maxPatchOperations());
    this.rendering = new Rendering(registry);
    this.listing = new Listing(registry, store, config, rendering);
    this.discovery = new Discovery(registry, config);
  }

  public SchemaRegistry registry() {
    return registry;
  }

  public ServiceConfig config() {
    return config;
  }

  /**
   * GET /health: 200 {@code {"status":"UP","database":"UP"}} when the store answers a trivial query
   * within {@link Store#HEALTH_TIMEOUT_MS}, else 503 with both DOWN, so that a load balancer takes
   * a node that lost its database out of rotation. Asked afresh each time: never cached.
   */
  public ScimResponse health() {
    boolean up = store.healthy();
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("status", up ? "UP" : "DOWN");
    body.put("database", up ? "UP" : "DOWN");
    if (!up) {
      body.put(
          "detail",
          "the database did not answer a trivial query within "
              + Store.HEALTH_TIMEOUT_MS
              + " ms (unreachable, closed, or every connection busy)");
    }
    return new ScimResponse(up ? 200 : 503, body, Map.of("Cache-Control", "no-store"));
  }

  /** POST /{Type}: 201 with the resource, {@code Location} and {@code ETag}. */
  public ScimResponse create(
      Scope scope,
      ResourceType type,
      JsonNode body,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes) {
    Projection projection = Projection.parse(attributes, excludedAttributes);
    PasswordHashes hashes = PasswordHashes.forResource(body);
    Rendering.Gathered created =
        store.write(
            scope,
            tx -> rendering.gather(tx, type, writes.createIn(tx, type, body, hashes), projection));
    return new ScimResponse(
        201,
        rendering.present(type, created, base, projection),
        resourceHeaders(type, created.resource(), base));
  }

  /**
   * The headers of a response that holds a resource: {@code ETag}, {@code Location} and {@code
   * Content-Location}, the last two equal to {@code meta.location} (RFC 7643 §3.1, RFC 7644 §3.1).
   */
  private static Map<String, String> resourceHeaders(
      ResourceType type, StoredResource r, String base) {
    String location = Rendering.location(base, type, r.id());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Location", location);
    headers.put("Content-Location", location);
    headers.put("ETag", r.meta().etag());
    return headers;
  }

  /**
   * GET /{Type}/{id}: 200, or 304 when {@code ifNoneMatch} matches the current version. A group's
   * members are written to {@code out} as they are read, inside the read that found the group.
   */
  public void get(
      Scope scope,
      ResourceType type,
      String id,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes,
      @Nullable String ifNoneMatch,
      Responder out) {
    Projection projection = Projection.parse(attributes, excludedAttributes);
    store.reading(
        scope,
        r -> {
          boolean conditional = ifNoneMatch != null && !ifNoneMatch.isBlank();
          Load load = rendering.loadForWrite(type, projection);
          // With If-None-Match, read the version first: a 304 must not pay for the groups.
          StoredResource current =
              r.get(type.name(), id, conditional ? Load.NONE : load)
                  .orElseThrow(() -> Writes.notFound(type, id));
          if (conditional && ifNoneMatch != null && ETags.matches(ifNoneMatch, current.meta())) {
            // RFC 7644 §3.14 / RFC 9110 §13.1.2: not modified, no body.
            out.respond(304, Map.of("ETag", current.meta().etag()), null);
            return;
          }
          StoredResource shown =
              conditional && !load.equals(Load.NONE)
                  ? r.get(type.name(), id, load).orElse(current)
                  : current;
          out.respond(
              200,
              resourceHeaders(type, current, base),
              g -> rendering.write(g, r, type, shown, base, projection));
        });
  }

  /** PUT /{Type}/{id}: 200; 412 when {@code ifMatch} does not match. */
  public ScimResponse replace(
      Scope scope,
      ResourceType type,
      String id,
      JsonNode body,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes,
      @Nullable String ifMatch) {
    Projection projection = Projection.parse(attributes, excludedAttributes);
    PasswordHashes hashes = PasswordHashes.forResource(body);
    Rendering.Gathered updated =
        store.write(
            scope,
            tx ->
                rendering.gather(
                    tx, type, writes.replaceIn(tx, type, id, body, ifMatch, hashes), projection));
    return new ScimResponse(
        200,
        rendering.present(type, updated, base, projection),
        resourceHeaders(type, updated.resource(), base));
  }

  /** PATCH /{Type}/{id}: 200 with the resource; 412 when {@code ifMatch} does not match. */
  public ScimResponse patch(
      Scope scope,
      ResourceType type,
      String id,
      JsonNode body,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes,
      @Nullable String ifMatch) {
    Projection projection = Projection.parse(attributes, excludedAttributes);
    // RFC 7644 §3.5.2 allows 204: the default response would carry every member, which is
    // O(group size) for an O(change) request.
    boolean noBody =
        isBlank(attributes)
            && isBlank(excludedAttributes)
            && MemberOps.isGroup(registry, type)
            && projection.includes(type, "members");
    writes.checkPatchSize(body);
    PasswordHashes hashes = PasswordHashes.forPatch(body);
    Rendering.Gathered patched =
        store.write(
            scope,
            tx -> {
              StoredResource p = writes.patchIn(tx, type, id, body, ifMatch, hashes, !noBody);
              return noBody
                  ? new Rendering.Gathered(p, Map.of())
                  : rendering.gather(tx, type, p, projection);
            });
    return noBody
        ? new ScimResponse(204, null, Map.of("ETag", patched.resource().meta().etag()))
        : new ScimResponse(
            200,
            rendering.present(type, patched, base, projection),
            resourceHeaders(type, patched.resource(), base));
  }

  /** DELETE /{Type}/{id}: 204; 412 when {@code ifMatch} does not match. */
  public ScimResponse delete(Scope scope, ResourceType type, String id, @Nullable String ifMatch) {
    return store.write(
        scope,
        tx -> {
          writes.deleteIn(tx, type, id, ifMatch);
          return new ScimResponse(204, null, Map.of());
        });
  }

  /**
   * GET /{Type} or POST /{Type}/.search with {@code type}; GET / or POST /.search across every type
   * with {@code type == null}. 200 with a ListResponse.
   */
  public void list(
      Scope scope, @Nullable ResourceType type, ListParams params, String base, Responder out) {
    listing.list(scope, type, params, base, out);
  }

  /** POST /Bulk (RFC 7644 §3.7) by a client that may write every resource type. */
  public ScimResponse bulk(Scope scope, JsonNode body, String base) {
    return bulk(scope, body, base, type -> true);
  }

  /**
   * POST /Bulk (RFC 7644 §3.7): 200 with a BulkResponse. An operation on a resource type for which
   * {@code mayWrite} is false fails on its own with 403, as a request of its own would; the others
   * run.
   */
  public ScimResponse bulk(Scope scope, JsonNode body, String base, Predicate<String> mayWrite) {
    return new ScimResponse(
        200, new Bulk(writes, store, registry, config, scope, base, mayWrite).run(body), Map.of());
  }

  /**
   * GET /ServiceProviderConfig (RFC 7644 §4): 200. {@code filter} is the {@code filter} query
   * parameter, null when absent; on a discovery endpoint any filter answers 403.
   */
  public ScimResponse serviceProviderConfig(String base, @Nullable String filter) {
    return discovered(discovery.serviceProviderConfig(base), filter);
  }

  /** GET /ResourceTypes, or /ResourceTypes/{name} when {@code name} is given: 200, 404 or 403. */
  public ScimResponse resourceTypes(@Nullable String name, String base, @Nullable String filter) {
    return discovered(
        name == null ? discovery.resourceTypes(base) : discovery.resourceType(name, base), filter);
  }

  /** GET /Schemas, or /Schemas/{urn} when {@code urn} is given: 200, 404 or 403. */
  public ScimResponse schemas(@Nullable String urn, String base, @Nullable String filter) {
    return discovered(urn == null ? discovery.schemas(base) : discovery.schema(urn, base), filter);
  }

  /**
   * RFC 7644 §4: a filter on a discovery endpoint SHOULD answer 403. An unknown resource type or
   * schema is found missing first, and answers 404 even with a filter.
   */
  private static ScimResponse discovered(ObjectNode body, @Nullable String filter) {
    if (filter != null) {
      throw ScimException.forbidden(
          "filtering is not supported on discovery endpoints (RFC 7644 §4)");
    }
    return new ScimResponse(200, body, Map.of());
  }

  /**
   * /Me (RFC 7644 §3.11), whatever the method: 501, since no credential is bound to a user, so
   * there is no "me" to act on.
   *
   * @throws ScimException always
   */
  public ScimResponse me() {
    throw ScimException.notImplemented(
        "/Me is not supported: no credential is bound to a user (RFC 7644 §3.11)");
  }

  private static boolean isBlank(@Nullable String s) {
    return s == null || s.isBlank();
  }
}
