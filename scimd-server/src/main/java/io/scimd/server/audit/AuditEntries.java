package io.scimd.server.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AuditPage;
import io.scimd.store.AuditQuery;
import io.scimd.store.AuditRecord;
import io.scimd.store.Change;
import io.scimd.store.Credentials;
import io.scimd.store.Load;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Audit trail entries as the admin API and {@code scimd audit history} show them: one JSON object
 * per entry ({@code seq}, {@code at}, {@code principal}, {@code principalName}, {@code source},
 * {@code requestId}, {@code resourceType}, {@code resourceId}, {@code operation}, {@code change},
 * {@code hash}), and one resource's history, which also holds the membership entries of the groups
 * that added or removed it (docs/decisions/0015-audit-queries.md).
 */
public final class AuditEntries {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** The resource types the journal holds that are not SCIM resource types. */
  public static final List<String> JOURNAL_TYPES =
      List.of(
          Credentials.CLIENT_TYPE, Credentials.CREDENTIAL_TYPE, Change.AuthFailed.RESOURCE_TYPE);

  private AuditEntries() {}

  /**
   * The journal's name of a resource type named in any case ({@code users} is not one: a type's
   * name, not its endpoint); empty for a type the journal cannot hold.
   */
  public static Optional<String> type(SchemaRegistry registry, String name) {
    Optional<ResourceType> rt = registry.resourceType(name);
    if (rt.isPresent()) {
      return Optional.of(rt.get().name());
    }
    return JOURNAL_TYPES.stream().filter(t -> t.equalsIgnoreCase(name)).findFirst();
  }

  /** Every type name {@link #type} knows, for a message that lists them. */
  public static List<String> typeNames(SchemaRegistry registry) {
    List<String> out = new ArrayList<>();
    registry.resourceTypes().forEach(rt -> out.add(rt.name()));
    out.addAll(JOURNAL_TYPES);
    return out;
  }

  /** The kinds of entry, as a search names them ({@code created}, ..., {@code auth_failed}). */
  public static List<String> operations() {
    List<String> out = new ArrayList<>();
    for (Change.Kind k : Change.Kind.values()) {
      out.add(k.wire());
    }
    return out;
  }

  /** One entry as the admin API shows it. */
  public static ObjectNode json(AuditRecord r) {
    ObjectNode o = JSON.objectNode();
    o.put("seq", r.seq());
    o.put("at", r.time().toString());
    o.put("principal", r.principal());
    o.put("principalName", r.principalName());
    o.put("source", r.source());
    o.put("requestId", r.requestId());
    o.put("resourceType", r.resourceType());
    o.put("resourceId", r.resourceId());
    o.put("operation", r.kind());
    o.set("change", Export.change(r));
    o.put("hash", r.hash());
    return o;
  }

  /** A page of entries as JSON, and where the next one starts (null: no more). */
  public record Page(List<ObjectNode> entries, @Nullable Long next) {
    public Page {
      entries = List.copyOf(entries);
    }
  }

  /** A page of search results. */
  public static Page search(io.scimd.store.AuditTrail trail, String tenant, AuditQuery query) {
    AuditPage p = trail.read(r -> r.search(tenant, query));
    return new Page(p.entries().stream().map(AuditEntries::json).toList(), p.next());
  }

