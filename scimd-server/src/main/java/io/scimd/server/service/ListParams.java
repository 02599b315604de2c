package io.scimd.server.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.SchemaUrns;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The parameters of a list or search request (RFC 7644 §3.4.2, §3.4.3; RFC 9865), as text, exactly
 * as they came from the query string or a SearchRequest body; the service parses and checks them.
 */
public record ListParams(
    @Nullable String filter,
    @Nullable String sortBy,
    @Nullable String sortOrder,
    @Nullable String startIndex,
    @Nullable String count,
    @Nullable String cursor,
    @Nullable String attributes,
    @Nullable String excludedAttributes) {

  public static final ListParams NONE =
      new ListParams(null, null, null, null, null, null, null, null);

  /**
   * Reads a POST {@code .search} body (RFC 7644 §3.4.3): a SearchRequest whose {@code attributes}
   * and {@code excludedAttributes} are arrays of strings (a comma-separated string is accepted
   * too), {@code startIndex}/{@code count} integers, {@code filter}, {@code sortBy}, {@code
   * sortOrder} and {@code cursor} strings. Member names are case-insensitive; unknown members are
   * ignored. A body without {@code schemas} is accepted; one whose {@code schemas} lacks the
   * SearchRequest URN is not.
   *
   * @throws ScimException {@code invalidSyntax} when the body is not a SearchRequest object, {@code
   *     invalidValue} naming a parameter of the wrong JSON type
   */
  public static ListParams fromSearchRequest(@Nullable JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ScimException.invalidSyntax("a .search body must be a SearchRequest JSON object");
    }
    JsonNode schemas = CaseInsensitive.get(body, "schemas");
    if (schemas != null && !schemas.isNull()) {
      boolean found = false;
      if (schemas.isArray()) {
        for (JsonNode s : schemas) {
          found |= s.isTextual() && s.asText().equalsIgnoreCase(SchemaUrns.SEARCH_REQUEST);
        }
      }
      if (!found) {
        throw ScimException.invalidSyntax(
            "\"schemas\" of a .search body must be [\"" + SchemaUrns.SEARCH_REQUEST + "\"]");
      }
    }
    return new ListParams(
        text(body, "filter"),
        text(body, "sortBy"),
        text(body, "sortOrder"),
        integer(body, "startIndex"),
        integer(body, "count"),
        text(body, "cursor"),
        names(body, "attributes"),
        names(body, "excludedAttributes"));
  }

  private static @Nullable String text(JsonNode body, String name) {
    JsonNode v = CaseInsensitive.get(body, name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ScimException.invalidValue(
          "SearchRequest \"" + name + "\" must be a string, not " + show(v));
    }
    return v.asText();
  }

  private static @Nullable String integer(JsonNode body, String name) {
    JsonNode v = CaseInsensitive.get(body, name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber()) {
      throw ScimException.invalidValue(
          "SearchRequest \"" + name + "\" must be an integer, not " + show(v));
    }
    return v.bigIntegerValue().toString();
  }

  private static @Nullable String names(JsonNode body, String name) {
    JsonNode v = CaseInsensitive.get(body, name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (!v.isArray()) {
      throw ScimException.invalidValue(
          "SearchRequest \"" + name + "\" must be an array of attribute names, not " + show(v));
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw ScimException.invalidValue(
            "SearchRequest \""
                + name
                + "\" must hold attribute names as strings, not "
                + show(item));
      }
      out.add(item.asText());
    }
    return String.join(",", out);
  }

  /** A wrong value as an error shows it: a string quoted short, a container by its kind. */
  private static String show(JsonNode v) {
    if (v.isTextual()) {
      return ScimException.quote(v.textValue());
    }
    return v.isArray() ? "an array" : v.isObject() ? "an object" : v.toString();
  }
}
