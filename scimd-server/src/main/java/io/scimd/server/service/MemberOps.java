package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResourceType;
import io.scimd.store.Member;

/** Reading members from client JSON, and matching them against a {@code members[...]} filter. */
final class MemberOps {
  private MemberOps() {}

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
    throw ScimException.invalidValue("a member must be an object with a \"value\" holding the member's id, not " + m);
  }

  /** Whether a member ({value, type}) matches a {@code members[...]} value filter. */
  static boolean matches(ResourceType groupType, Filter filter, Member m) {
    ObjectNode resource = ScimService.JSON.objectNode();
    ObjectNode member = resource.putArray("members").addObject();
    member.put("value", m.value());
    if (m.type() != null) {
      member.put("type", m.type());
    }
    return FilterEvaluator.matches(new Filter.ValuePath(AttrPath.of("members"), filter), resource, groupType);
  }
}