  /**
   * Everything that happened to one resource of {@code tenant}, a page of at most {@code limit}
   * entries after {@code afterSeq}: its own entries as {@link #json} shows them, and each
   * membership entry of a group that added or removed it, with {@code change.members} cut down to
   * this resource ({@code membersInEntry} says how many the entry named), and the group's current
   * {@code displayName} as {@code resourceName} when the group still exists.
   */
  public static Page history(
      Store store, String tenant, String type, String id, long afterSeq, int limit) {
    AuditPage p = store.audit().read(r -> r.history(tenant, type, id, afterSeq, limit));
    Set<String> groups = new LinkedHashSet<>();
    for (AuditRecord r : p.entries()) {
      if (!(r.resourceType().equals(type) && r.resourceId().equals(id)) && isMembership(r)) {
        groups.add(r.resourceType() + "\u0000" + r.resourceId());
      }
    }
    Map<String, String> names = groups.isEmpty() ? Map.of() : names(store, tenant, groups);
    List<ObjectNode> out = new ArrayList<>();
    for (AuditRecord r : p.entries()) {
      ObjectNode o = json(r);
      if (!(r.resourceType().equals(type) && r.resourceId().equals(id)) && isMembership(r)) {
        JsonNode change = o.get("change");
        JsonNode members = change.path("members");
        ObjectNode mine = JSON.objectNode();
        ArrayNode only = mine.putArray("members");
        for (JsonNode m : members) {
          if (m.path("value").asText().equals(id)) {
            only.add(m);
          }
        }
        if (change.has("memberDeleted")) {
          mine.set("memberDeleted", change.get("memberDeleted"));
        }
        o.set("change", mine);
        o.put("membersInEntry", members.size());
        String name = names.get(r.resourceType() + "\u0000" + r.resourceId());
        if (name != null) {
          o.put("resourceName", name);
        }
      }
      out.add(o);
    }
    return new Page(out, p.next());
  }

  private static boolean isMembership(AuditRecord r) {
    return r.kind().equals(Change.Kind.MEMBERS_ADDED.wire())
        || r.kind().equals(Change.Kind.MEMBERS_REMOVED.wire());
  }

  /** The current display names of groups, in one read; absent for those deleted since. */
  private static Map<String, String> names(Store store, String tenant, Set<String> groups) {
    Scope scope = Scope.system(tenant, "audit");
    return store.read(
        scope,
        r -> {
          Map<String, String> out = new HashMap<>();
          for (String key : groups) {
            int z = key.indexOf('\u0000');
            String type = key.substring(0, z);
            String id = key.substring(z + 1);
            try {
              Optional<StoredResource> g = r.get(type, id, Load.NONE);
              if (g.isPresent() && g.get().attributes().path("displayName").isTextual()) {
                out.put(key, g.get().attributes().get("displayName").asText());
              }
            } catch (IllegalArgumentException unknownType) {
              // a type no longer defined (--schemas changed): no name
            }
          }
          return out;
        });
  }

  /**
   * One entry on one line for people: time, number, what happened to what, by whom, from where.
   * {@code 2026-03-01T10:00:00Z #17 members_added Group 5e1c... (Admins) [+ 1 of 1] by okta
   * (client:9b2f...) from 10.0.0.5}.
   */
  public static String line(ObjectNode e) {
    StringBuilder b = new StringBuilder();
    b.append(e.path("at").asText())
        .append("  #")
        .append(e.path("seq").asLong())
        .append("  ")
        .append(e.path("operation").asText())
        .append(' ')
        .append(e.path("resourceType").asText())
        .append(' ')
        .append(e.path("resourceId").asText());
    if (e.hasNonNull("resourceName")) {
      b.append(" (").append(e.get("resourceName").asText()).append(')');
    }
    JsonNode change = e.path("change");
    String op = e.path("operation").asText();
    if (op.equals(Change.Kind.PATCHED.wire()) || op.equals(Change.Kind.REPLACED.wire())) {
      List<String> paths = new ArrayList<>();
      change.path("attributes").forEach(a -> paths.add(a.path("path").asText()));
      b.append(' ').append(paths);
    } else if (op.equals(Change.Kind.AUTH_FAILED.wire())) {
      b.append(' ')
          .append(change.path("reason").asText())
          .append(" x")
          .append(change.path("count").asLong());
      if (change.has("client")) {
        b.append(" client ").append(change.path("client").path("name").asText());
      }
    } else if (e.has("membersInEntry")) {
      b.append(" (this member; ").append(e.get("membersInEntry").asInt()).append(" in the entry)");
    }
    b.append("  by ").append(e.path("principalName").asText());
    b.append(" (").append(e.path("principal").asText()).append(')');
    if (e.hasNonNull("source")) {
      b.append(" from ").append(e.get("source").asText());
    }
    // Names come from whoever provisions: no control character reaches the terminal.
    StringBuilder safe = new StringBuilder(b.length());
    b.codePoints().forEach(cp -> safe.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
    return safe.toString();
  }
}
