package io.scimd.core.patch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Splits PATCH operations into those on a group's document and those on its member list, so that a
 * store keeping members in a table applies a PATCH to a group of any size in O(change) (RFC 7644
 * §3.5.2; SCIM-NOTES "PATCH on members of a group must cost O(change)").
 *
 * <p>The member changes, in request order:
 *
 * <ul>
 *   <li>{@code add members <values>}: {@link MemberChange.Add} (ids already members are the store's
 *       to ignore).
 *   <li>{@code replace members <values>}: {@link MemberChange.Clear} then {@link MemberChange.Add};
 *       {@code replace members []} or {@code null} only clears. This is the only operation that
 *       sets the whole list.
 *   <li>{@code remove members}: {@link MemberChange.Clear}. With a {@code value} array (Entra's
 *       {@code [{"value":"<id>"}]}): {@link MemberChange.Remove} of those ids, never all.
 *   <li>{@code remove members[value eq "x"]} (or {@code value eq} terms joined by {@code or}):
 *       {@link MemberChange.Remove}; any other filter: {@link MemberChange.RemoveWhere}, for the
 *       caller to evaluate on the members it loads.
 *   <li>A no-path {@code add}/{@code replace} whose value has a {@code members} key is split: the
 *       members part as above, the rest stays a document operation.
 * </ul>
 *
 * <p>Not supported, because the member sub-attributes are immutable and a member is identified by
 * its {@code value}: {@code add}/{@code replace} with a filtered members path ({@code
 * invalidPath}), and any members path with a sub-attribute ({@code mutability}). Remove the member
 * and add it again instead.
 */
public final class MemberPatch {
  private static final ObjectMapper JSON_TEXT = new ObjectMapper();

  private MemberPatch() {}

  /** The document operations (in order) and the member changes (in order) of one PATCH. */
  public record Split(List<PatchOperation> documentOps, List<MemberChange> memberChanges) {
    public Split {
      documentOps = List.copyOf(documentOps);
      memberChanges = List.copyOf(memberChanges);
    }
  }

  /**
   * A member to add: its id and, when the client gave them, its type ({@code User}/{@code Group})
   * and its {@code display} (immutable, RFC 7643 §2.4: kept as sent).
   */
  public record MemberRef(String value, Optional<String> type, Optional<String> display) {
    public MemberRef {
      if (value.isBlank()) {
        throw new IllegalArgumentException("member value is blank");
      }
    }

    public MemberRef(String value, Optional<String> type) {
      this(value, type, Optional.empty());
    }

    public static MemberRef of(String value) {
      return new MemberRef(value, Optional.empty());
    }
  }

  /** One change to a group's member list. */
  public sealed interface MemberChange {
    /** Adds these members; ones already in the group stay as they are. */
    record Add(List<MemberRef> members) implements MemberChange {
      public Add {
        members = List.copyOf(members);
      }

      public List<String> ids() {
        return members.stream().map(MemberRef::value).toList();
      }
    }

    /** Removes the members with these ids; ids not in the group are ignored. */
    record Remove(List<String> ids) implements MemberChange {
      public Remove {
        ids = List.copyOf(ids);
      }
    }

    /**
     * Removes the members that {@code filter} matches; its paths are relative to a member ({@code
     * type eq "Group"}, {@code display co "x"}), as inside {@code members[...]}.
     */
    record RemoveWhere(Filter filter) implements MemberChange {}

    /** Removes every member. */
    record Clear() implements MemberChange {}
  }

