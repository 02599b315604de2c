package io.scimd.server.service;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Projection;
import io.scimd.core.resource.ResourceJson;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.StoreReader;
import io.scimd.store.StoredResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A stored resource as a response shows it (RFC 7643 §3): {@code schemas}, {@code id}, the
 * attributes, {@code meta} with its location; members and groups get their {@code $ref} and {@code
 * display}; then the {@link Projection} of {@code attributes}/{@code excludedAttributes}. Members
 * (and a user's {@code groups}) are read only when the projection shows them.
 */
final class Rendering {
  private final SchemaRegistry registry;

  Rendering(SchemaRegistry registry) {
    this.registry = registry;
  }

  /**
   * The URL of a resource, as its {@code meta.location}, {@code Location} and {@code $ref} give it.
   */
  static String location(String base, ResourceType type, String id) {
    String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return b + type.endpoint() + "/" + id;
  }

  /**
   * A resource with everything its rendering reads from the store: the resource as read (with the
   * members/groups the projection shows) and the display names of those of its members and groups
   * that carry none, by {@code "Type/id"}. Rendering it reads nothing more, so a write can gather
   * it inside its transaction and render after the commit, without holding the write lock for JSON
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
   * What a read loads into the resource before {@link #write}: a user's groups when shown, never a
   * group's members, which {@link #write} streams.
   */
  Load loadForWrite(ResourceType type, Projection projection) {
    return new Load(false, load(type, projection).groups());
  }

  /**
   * Writes {@code s} as {@link #present} shows it, except that a group's members, when the
   * projection shows them, go from the store to {@code out} as they are read, {@value
   * #MEMBER_CHUNK} at a time, just before {@code meta}: a group of a million members is never held
   * (issue 6 §3). {@code s} was read with {@link #loadForWrite}; {@code r} is the read it came
   * from.
   */
  void write(
      JsonGenerator out,
      StoreReader r,
      ResourceType type,
      StoredResource s,
      String base,
      Projection projection)
      throws IOException {
    ObjectNode doc = present(type, gather(r, s), base, projection);
    if (!load(type, projection).members()) {
      out.writeTree(doc);
      return;
    }
    out.writeStartObject();
    for (Map.Entry<String, JsonNode> e : doc.properties()) {
      if (!e.getKey().equals("meta")) {
        out.writeFieldName(e.getKey());
        out.writeTree(e.getValue());
      }
    }
    MemberWriter members = new MemberWriter(out, type, base, projection);
    try {
      r.forEachMember(s.id(), members::add);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    members.finish();
    JsonNode meta = doc.get("meta");
    if (meta != null) {
      out.writeFieldName("meta");
      out.writeTree(meta);
    }
    out.writeEndObject();
  }

  static final int MEMBER_CHUNK = 1_000;

  /**
   * Writes members as {@link #present} shows them, a chunk at a time: each chunk is rendered and
   * projected as a small group of its own, so the rules are the same ones, and {@code "members"} is
   * written only if there is one (an empty group shows none, as a rendered one does).
   */
  private final class MemberWriter {
    private final JsonGenerator out;
    private final ResourceType type;
    private final String base;
    private final Projection projection;
    private final List<Member> chunk = new ArrayList<>(MEMBER_CHUNK);
    private boolean started;

    MemberWriter(JsonGenerator out, ResourceType type, String base, Projection projection) {
      this.out = out;
      this.type = type;
      this.base = base;
      this.projection = projection;
    }

    void add(Member m) {
      chunk.add(m);
      if (chunk.size() == MEMBER_CHUNK) {
        try {
          flush();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }

    void finish() throws IOException {
      flush();
      if (started) {
        out.writeEndArray();
      }
    }

    private void flush() throws IOException {
      if (chunk.isEmpty()) {
        return;
      }
      ObjectNode group = JsonNodeFactory.instance.objectNode();
      ArrayNode array = group.putArray("members");
      for (Member m : chunk) {
        ObjectNode o = array.addObject().put("value", m.value());
        if (m.display() != null) {
          o.put("display", m.display());
        }
        if (m.type() != null) {
          o.put("type", m.type());
        }
      }
      chunk.clear();
      forEachReference(
          type.name(), group, (o, t, value) -> o.put("$ref", location(base, t, value)));
      JsonNode shown = projection.apply(type, group).get("members");
      if (shown == null) {
        return;
      }
      if (!started) {
        out.writeArrayFieldStart("members");
        started = true;
      }
      for (JsonNode m : shown) {
        out.writeTree(m);
      }
    }
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
        s.meta().resourceType(),
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
    ObjectNode doc =
        ResourceJson.render(type, s.id(), s.meta(), s.attributes(), location(base, type, s.id()));
    // Adds $ref to members and groups, and display where the store had none.
    forEachReference(
        type.name(),
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
   * Each entry of {@code members} whose {@code type} names a resource type, each entry of {@code
   * groups} (always groups) and each of an Agent's {@code owners} (always users), with its {@code
   * value}; {@code docType} is the type of {@code doc}.
   */
  private void forEachReference(String docType, ObjectNode doc, Reference action) {
    JsonNode members = doc.get("members");
    if (members != null && members.isArray()) {
      for (JsonNode m : members) {
        if (m instanceof ObjectNode o && o.path("value").isTextual()) {
          String typeName = o.path("type").asText("");
          Optional<ResourceType> t =
              typeName.isEmpty() ? Optional.empty() : registry.resourceType(typeName);
          if (t.isPresent()) {
            action.accept(o, t.get(), o.get("value").asText());
          }
        }
      }
    }
    JsonNode owners = doc.get("owners");
    if (owners != null
        && owners.isArray()
        && registry.agent().map(a -> a.name().equalsIgnoreCase(docType)).orElse(false)) {
      for (JsonNode m : owners) {
        if (m instanceof ObjectNode o && o.path("value").isTextual()) {
          action.accept(o, registry.user(), o.get("value").asText());
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
