package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.ResourceJson;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.StoreReader;
import io.scimd.store.StoredResource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A stored resource as JSON (RFC 7643 §3): {@code schemas}, {@code id}, the attributes, {@code
 * meta} with its location; members and groups get their {@code $ref} and {@code display}.
 */
final class Rendering {
  private Rendering() {}

  static String location(String base, ResourceType type, String id) {
    String b = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    return b + type.endpoint() + "/" + id;
  }

  static ObjectNode render(SchemaRegistry registry, StoreReader reader, ResourceType type, StoredResource s, String base) {
    ObjectNode doc = ResourceJson.render(type, s.id(), s.meta(), s.attributes(), location(base, type, s.id()));
    decorate(registry, reader, doc, base);
    return doc;
  }

  /** Adds {@code $ref} and {@code display} to members and {@code $ref} to groups. */
  private static void decorate(SchemaRegistry registry, StoreReader reader, ObjectNode doc, String base) {
    Map<String, String> displays = new HashMap<>();
    JsonNode members = doc.get("members");
    if (members != null && members.isArray()) {
      for (JsonNode m : members) {
        if (!(m instanceof ObjectNode o) || !o.path("value").isTextual()) {
          continue;
        }
        String value = o.get("value").asText();
        String typeName = o.path("type").asText("");
        Optional<ResourceType> t = typeName.isEmpty() ? Optional.empty() : registry.resourceType(typeName);
        if (t.isPresent()) {
          o.put("$ref", location(base, t.get(), value));
          if (!o.path("display").isTextual()) {
            String d = displays.computeIfAbsent(t.get().name() + "/" + value, k -> display(reader, t.get(), value));
            if (d != null) {
              o.put("display", d);
            }
          }
        }
      }
    }
    JsonNode groups = doc.get("groups");
    if (groups != null && groups.isArray()) {
      ResourceType g = registry.group();
      for (JsonNode m : groups) {
        if (m instanceof ObjectNode o && o.path("value").isTextual()) {
          String value = o.get("value").asText();
          o.put("$ref", location(base, g, value));
          if (!o.path("display").isTextual()) {
            String d = display(reader, g, value);
            if (d != null) {
              o.put("display", d);
            }
          }
        }
      }
    }
  }

  private static String display(StoreReader reader, ResourceType type, String id) {
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
