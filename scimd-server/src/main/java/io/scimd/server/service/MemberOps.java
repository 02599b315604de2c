package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Member;

/**
 * Group membership outside the store: which resource types have members (groups) or {@code groups}
 * (users), members read from client JSON, and members matched against a {@code members[...]}
 * filter.
 */
final class MemberOps {
  private MemberOps() {}

  /** Whether {@code type} is the group type, whose members live in the store's membership table. */
  static boolean isGroup(SchemaRegistry registry, ResourceType type) {
    return type.name().equalsIgnoreCase(registry.group().name());
  }

  /** Whether {@code type} is the user type, whose {@code groups} the membership table derives. */
  static boolean isUser(SchemaRegistry registry, ResourceType type) {
    return type.name().equalsIgnoreCase(registry.user().name());
  }

  /**
   * A member as a client sends it: {@code {"value":"id","type":"User","display":"Ann"}}, or a bare
   * id string (forgiving, like Entra's bare manager id).
   */
  static Member toMember(JsonNode m) {
    if (m.isTextual() && !m.asText().isBlank()) {
      return new Member(m.asText(), null);
    }
    if (m.isObject()) {
      JsonNode v = CaseInsensitive.get(m, "value");
      if (v != null && v.isTextual() && !v.asText().isBlank()) {
        JsonNode t = CaseInsensitive.get(m, "type");
        String type = t != null && t.isTextual() && !t.asText().isBlank() ? t.asText() : null;
        JsonNode d = CaseInsensitive.get(m, "display");
        return new Member(v.asText(), type, d != null && d.isTextual() ? d.asText() : null);
      }
    }
    throw ScimException.invalidValue(
        "a member must be an object with a \"value\" holding the member's id, not " + m);
  }

  /** Whether a member ({value, type}) matches a {@code members[...]} value filter. */
  static boolean matches(ResourceType groupType, Filter filter, Member m) {
    ObjectNode resource = JsonNodeFactory.instance.objectNode();
    ObjectNode member = resource.putArray("members").addObject();
    member.put("value", m.value());
    if (m.type() != null) {
      member.put("type", m.type());
    }
    return FilterEvaluator.matches(
        new Filter.ValuePath(AttrPath.of("members"), filter), resource, groupType);
  }
}
