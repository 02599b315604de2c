package io.scimd.core.resource;

import java.time.Instant;

/**
 * The server-owned part of a resource (RFC 7643 §3.1 {@code meta}), without {@code location}, which
 * depends on the base URL the request came in on.
 */
public record Meta(String resourceType, Instant created, Instant lastModified, long version) {

  /** The weak entity tag for {@code version}: {@code W/"7"}. */
  public String etag() {
    return "W/\"" + version + "\"";
  }
}
