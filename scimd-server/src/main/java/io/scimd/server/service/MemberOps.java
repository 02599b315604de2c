package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.store.Member;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Group membership changes, and reading members from client JSON. */
final class MemberOps {
  private MemberOps() {}

  /** One change to a group's membership table, applied in request order. */
  sealed interface Change permits Change.Add, Change.Remove, Change.Clear, Change.RemoveWhere {
    record Add(List<Member> members) implements Change {}

    record Remove(List<String> ids) implements Change {}

    record Clear() implements Change {}

    /** Remove the members matching a value filter ({@code members[value eq "u"]}). */
    record RemoveWhere(Filter filter) implements Change {}
  }

  record Split(List<io.scimd.core.patch.PatchOperation> documentOps, List<Change> memberChanges) {}

  static Split split(ResourceType type, List<io.scimd.core.patch.PatchOperation> ops) {
    return MemberPatchAdapter.split(type, ops);
  }

  /**
   * A member as a client sends it: {@code {"value":"id","type":"User"}}, or a bare id string
   * (forgiving, like Entra's bare manager id).
   */
  static Member toMember(JsonNode m) {
    if (m.isTextual() && !m.asText().isBlank()) {
      return new Member(m.asText(), null);
    }
    if (m.isObject()) {
      JsonNode v = ScimService.member(m, "value");
      if (v != null && v.isTextual() && !v.asText().isBlank()) {
        JsonNode t = ScimService.member(m, "type");
        String type = t != null && t.isTextual() && !t.asText().isBlank() ? t.asText() : null;
        return new Member(v.asText(), type);
      }
    }
    throw ScimException.invalidValue("a member must be an object with a \"value\" holding the member's id, not " + m);
  }

  /** The ids of a filter made only of {@code value eq "…"} joined by {@code or}; null otherwise. */
  static @Nullable List<String> equalityIds(Filter f) {
    List<String> ids = new ArrayList<>();
    return collect(f, ids) ? ids : null;
  }

  private static boolean collect(Filter f, List<String> ids) {
    return switch (f) {
      case Filter.Compare c -> {
        boolean ok =
            c.op() == CompareOp.EQ
                && c.value().isTextual()
                && c.path().subAttribute() == null
                && (c.path().attribute().equals("value")
                    || (c.path().attribute().equals("members") && c.path().subAttribute() == null))
                && c.path().schema() == null;
        if (ok) {
          ids.add(c.value().asText());
        }
        yield ok;
      }
      case Filter.Or o -> collect(o.left(), ids) && collect(o.right(), ids);
      case Filter.Present p -> false;
      case Filter.And a -> false;
      case Filter.Not n -> false;
      case Filter.ValuePath v -> false;
    };
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
