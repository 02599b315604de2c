package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * What a server says it supports (RFC 7643 §5), with RFC 9865 §4's {@code pagination}. The whole
 * document stays in {@link #json()} for what is not read here (authentication schemes, extensions).
 *
 * @param bulkMaxOperations 0 when bulk is not supported or the server did not say
 * @param filterMaxResults the most resources one list returns, 0 when not said
 */
public record ServiceProviderConfig(
    boolean patch,
    boolean bulk,
    int bulkMaxOperations,
    long bulkMaxPayloadSize,
    boolean filter,
    int filterMaxResults,
    boolean sort,
    boolean etag,
    boolean changePassword,
    Pagination pagination,
    ObjectNode json) {

  /**
   * RFC 9865 §4. A server that publishes no {@code pagination} block pages by index only.
   *
   * @param defaultPageSize null when not said, as the other optional numbers
   */
  public record Pagination(
      boolean cursor,
      boolean index,
      @Nullable String defaultPaginationMethod,
      @Nullable Integer defaultPageSize,
      @Nullable Integer maxPageSize,
      @Nullable Integer cursorTimeout) {}

  static ServiceProviderConfig of(ObjectNode o) {
    JsonNode bulk = Json.path(o, "bulk");
    JsonNode filter = Json.path(o, "filter");
    JsonNode p = Json.get(o, "pagination");
    Pagination pagination =
        p == null || !p.isObject()
            ? new Pagination(false, true, null, null, null, null)
            : new Pagination(
                Json.bool(Json.path(p, "cursor"), false),
                Json.bool(Json.path(p, "index"), true),
                Json.text(Json.path(p, "defaultPaginationMethod")),
                Json.integer(Json.path(p, "defaultPageSize")),
                Json.integer(Json.path(p, "maxPageSize")),
                Json.integer(Json.path(p, "cursorTimeout")));
    Integer maxOps = Json.integer(Json.path(bulk, "maxOperations"));
    JsonNode maxPayload = Json.path(bulk, "maxPayloadSize");
    Integer maxResults = Json.integer(Json.path(filter, "maxResults"));
    return new ServiceProviderConfig(
        supported(o, "patch"),
        supported(o, "bulk"),
        maxOps == null ? 0 : maxOps,
        maxPayload.canConvertToLong() ? maxPayload.longValue() : 0,
        supported(o, "filter"),
        maxResults == null ? 0 : maxResults,
        supported(o, "sort"),
        supported(o, "etag"),
        supported(o, "changePassword"),
        pagination,
        o);
  }

  private static boolean supported(JsonNode o, String feature) {
    return Json.bool(Json.path(Json.path(o, feature), "supported"), false);
  }
}
