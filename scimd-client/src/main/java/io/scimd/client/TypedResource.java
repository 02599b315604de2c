package io.scimd.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/** A typed resource ({@link User}, {@link Group}): its JSON, which stays the source of truth. */
public sealed interface TypedResource permits User, Group {
  ObjectNode json();

  /** The version it was read at, sent as {@code If-Match} by {@link TypedResources#replace}. */
  @Nullable String etag();

  default @Nullable String id() {
    return Json.text(Json.path(json(), "id"));
  }
}
