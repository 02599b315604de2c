package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The answer to a {@link BulkRequest} (RFC 7644 §3.7): one {@link Result} per operation the server
 * ran, in its order. A bulk request that succeeded as a whole may still hold failed operations:
 * read each {@link Result#status()}.
 */
public record BulkResponse(List<Result> results, ObjectNode json) {

  public BulkResponse {
    results = List.copyOf(results);
  }

  /**
   * One operation's outcome.
   *
   * @param location the URL of the resource it created or changed, if any
   * @param version its new ETag, if the server said
   * @param status the HTTP status of the operation, read from a number or a string
   * @param response the error (or, for some servers, the resource) the server returned for it
   */
  public record Result(
      String method,
      @Nullable String bulkId,
      @Nullable String location,
      @Nullable String version,
      int status,
      @Nullable JsonNode response) {

    public boolean succeeded() {
      return status >= 200 && status < 300;
    }

    /** The id of the resource: the last segment of {@link #location()}, if there is one. */
    public @Nullable String id() {
      if (location == null) {
        return null;
      }
      String l = location.endsWith("/") ? location.substring(0, location.length() - 1) : location;
      int slash = l.lastIndexOf('/');
      return slash < 0 || slash == l.length() - 1 ? null : l.substring(slash + 1);
    }

    /** The error's {@code scimType}, when the operation failed with one. */
    public @Nullable String scimType() {
      return response == null ? null : Json.text(Json.path(response, "scimType"));
    }

    public @Nullable String detail() {
      return response == null ? null : Json.text(Json.path(response, "detail"));
    }
  }

  static BulkResponse of(ObjectNode body) {
    List<Result> results = new ArrayList<>();
    for (JsonNode op : Json.path(body, "Operations")) {
      JsonNode status = Json.path(op, "status");
      // RFC 7644 §3.7.3 prints status as a string ("201"); some servers send a number, or an
      // object {"code": 201} as in an early draft.
      Integer code = Json.integer(status.isObject() ? Json.path(status, "code") : status);
      JsonNode response = Json.get(op, "response");
      results.add(
          new Result(
              String.valueOf(Json.text(Json.path(op, "method"))),
              Json.text(Json.path(op, "bulkId")),
              Json.text(Json.path(op, "location")),
              Json.text(Json.path(op, "version")),
              code == null ? 0 : code,
              response == null || response.isNull() ? null : response));
    }
    return new BulkResponse(results, body);
  }
}
