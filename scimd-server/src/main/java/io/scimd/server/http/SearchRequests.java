package io.scimd.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import io.scimd.server.service.ListParams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/** Reads a SearchRequest body (RFC 7644 §3.4.3) into {@link ListParams}, keys in any case. */
final class SearchRequests {
  private SearchRequests() {}

  static ListParams toListParams(JsonNode body) {
    if (!body.isObject()) {
      throw ScimException.invalidSyntax("a SearchRequest body must be a JSON object");
    }
    Map<String, JsonNode> f = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    body.fields().forEachRemaining(e -> f.put(e.getKey(), e.getValue()));
    return new ListParams(
        text(f, "filter"),
        text(f, "sortBy"),
        text(f, "sortOrder"),
        text(f, "startIndex"),
        text(f, "count"),
        text(f, "cursor"),
        list(f, "attributes"),
        list(f, "excludedAttributes"));
  }

  private static @Nullable String text(Map<String, JsonNode> f, String key) {
    JsonNode v = f.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isValueNode()) {
      return v.asText();
    }
    throw ScimException.invalidValue("SearchRequest \"" + key + "\" must be a string or a number");
  }

  /** RFC 7644 §3.4.3: {@code attributes} is an array of strings; a comma-separated string is accepted too. */
  private static @Nullable String list(Map<String, JsonNode> f, String key) {
    JsonNode v = f.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isArray()) {
      List<String> out = new ArrayList<>();
      for (JsonNode n : v) {
        if (!n.isTextual()) {
          throw ScimException.invalidValue("SearchRequest \"" + key + "\" must be an array of strings");
        }
        out.add(n.asText());
      }
      return String.join(",", out);
    }
    throw ScimException.invalidValue(
        "SearchRequest \"" + key + "\" must be an array of strings");
  }
}
