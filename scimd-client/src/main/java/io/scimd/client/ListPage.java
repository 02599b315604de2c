package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One page of a list or search (RFC 7644 §3.4.2, with RFC 9865 §3's cursors).
 *
 * @param totalResults how many resources match in all, as the server counted them
 * @param startIndex the 1-based index of the first resource (index paging), if the server said
 * @param nextCursor the cursor of the next page (cursor paging); null on the last page
 */
public record ListPage(
    List<ScimResource> resources,
    long totalResults,
    @Nullable Integer startIndex,
    @Nullable String nextCursor,
    @Nullable String previousCursor) {

  public ListPage {
    resources = List.copyOf(resources);
  }

  static ListPage of(JsonNode body) {
    List<ScimResource> rs =
        Json.resources(body).stream().map(o -> ScimResource.of(o, null)).toList();
    JsonNode total = Json.path(body, "totalResults");
    return new ListPage(
        rs,
        total.canConvertToLong() ? total.longValue() : rs.size(),
        Json.integer(Json.path(body, "startIndex")),
        blankToNull(Json.text(Json.path(body, "nextCursor"))),
        blankToNull(Json.text(Json.path(body, "previousCursor"))));
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
