package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.CommonAttributes;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.store.Sort;
import java.util.Comparator;
import org.jspecify.annotations.Nullable;

/**
 * Sort keys (RFC 7644 §3.4.2.3): the column a sort pushes down to, or the key computed from the
 * document. Strings that are not caseExact compare lower-cased (identifiers by their PRECIS key, as
 * the {@code user_name_folded} column holds them), dateTimes chronologically (as epoch
 * microseconds). Ascending puts missing values last; descending is the exact reverse, ties broken
 * by {@code seq} in the same direction, so every order is total and keyset-pageable.
 */
final class SortKeys {
  private SortKeys() {}

  /** The sort resolved against a type: a pushed-down column, or an attribute to read in memory. */
  record Resolved(@Nullable String column, ResolvedPath path, boolean descending) {
    /** Whether the column holds integers (epoch microseconds), not text. */
    boolean numericColumn() {
      return "r.created".equals(column) || "r.last_modified".equals(column);
    }
  }

  static Resolved resolve(Sort sort, ResourceType type) {
    ResolvedPath p =
        type.resolve(sort.by())
            .filter(r -> r.attribute() != null)
            .orElseThrow(
                () ->
                    ScimException.invalidValue(
                        "sortBy '" + sort.by() + "' names no attribute of " + type.name()));
    return new Resolved(column(p, type), p, sort.descending());
  }

  private static @Nullable String column(ResolvedPath p, ResourceType type) {
    Attribute a = p.attribute();
    Attribute sub = p.sub();
    if (a == CommonAttributes.ID && sub == null) {
      return "r.id";
    }
    if (a == CommonAttributes.EXTERNAL_ID && sub == null) {
      return "r.external_id";
    }
    if (a == CommonAttributes.META && sub != null) {
      return switch (sub.name()) {
        case "created" -> "r.created";
        case "lastModified" -> "r.last_modified";
        default -> null;
      };
    }
    if (a != null && sub == null && !p.inExtension(type) && !a.multiValued() && !a.caseExact()) {
      if (Docs.isIdentifier(type, a)) {
        return "r.user_name_folded";
      }
      if (a.name().equalsIgnoreCase("displayName")) {
        return "r.display_name_folded";
      }
    }
    return null;
  }

  /** The key of a resource in its full JSON form (with id and meta), or null when it has none. */
  static @Nullable JsonNode key(ResolvedPath p, ResourceType type, JsonNode full) {
    Attribute a = p.attribute();
    if (a == null) {
      return null;
    }
    JsonNode holder = p.inExtension(type) ? Docs.field(full, p.schema().id()) : full;
    JsonNode v = holder == null ? null : Docs.field(holder, a.name());
    if (v != null && v.isArray()) {
      v = primaryOrFirst(v);
    }
    Attribute target = a;
    if (p.sub() != null) {
      target = p.sub();
      v = v == null ? null : Docs.field(v, p.sub().name());
    } else if (v != null && v.isObject()) {
      // A complex multi-valued attribute without a sub-attribute means its value (RFC 7644
      // §3.4.2.2).
      v = Docs.field(v, "value");
    }
    if (v == null || v.isNull() || v.isContainerNode()) {
      return null;
    }
    if (v.isTextual()) {
      if (target.type() == AttributeType.DATE_TIME) {
        Long micros = FilterSql.exactMicros(v.asText());
        return micros == null ? v : LongNode.valueOf(micros);
      }
      return target.caseExact() ? v : TextNode.valueOf(Docs.columnKey(target, v.asText()));
    }
    return v;
  }

  private static @Nullable JsonNode primaryOrFirst(JsonNode array) {
    for (JsonNode e : array) {
      if (e.isObject() && e.path("primary").asBoolean(false)) {
        return e;
      }
    }
    return array.isEmpty() ? null : array.get(0);
  }

  /** Ascending order of keys, missing last. */
  static final Comparator<@Nullable JsonNode> KEY_ORDER = SortKeys::compareKeys;

  static int compareKeys(@Nullable JsonNode x, @Nullable JsonNode y) {
    if (x == null || y == null) {
      return x == null ? (y == null ? 0 : 1) : -1;
    }
    int rx = rank(x);
    int ry = rank(y);
    if (rx != ry) {
      return Integer.compare(rx, ry);
    }
    if (x.isNumber()) {
      return x.decimalValue().compareTo(y.decimalValue());
    }
    if (x.isBoolean()) {
      return Boolean.compare(x.asBoolean(), y.asBoolean());
    }
    return x.asText().compareTo(y.asText());
  }

  private static int rank(JsonNode n) {
    return n.isNumber() ? 0 : n.isBoolean() ? 1 : 2;
  }
}
