package io.scimd.sync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaExtension;
import io.scimd.core.schema.SchemaJson;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.SchemaUrns;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The registry a mapping checks its target attributes against, from what the target publishes. */
public final class TargetSchemas {
  private TargetSchemas() {}

  /**
   * A registry of the target's own definitions: {@code schemas} is its {@code /Schemas} response (a
   * ListResponse, an array or one schema), {@code resourceTypes} its {@code /ResourceTypes}
   * response, or null when it serves none, in which case User (with the Enterprise extension when
   * the target publishes that schema) and Group are assumed at {@code /Users} and {@code /Groups}
   * for whichever of their core schemas it publishes.
   *
   * @throws MappingException naming the definition that cannot be read
   */
  public static SchemaRegistry fromDiscovery(JsonNode schemas, @Nullable JsonNode resourceTypes) {
    try {
      Map<String, Schema> byId = new LinkedHashMap<>();
      for (JsonNode n : items(schemas)) {
        Schema s = SchemaJson.parseSchema(n);
        byId.put(s.id().toLowerCase(Locale.ROOT), s);
      }
      List<ResourceType> types = new ArrayList<>();
      if (resourceTypes != null && !items(resourceTypes).isEmpty()) {
        for (JsonNode n : items(resourceTypes)) {
          types.add(SchemaJson.parseResourceType(n, urn -> byId.get(urn.toLowerCase(Locale.ROOT))));
        }
      } else {
        Schema user = byId.get(SchemaUrns.USER.toLowerCase(Locale.ROOT));
        Schema enterprise = byId.get(SchemaUrns.ENTERPRISE_USER.toLowerCase(Locale.ROOT));
        Schema group = byId.get(SchemaUrns.GROUP.toLowerCase(Locale.ROOT));
        if (user != null) {
          types.add(
              new ResourceType(
                  "User",
                  "/Users",
                  "User Account",
                  user,
                  enterprise == null
                      ? List.of()
                      : List.of(new SchemaExtension(enterprise, false))));
        }
        if (group != null) {
          types.add(new ResourceType("Group", "/Groups", "Group", group, List.of()));
        }
      }
      return SchemaRegistry.of(List.copyOf(byId.values()), types);
    } catch (IllegalArgumentException e) {
      throw MappingException.of("the target's schemas cannot be read: " + e.getMessage());
    }
  }

  private static List<JsonNode> items(JsonNode root) {
    List<JsonNode> out = new ArrayList<>();
    if (root.isArray()) {
      root.forEach(out::add);
    } else if (root.has("Resources")) {
      root.get("Resources").forEach(out::add);
    } else if (root.isObject() && !root.isEmpty()) {
      out.add(root);
    }
    return out;
  }
}
