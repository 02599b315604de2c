package io.scimd.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Lookup of a JSON object's member by an attribute name in any case, as RFC 7643 §2.1 makes
 * attribute names case-insensitive. An exact match wins, so a canonical (stored) document costs one
 * hash lookup; only a client's odd spelling pays for the scan.
 */
public final class CaseInsensitive {
  private CaseInsensitive() {}

  /**
   * The member named {@code name} in any case; null when there is none or {@code node} is no
   * object.
   */
  public static @Nullable JsonNode get(JsonNode node, String name) {
    JsonNode exact = node.get(name);
    if (exact != null) {
      return exact;
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }
}