  /**
   * @param attributeName the member attribute of {@code type}'s core schema, {@code "members"}
   * @throws ScimException {@code invalidValue} for a member without a non-empty string {@code
   *     value}, {@code invalidPath}/{@code mutability} for the unsupported forms above
   */
  public static Split split(ResourceType type, String attributeName, List<PatchOperation> ops) {
    Attribute members =
        type.schema()
            .attribute(attributeName)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        type.name() + " has no attribute " + attributeName));
    List<PatchOperation> documentOps = new ArrayList<>();
    List<MemberChange> changes = new ArrayList<>();
    for (PatchOperation op : ops) {
      PatchPath path = op.path();
      if (path != null) {
        if (isMembers(type, members, path)) {
          memberOp(type, members, op.op(), path, op.value(), changes);
        } else {
          documentOps.add(op);
        }
        continue;
      }
      JsonNode value = op.value();
      if (op.op() == PatchOpType.REMOVE || value == null || !value.isObject()) {
        documentOps.add(op); // the engine reports what is wrong with it
        continue;
      }
      ObjectNode rest = null;
      for (Map.Entry<String, JsonNode> e : value.properties()) {
        PatchPath keyPath = keyPath(e.getKey());
        if (keyPath != null && isMembers(type, members, keyPath)) {
          if (rest == null) {
            rest = ((ObjectNode) value).deepCopy();
          }
          rest.remove(e.getKey());
          memberOp(type, members, op.op(), keyPath, e.getValue(), changes);
        }
      }
      if (rest == null) {
        documentOps.add(op);
      } else if (!rest.isEmpty()) {
        documentOps.add(new PatchOperation(op.op(), null, rest));
      }
    }
    return new Split(documentOps, changes);
  }

  private static @Nullable PatchPath keyPath(String key) {
    try {
      return PatchPath.parse(key);
    } catch (ScimException e) {
      return null; // not a path: the document op keeps it and the engine reports it
    }
  }

  private static boolean isMembers(ResourceType type, Attribute members, PatchPath path) {
    Optional<ResolvedPath> r = type.resolve(path.attribute());
    return r.isPresent() && r.get().attribute() == members && !r.get().inExtension(type);
  }

  private static void memberOp(
      ResourceType type,
      Attribute members,
      PatchOpType op,
      PatchPath path,
      @Nullable JsonNode value,
      List<MemberChange> changes) {
    String name = members.name();
    if (path.attribute().subAttribute() != null || path.subAttribute() != null) {
      throw ScimException.mutability(
          "'"
              + path.spelledFor(type)
              + "': a member's sub-attributes cannot be changed in place;"
              + " remove the member and add it again");
    }
    Filter filter = path.valueFilter();
    if (filter != null) {
      if (op != PatchOpType.REMOVE) {
        throw ScimException.invalidPath(
            "'"
                + path.spelledFor(type)
                + "': "
                + op.wire()
                + " takes no value filter on "
                + name
                + "; use \""
                + op.wire()
                + "\" with path \""
                + name
                + "\"");
      }
      List<String> ids = new ArrayList<>();
      if (valueEqualities(filter, ids)) {
        changes.add(new MemberChange.Remove(ids));
      } else {
        changes.add(new MemberChange.RemoveWhere(filter));
      }
      return;
    }
    switch (op) {
      case ADD -> {
        if (value == null || value.isNull()) {
          throw ScimException.invalidSyntax("add needs a \"value\" for " + name);
        }
        List<MemberRef> refs = refs(members, value);
        if (!refs.isEmpty()) {
          changes.add(new MemberChange.Add(refs));
        }
      }
      case REPLACE -> {
        // Read all values before clearing, so that a bad one leaves nothing half-described.
        List<MemberRef> refs = value == null || value.isNull() ? List.of() : refs(members, value);
        changes.add(new MemberChange.Clear());
        if (!refs.isEmpty()) {
          changes.add(new MemberChange.Add(refs));
        }
      }
      case REMOVE -> {
        if (value == null || value.isNull()) {
          changes.add(new MemberChange.Clear());
        } else {
          List<String> ids = refs(members, value).stream().map(MemberRef::value).toList();
          if (!ids.isEmpty()) {
            changes.add(new MemberChange.Remove(ids));
          }
        }
      }
    }
  }

  /** True when the filter is {@code value eq "id"} terms joined by {@code or}; collects the ids. */
  private static boolean valueEqualities(Filter f, List<String> ids) {
    return switch (f) {
      case Filter.Compare c -> {
        if (c.op() == CompareOp.EQ
            && c.path().schema() == null
            && c.path().subAttribute() == null
            && c.path().attribute().equals("value")
            && c.value().isTextual()
            && !c.value().textValue().isBlank()) {
          ids.add(c.value().textValue());
          yield true;
        }
        yield false;
      }
      case Filter.Or o -> valueEqualities(o.left(), ids) && valueEqualities(o.right(), ids);
      case Filter.And a -> false;
      case Filter.Not n -> false;
      case Filter.Present p -> false;
      case Filter.ValuePath v -> false;
    };
  }

  private static List<MemberRef> refs(Attribute members, JsonNode value) {
    JsonNode v = jsonText(value);
    List<MemberRef> out = new ArrayList<>();
    if (v.isArray()) {
      for (JsonNode e : v) {
        out.add(ref(members, jsonText(e)));
      }
    } else {
      out.add(ref(members, v));
    }
    return out;
  }

  private static MemberRef ref(Attribute members, JsonNode e) {
    String name = members.name();
    JsonNode id = e;
    JsonNode typeNode = null;
    JsonNode displayNode = null;
    if (e.isObject()) {
      id = CaseInsensitive.get(e, "value");
      typeNode = CaseInsensitive.get(e, "type");
      displayNode = CaseInsensitive.get(e, "display");
    }
    if (id == null || !id.isTextual() || id.textValue().isBlank()) {
      throw ScimException.invalidValue(
          "each of " + name + " needs \"value\": the member's id as a non-empty string; got " + e);
    }
    Optional<String> type = Optional.empty();
    if (typeNode != null && !typeNode.isNull()) {
      if (!typeNode.isTextual()) {
        throw ScimException.invalidValue(
            name + ".type must be a string, not " + PatchRequest.jsonType(typeNode));
      }
      type = Optional.of(canonicalType(members, typeNode.textValue()));
    }
    Optional<String> display = Optional.empty();
    if (displayNode != null && !displayNode.isNull()) {
      if (!displayNode.isTextual()) {
        throw ScimException.invalidValue(
            name + ".display must be a string, not " + PatchRequest.jsonType(displayNode));
      }
      display = Optional.of(displayNode.textValue());
    }
    return new MemberRef(id.textValue(), type, display);
  }

  private static String canonicalType(Attribute members, String given) {
    Attribute typeAttr = members.sub("type").orElse(null);
    if (typeAttr == null || typeAttr.canonicalValues().isEmpty()) {
      return given;
    }
    for (String c : typeAttr.canonicalValues()) {
      if (c.equalsIgnoreCase(given.strip())) {
        return c;
      }
    }
    throw ScimException.invalidValue(
        members.name()
            + ".type must be one of "
            + typeAttr.canonicalValues()
            + ", not \""
            + given
            + "\"");
  }

  private static JsonNode jsonText(JsonNode v) {
    if (!v.isTextual()) {
      return v;
    }
    String s = v.textValue().strip();
    if (s.isEmpty() || (s.charAt(0) != '[' && s.charAt(0) != '{')) {
      return v;
    }
    try {
      JsonNode parsed = JSON_TEXT.readTree(s);
      return parsed != null && (parsed.isArray() || parsed.isObject()) ? parsed : v;
    } catch (JsonProcessingException e) {
      return v;
    }
  }
}
