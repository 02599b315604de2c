package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * A resource as the server returned it: its JSON and its entity tag (RFC 7644 §3.14), the value to
 * send as {@code If-Match} when changing it only if nobody else has.
 *
 * @param etag the {@code ETag} header of the answer, else the resource's {@code meta.version}; null
 *     when the server gave neither
 */
public record ScimResource(ObjectNode json, @Nullable String etag) {

  static ScimResource of(ObjectNode json, @Nullable String etagHeader) {
    String etag = etagHeader;
    if (etag == null) {
      JsonNode v = json.path("meta").path("version");
      etag = v.isTextual() ? v.textValue() : null;
    }
    return new ScimResource(json, etag);
  }

  /** The server's id, or null when the answer left it out (it should not). */
  public @Nullable String id() {
    JsonNode id = json.get("id");
    return id != null && id.isTextual() ? id.textValue() : null;
  }

  /** {@code meta.location}: the resource's URL as the server names it, if it said. */
  public @Nullable String location() {
    JsonNode l = json.path("meta").path("location");
    return l.isTextual() ? l.textValue() : null;
  }

  /** The text of top-level attribute {@code name} (exact case first, then any case), or null. */
  public @Nullable String text(String name) {
    JsonNode v = Json.get(json, name);
    return v != null && v.isTextual() ? v.textValue() : null;
  }
}
