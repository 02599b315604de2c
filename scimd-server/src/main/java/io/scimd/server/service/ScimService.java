package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.patch.MemberPatch;
import io.scimd.core.patch.PatchEngine;
import io.scimd.core.patch.PatchOperation;
import io.scimd.core.patch.PatchRequest;
import io.scimd.core.resource.Projection;
import io.scimd.core.resource.ResourceValidator;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SCIM protocol (RFC 7644) over a {@link Store}: create, read, replace, patch, delete, list,
 * search and bulk, with ETag preconditions. It knows nothing of HTTP; the HTTP layer only parses
 * requests into these calls and writes the {@link ScimResponse}s. Every failure is a thrown {@link
 * ScimException}; no call leaves a half-applied change.
 *
 * <p>{@code base} is the absolute URL of the SCIM root the request came in on (e.g. {@code
 * http://host:8080/scim/v2}), used for {@code meta.location}, {@code Location} and {@code $ref}.
 * {@code attributes}/{@code excludedAttributes} are the raw query parameters (null when absent).
 *
 * <h2>Decisions</h2>
 *
 * <ul>
 *   <li>Every write is one {@link Store#write} transaction; create, replace, patch and delete are
 *       functions of a {@link StoreTx} ({@code *In} methods) so that bulk can run several of them
 *       in one transaction.
 *   <li>Group membership lives in the store's membership table, never in the document: {@code
 *       members} is taken out of the validated attributes and written with {@code addMembers} /
 *       {@code removeMembers} / {@code clearMembers}, which cost O(change). Members (and a user's
 *       {@code groups}) are read only when the {@link Projection} says the response shows them
 *       ({@link Rendering}).
 *   <li>{@code password} is stored as a salted PBKDF2 hash ({@link Passwords}), computed before
 *       the write's transaction takes its lock ({@link PasswordHashes}); returned-never
 *       attributes cannot be filtered or sorted on (400 {@code invalidFilter} / {@code
 *       invalidPath}), so the hash cannot be probed.
 *   <li>PUT: an {@code id} in the body, equal to the URL's or not, is ignored like every readOnly
 *       attribute (RFC 7644 §3.5.1); the resource the URL names is the one replaced. A group PUT
 *       with {@code members} replaces all the members ({@code []} empties the group); a PUT
 *       without {@code members} keeps them (RFC 7644 §3.5.1 lets the server treat omitted
 *       attributes as not asserted; wiping a 50,000-member group because a client omitted the
 *       list would be unrecoverable).
 *   <li>PATCH answers 204 with the ETag (RFC 7644 §3.5.2) when the response would hold a group's
 *       members by default (no {@code attributes}/{@code excludedAttributes}): a membership PATCH
 *       on a huge group then never reads the member list. A PATCH that changes nothing keeps the
 *       version.
 *   <li>Lists and searches are {@link Listing}'s, with the filter rules of {@link FilterRules}.
 * </ul>
 */
public final class ScimService {
  static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final SchemaRegistry registry;
  private final Store store;
  private final ServiceConfig config;
  private final ResourceValidator validator;
  private final Rendering rendering;
  private final Listing listing;
  private final Discovery discovery;

  public ScimService(SchemaRegistry registry, Store store, ServiceConfig config) {
    this.registry = registry;
    this.store = store;
    this.config = config;
    this.validator = new ResourceValidator(config.unknownAttributes());
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

  Store store() {
    return store;
  }

  /**
   * GET /health: 200 {@code {"status":"UP","database":"UP"}} when the store answers a trivial
   * query within {@link Store#HEALTH_TIMEOUT_MS}, else 503 with both DOWN, so that a load balancer
   * takes a node that lost its database out of rotation. Asked afresh each time: never cached.
   */
  public ScimResponse health() {
    boolean up = store.healthy();
    ObjectNode body = JSON.objectNode();
    body.put("status", up ? "UP" : "DOWN");
    body.put("database", up ? "UP" : "DOWN");
    if (!up) {
      body.put(
          "detail",
          "the database did not answer a trivial query within " + Store.HEALTH_TIMEOUT_MS
              + " ms (unreachable, closed, or every connection busy)");
    }
    return new ScimResponse(up ? 200 : 503, body, Map.of("Cache-Control", "no-store"));
  }

  /** POST /{Type}: 201 with the resource, {@code Location} and {@code ETag}. */
  public ScimResponse create(
      Scope scope,
      ResourceType type, JsonNode body, String base, @Nullable String attributes, @Nullable String excludedAttributes) {
    Projection projection = Projection.parse(attributes, excludedAttributes);
    PasswordHashes hashes = PasswordHashes.forResource(body);
    Rendering.Gathered created =
        store.write(scope, tx -> rendering.gather(tx, type, createIn(tx, type, body, hashes), projection));
    return new ScimResponse(
        201, rendering.present(type, created, base, projection), resourceHeaders(type, created.resource(), base));
  }

  /**
   * The headers of a response that holds a resource: {@code ETag}, {@code Location} and {@code
   * Content-Location}, the last two equal to {@code meta.location} (RFC 7643 §3.1, RFC 7644 §3.1).
   */
  private static Map<String, String> resourceHeaders(ResourceType type, StoredResource r, String base) {
    String location = Rendering.location(base, type, r.id());
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Location", location);
    headers.put("Content-Location", location);
    headers.put("ETag", r.meta().etag());
    return headers;
  }

  /** GET /{Type}/{id}: 200, or 304 when {@code ifNoneMatch} matches the current version. */
  public ScimResponse get(
      Scope scope,
      ResourceType type,
      String id,
      String base,
      @Nullable String attributes,
      @Nullable String excludedAttributes,
      @Nullable String ifNoneMatch) {
    Projection projection = Projection.parse(attributes, excludedAttributes);
    return store.read(scope, r -> {
          boolean conditional = ifNoneMatch != null && !ifNoneMatch.isBlank();
          // With If-None-Match, read the version first: a 304 must not pay for the members.
          Load load = conditional ? Load.NONE : rendering.load(type, projection);
          StoredResource current = r.get(type.name(), id, load).orElseThrow(() -> notFound(type, id));
          if (conditional && ifNoneMatch != null && ETags.matches(ifNoneMatch, current.meta())) {
            // RFC 7644 §3.14 / RFC 9110 §13.1.2: not modified, no body.
            return new ScimResponse(304, null, Map.of("ETag", current.meta().etag()));
          }
          Rendering.Gathered g =
              conditional ? rendering.gather(r, type, current, projection) : rendering.gather(r, current);
          ObjectNode doc = rendering.present(type, g, base, projection);
          return new ScimResponse(200, doc, resourceHeaders(type, current, base));
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
            scope, tx -> rendering.gather(tx, type, replaceIn(tx, type, id, body, ifMatch, hashes), projection));
    return new ScimResponse(
        200, rendering.present(type, updated, base, projection), resourceHeaders(type, updated.resource(), base));
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
    PasswordHashes hashes = PasswordHashes.forPatch(body);
    Rendering.Gathered patched =
        store.write(
            scope,
            tx -> {
              StoredResource p = patchIn(tx, type, id, body, ifMatch, hashes);
              return noBody ? new Rendering.Gathered(p, Map.of()) : rendering.gather(tx, type, p, projection);
            });
    return noBody
        ? new ScimResponse(204, null, Map.of("ETag", patched.resource().meta().etag()))
        : new ScimResponse(
            200, rendering.present(type, patched, base, projection), resourceHeaders(type, patched.resource(), base));
  }

  /** DELETE /{Type}/{id}: 204; 412 when {@code ifMatch} does not match. */
  public ScimResponse delete(Scope scope, ResourceType type, String id, @Nullable String ifMatch) {
    return store.write(scope, tx -> {
          deleteIn(tx, type, id, ifMatch);
          return new ScimResponse(204, null, Map.of());
        });
  }

  /**
   * GET /{Type} or POST /{Type}/.search with {@code type}; GET / or POST /.search across every
   * type with {@code type == null}. 200 with a ListResponse.
   */
  public ScimResponse list(Scope scope, @Nullable ResourceType type, ListParams params, String base) {
    return new ScimResponse(200, listing.list(scope, type, params, base), Map.of());
  }

  /** POST /Bulk (RFC 7644 §3.7): 200 with a BulkResponse. */
  public ScimResponse bulk(Scope scope, JsonNode body, String base) {
    return new ScimResponse(200, new Bulk(this, scope, base).run(body), Map.of());
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
    return discovered(name == null ? discovery.resourceTypes(base) : discovery.resourceType(name, base), filter);
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
      throw ScimException.forbidden("filtering is not supported on discovery endpoints (RFC 7644 §4)");
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
    throw ScimException.notImplemented("/Me is not supported: no credential is bound to a user (RFC 7644 §3.11)");
  }

  // ---------------------------------------------------------------------------------------------
  // The writes, as functions of one transaction (shared with bulk).

  StoredResource createIn(StoreTx tx, ResourceType type, JsonNode body, PasswordHashes hashes) {
    ObjectNode attrs = validator.forCreate(type, body);
    List<Member> members = MemberOps.isGroup(registry, type) ? takeMembers(attrs) : List.of();
    hashPassword(attrs, null, hashes);
    StoredResource created = tx.insert(type.name(), attrs);
    if (!members.isEmpty()) {
      tx.addMembers(created.id(), members);
    }
    return created;
  }

  StoredResource replaceIn(
      StoreTx tx, ResourceType type, String id, JsonNode body, @Nullable String ifMatch, PasswordHashes hashes) {
    StoredResource current = tx.getForUpdate(type.name(), id, Load.NONE).orElseThrow(() -> notFound(type, id));
    ETags.checkIfMatch(ifMatch, type.name(), id, current.meta());
    if (!body.isObject()) {
      throw ScimException.invalidSyntax("a PUT body must be a JSON object holding the resource");
    }
    ObjectNode attrs = validator.forReplace(type, current.attributes(), body);
    List<Member> members = null;
    if (MemberOps.isGroup(registry, type)) {
      boolean given = CaseInsensitive.get(body, "members") != null;
      List<Member> taken = takeMembers(attrs);
      members = given ? taken : null;
    }
    String storedPassword = textOrNull(current.attributes().get(PASSWORD));
    if (attrs.get(PASSWORD) == null && storedPassword != null) {
      // writeOnly and never returned: a client cannot echo it back, so omitting it keeps it.
      attrs.put(PASSWORD, storedPassword);
    } else {
      hashPassword(attrs, storedPassword, hashes);
    }
    StoredResource updated = tx.replace(type.name(), id, attrs).resource();
    if (members != null) {
      // Replace the members by what they differ in, not by clearing and re-adding them all: the
      // journal then holds the members that really left and joined, as a PATCH would.
      tx.replaceMembers(id, members);
    }
    return updated;
  }

  private static List<Member> toMembers(MemberPatch.MemberChange.Add add) {
    List<Member> members = new ArrayList<>(add.members().size());
    for (MemberPatch.MemberRef m : add.members()) {
      members.add(new Member(m.value(), m.type().orElse(null), m.display().orElse(null)));
    }
    return members;
  }

  StoredResource patchIn(
      StoreTx tx, ResourceType type, String id, JsonNode body, @Nullable String ifMatch, PasswordHashes hashes) {
    StoredResource current = tx.getForUpdate(type.name(), id, Load.NONE).orElseThrow(() -> notFound(type, id));
    ETags.checkIfMatch(ifMatch, type.name(), id, current.meta());
    List<PatchOperation> ops = withoutOwnId(PatchRequest.parse(body), id);
    MemberPatch.Split split =
        MemberOps.isGroup(registry, type)
            ? MemberPatch.split(type, "members", ops)
            : new MemberPatch.Split(ops, List.of());
    ObjectNode before = current.attributes();
    ObjectNode after = before;
    if (!split.documentOps().isEmpty()) {
      after = PatchEngine.apply(type, before.deepCopy(), split.documentOps());
      after = validator.checkPatched(type, before, after);
      hashPassword(after, textOrNull(before.get(PASSWORD)), hashes);
    }
    boolean changed = false;
    List<MemberPatch.MemberChange> memberChanges = split.memberChanges();
    for (int i = 0; i < memberChanges.size(); i++) {
      MemberPatch.MemberChange c = memberChanges.get(i);
      if (c instanceof MemberPatch.MemberChange.Clear
          && i + 1 < memberChanges.size()
          && memberChanges.get(i + 1) instanceof MemberPatch.MemberChange.Add add) {
        // replace of members: journal who left and who joined, not everyone leaving and rejoining.
        changed |= tx.replaceMembers(id, toMembers(add));
        i++;
        continue;
      }
      changed |= applyMemberChange(tx, type, id, c);
    }
    if (!changed && after.equals(before)) {
      return current; // nothing changed: the version stays (a retried PATCH is idempotent)
    }
    // One version bump for the whole PATCH, membership included (the ETag covers members).
    return tx.patch(type.name(), id, after).resource();
  }

  /**
   * Okta renames a group with {@code {"op":"replace","value":{"id":"<its id>","displayName":…}}}:
   * an {@code id} equal to the resource's own is dropped from no-path values (it changes nothing,
   * and id is readOnly, RFC 7643 §3.1); a different one is left for the engine to refuse.
   */
  private static List<PatchOperation> withoutOwnId(List<PatchOperation> ops, String id) {
    List<PatchOperation> out = new ArrayList<>(ops.size());
    for (PatchOperation op : ops) {
      if (op.path() == null && op.value() instanceof ObjectNode value) {
        String key = null;
        for (Map.Entry<String, JsonNode> e : value.properties()) {
          if (e.getKey().equalsIgnoreCase("id") && e.getValue().isTextual() && e.getValue().asText().equals(id)) {
            key = e.getKey();
          }
        }
        if (key != null) {
          ObjectNode copy = value.deepCopy();
          copy.remove(key);
          out.add(new PatchOperation(op.op(), null, copy));
          continue;
        }
      }
      out.add(op);
    }
    return out;
  }

  void deleteIn(StoreTx tx, ResourceType type, String id, @Nullable String ifMatch) {
    StoredResource current = tx.getForUpdate(type.name(), id, Load.NONE).orElseThrow(() -> notFound(type, id));
    ETags.checkIfMatch(ifMatch, type.name(), id, current.meta());
    if (tx.delete(type.name(), id).isEmpty()) {
      throw notFound(type, id);
    }
  }

  /**
   * Applies one member change at O(change): the store's add and remove say which members really
   * changed, so nothing is probed or read first (except for a RemoveWhere filter that is not
   * {@code value eq}, which needs the list). True when it changed something.
   */
  private boolean applyMemberChange(StoreTx tx, ResourceType type, String groupId, MemberPatch.MemberChange change) {
    return switch (change) {
      case MemberPatch.MemberChange.Add add -> !tx.addMembers(groupId, toMembers(add)).isEmpty();
      case MemberPatch.MemberChange.Remove remove -> !tx.removeMembers(groupId, remove.ids()).isEmpty();
      case MemberPatch.MemberChange.Clear clear -> tx.clearMembers(groupId) > 0;
      case MemberPatch.MemberChange.RemoveWhere where -> {
        // Only a filter other than value eq "…" gets here: it needs the member list.
        List<String> ids = new ArrayList<>();
        for (Member m : tx.members(groupId)) {
          if (MemberOps.matches(type, where.filter(), m)) {
            ids.add(m.value());
          }
        }
        if (!ids.isEmpty()) {
          tx.removeMembers(groupId, ids);
        }
        yield !ids.isEmpty();
      }
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers.

  static final String PASSWORD = "password";

  /**
   * Replaces a clear password by its hash, made before the transaction ({@link PasswordHashes}),
   * unless it is the hash already stored.
   */
  private static void hashPassword(ObjectNode attrs, @Nullable String storedHash, PasswordHashes hashes) {
    JsonNode p = attrs.get(PASSWORD);
    if (p == null || !p.isTextual()) {
      return;
    }
    String v = p.asText();
    if (storedHash != null && v.equals(storedHash)) {
      return;
    }
    attrs.put(PASSWORD, hashes.hashOf(v));
  }

  /** Takes the validated {@code members} out of the attributes, as store members. */
  private static List<Member> takeMembers(ObjectNode attrs) {
    JsonNode members = attrs.remove("members");
    List<Member> out = new ArrayList<>();
    if (members == null || members.isNull()) {
      return out;
    }
    for (JsonNode m : members.isArray() ? members : List.of(members)) {
      out.add(MemberOps.toMember(m));
    }
    return out;
  }

  static ScimException notFound(ResourceType type, String id) {
    return ScimException.notFound(type.name() + " " + ScimException.quote(id) + " not found");
  }

  private static @Nullable String textOrNull(@Nullable JsonNode n) {
    return n != null && n.isTextual() ? n.asText() : null;
  }

  private static boolean isBlank(@Nullable String s) {
    return s == null || s.isBlank();
  }
}
