package io.scimd.sync.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How a value is made to fit the target attribute it is written to, one set of rules for sources,
 * constants and expression results alike:
 *
 * <ul>
 *   <li>Absent, null, an empty array or an empty object is no value: the target attribute is left
 *       out (RFC 7643 §2.5 makes unassigned and null the same).
 *   <li>Several values into a single-valued attribute: the one marked {@code primary}, else the
 *       first (RFC 7643 §2.4 gives {@code primary} that meaning). One value into a multi-valued
 *       attribute: a one-element array.
 *   <li>A boolean or number into a string or reference: its text. Text {@code "true"}/{@code
 *       "false"} into a boolean: the boolean. An integer into a decimal. Anything else that does
 *       not have the target's type is refused, naming the attribute.
 *   <li>An object into a complex attribute keeps the sub-attributes the target defines, in the
 *       target's spelling, and drops the rest: a target that does not know {@code
 *       name.honorificPrefix} is not sent it.
 * </ul>
 */
final class Values {
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Values() {}

  /**
   * Types a value of {@code source} type may be written to {@code target} as, checked when a
   * mapping is saved.
   */
  static boolean assignable(AttributeType source, AttributeType target) {
    return switch (target) {
      case STRING, REFERENCE -> source != AttributeType.COMPLEX;
      case BINARY -> source == AttributeType.BINARY || source == AttributeType.STRING;
      case DECIMAL -> source == AttributeType.DECIMAL || source == AttributeType.INTEGER;
      case BOOLEAN, INTEGER, DATE_TIME, COMPLEX -> source == target;
    };
  }

  /**
   * {@code value} made to fit {@code leaf} ({@code multiValued} for the target slot); null for no
   * value.
   *
   * @throws MappingException naming {@code where} when the value cannot be written there
   */
  static @Nullable JsonNode fit(
      @Nullable JsonNode value, Attribute leaf, boolean multiValued, String where) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return null;
    }
    if (multiValued) {
      if (value.isArray()) {
        ArrayNode out = NODES.arrayNode(value.size());
        for (JsonNode e : value) {
          JsonNode f = fitOne(e, leaf, where);
          if (f != null) {
            out.add(f);
          }
        }
        return out.isEmpty() ? null : out;
      }
      JsonNode one = fitOne(value, leaf, where);
      return one == null ? null : NODES.arrayNode(1).add(one);
    }
    if (value.isArray()) {
      JsonNode chosen = primaryOrFirst(value);
      return chosen == null ? null : fitOne(chosen, leaf, where);
    }
    return fitOne(value, leaf, where);
  }

  /** The element marked {@code primary: true}, else the first non-null one; null if none. */
  static @Nullable JsonNode primaryOrFirst(JsonNode array) {
    JsonNode first = null;
    for (JsonNode e : array) {
      if (e.isNull()) {
        continue;
      }
      if (e.isObject() && e.path("primary").asBoolean(false)) {
        return e;
      }
      if (first == null) {
        first = e;
      }
    }
    return first;
  }

  private static @Nullable JsonNode fitOne(JsonNode v, Attribute leaf, String where) {
    if (v.isNull() || v.isMissingNode()) {
      return null;
    }
    return switch (leaf.type()) {
      case STRING, REFERENCE -> {
        if (v.isTextual()) {
          yield v;
        }
        if (v.isNumber() || v.isBoolean()) {
          yield TextNode.valueOf(v.asText());
        }
        throw mismatch(v, leaf, where);
      }
      case BINARY, DATE_TIME -> {
        if (v.isTextual()) {
          yield v;
        }
        throw mismatch(v, leaf, where);
      }
      case BOOLEAN -> {
        if (v.isBoolean()) {
          yield v;
        }
        if (v.isTextual() && v.textValue().equalsIgnoreCase("true")) {
          yield BooleanNode.TRUE;
        }
        if (v.isTextual() && v.textValue().equalsIgnoreCase("false")) {
          yield BooleanNode.FALSE;
        }
        throw mismatch(v, leaf, where);
      }
      case INTEGER -> {
        if (v.isIntegralNumber()) {
          yield v;
        }
        throw mismatch(v, leaf, where);
      }
      case DECIMAL -> {
        if (v.isNumber()) {
          yield v;
        }
        throw mismatch(v, leaf, where);
      }
      case COMPLEX -> {
        if (!v.isObject()) {
          throw mismatch(v, leaf, where);
        }
        ObjectNode out = NODES.objectNode();
        for (Map.Entry<String, JsonNode> e : v.properties()) {
          JsonNode sv = e.getValue();
          if (sv.isNull()) {
            continue;
          }
          leaf.sub(e.getKey()).ifPresent(sub -> out.set(sub.name(), sv));
        }
        yield out.isEmpty() ? null : out;
      }
    };
  }

  private static MappingException mismatch(JsonNode v, Attribute leaf, String where) {
    return MappingException.of(
        where
            + ": a "
            + kind(v)
            + " cannot be written to "
            + leaf.name()
            + ", which is "
            + article(leaf.type().wire())
            + " "
            + leaf.type().wire());
  }

  static String kind(JsonNode v) {
    if (v.isTextual()) {
      return "string";
    }
    if (v.isBoolean()) {
      return "boolean";
    }
    if (v.isIntegralNumber()) {
      return "integer";
    }
    if (v.isNumber()) {
      return "decimal";
    }
    if (v.isArray()) {
      return "list";
    }
    return v.isObject()
        ? "complex value"
        : v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
  }

  static String article(String word) {
    return "aeiou".indexOf(Character.toLowerCase(word.charAt(0))) >= 0 ? "an" : "a";
  }
}
