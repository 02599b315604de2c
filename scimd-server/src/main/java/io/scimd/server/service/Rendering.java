package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Projection;
import io.scimd.core.resource.ResourceJson;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.StoreReader;
import io.scimd.store.StoredResource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A stored resource as a response shows it (RFC 7643 §3): {@code schemas}, {@code id}, the
 * attributes, {@code meta} with its location; members and groups get their {@code $ref} and
 * {@code display}; then the {@link Projection} of {@code attributes}/{@code excludedAttributes}.
 * Members (and a user's {@code groups}) are read only when the projection shows them.
 */
final class Rendering {
  private final SchemaRegistry registry;

  Rendering(SchemaRegistry registry) {
    this.registry = registry;
  }

  /** The URL of a resource, as its {@code meta.location}, {@code Location} and {@code $ref} give it. */
  static String location(String base, ResourceType type, String id) {
    String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return b + type.endpoint() + "/" + id;
  }

  /**
   * A resource with everything its rendering reads from the store: the resource as read (with the
   * members/groups the projection shows) and the display names of those of its members and groups
   * that carry none, by {@code "Type/id"}. Rendering it reads nothing more, so a write can gather it
   * inside its transaction and render after the commit, without holding the write lock for JSON
   * work, and still show exactly the version it wrote.
   */
  record Gathered(StoredResource resource, Map<String, String> displays) {}

  /** Which costly derived attributes the response will contain. */
  Load load(ResourceType type, Projection projection) {
    boolean members = MemberOps.isGroup(registry, type) && projection.includes(type, "members");
    boolean groups = MemberOps.isUser(registry, type) && projection.includes(type, "groups");
    return new Load(members, groups);
  }

  /**
   * Reads all that the response will show of {@code s}. A resource fresh from a write carries no
   * members/groups: they are read here, and only when the projection shows them. A write calls this
   * inside its transaction, so the response shows the version it wrote, and renders after it.
   */
  Gathered gather(StoreReader r, ResourceType type, StoredResource s, Projection projection) {
    Load load = load(type, projection);
    StoredResource full = s;
    if (load.members() || load.groups()) {
      full = r.get(type.name(), s.id(), load).orElse(s);
    }
    return gather(r, full);
  }

  /**
   * Reads the display names {@link #present} will show for {@code s}'s members and groups; {@code
   * s} already holds the members/groups the response shows.
   */
  Gathered gather(StoreReader reader, StoredResource s) {
    Map<String, String> displays = new HashMap<>();
    forEachReference(
        s.attributes(),
        (o, t, value) -> {
          if (!o.path("display").isTextual()) {
            String key = t.name() + "/" + value;
            if (!displays.containsKey(key)) {
              displays.put(key, display(reader, t, value));
            }
          }
        });
    return new Gathered(s, displays);
  }

  /** The resource as the response shows it: rendered, with member references, then projected. */
  ObjectNode present(ResourceType type, Gathered g, String base, Projection projection) {
    return projection.apply(type, render(type, g, base));
  }

  private ObjectNode render(ResourceType type, Gathered g, String base) {
    StoredResource s = g.resource();
    ObjectNode doc = ResourceJson.render(type, s.id(), s.meta(), s.attributes(), location(base, type, s.id()));
    // Adds $ref to members and groups, and display where the store had none.
    forEachReference(
        doc,
        (o, t, value) -> {
          o.put("$ref", location(base, t, value));
          if (!o.path("display").isTextual()) {
            String d = g.displays().get(t.name() + "/" + value);
            if (d != null) {
              o.put("display", d);
            }
          }
        });
    return doc;
  }

  private interface Reference {
    void accept(ObjectNode entry, ResourceType type, String value);
  }

  /**
   * Each entry of {@code members} whose {@code type} names a resource type, and each entry of
   * {@code groups} (always groups), with its {@code value}.
   */
  private void forEachReference(ObjectNode doc, Reference action) {
    JsonNode members = doc.get("members");
    if (members != null && members.isArray()) {
      for (JsonNode m : members) {
        if (m instanceof ObjectNode o && o.path("value").isTextual()) {
          String typeName = o.path("type").asText("");
          Optional<ResourceType> t = typeName.isEmpty() ? Optional.empty() : registry.resourceType(typeName);
          if (t.isPresent()) {
            action.accept(o, t.get(), o.get("value").asText());
          }
        }
      }
    }
    JsonNode groups = doc.get("groups");
    if (groups != null && groups.isArray()) {
      for (JsonNode m : groups) {
        if (m instanceof ObjectNode o && o.path("value").isTextual()) {
          action.accept(o, registry.group(), o.get("value").asText());
        }
      }
    }
  }

  private static @Nullable String display(StoreReader reader, ResourceType type, String id) {
    return reader
        .get(type.name(), id, Load.NONE)
        .map(
            r -> {
              JsonNode d = r.attributes().get("displayName");
              if (d == null || !d.isTextual()) {
                d = r.attributes().get("userName");
              }
              return d != null && d.isTextual() ? d.asText() : null;
            })
        .orElse(null);
  }
}
