package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.CaseInsensitive;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reading what servers send: attribute names are case-insensitive (RFC 7643 §2.1). */
final class Json {
  static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Json() {}

  /** Member {@code name} of {@code o} in any case, as scimd's core reads it. */
  static @Nullable JsonNode get(JsonNode o, String name) {
    return CaseInsensitive.get(o, name);
  }

  static JsonNode path(JsonNode o, String name) {
    JsonNode v = get(o, name);
    return v == null ? F.missingNode() : v;
  }

  static ObjectNode object(@Nullable JsonNode n, String what) {
    if (n instanceof ObjectNode o) {
      return o;
    }
    throw new IllegalStateException(
        "the server's answer is not a JSON object" + (what.isEmpty() ? "" : " (" + what + ")"));
  }

  /** The objects of a ListResponse's {@code Resources}, or of a bare array. */
  static List<ObjectNode> resources(JsonNode body) {
    JsonNode array = body.isArray() ? body : get(body, "Resources");
    List<ObjectNode> out = new ArrayList<>();
    if (array instanceof ArrayNode a) {
      for (JsonNode n : a) {
        if (n instanceof ObjectNode o) {
          out.add(o);
        }
      }
    }
    return out;
  }

  static boolean bool(JsonNode n, boolean otherwise) {
    return n.isBoolean() ? n.booleanValue() : otherwise;
  }

  /** An integer sent as a number or, by some servers, as a string; null when neither. */
  static @Nullable Integer integer(JsonNode n) {
    if (n.isIntegralNumber() && n.canConvertToInt()) {
      return n.intValue();
    }
    if (n.isTextual()) {
      try {
        return Integer.parseInt(n.textValue().strip());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  static @Nullable String text(JsonNode n) {
    return n.isTextual() ? n.textValue() : null;
  }
}
