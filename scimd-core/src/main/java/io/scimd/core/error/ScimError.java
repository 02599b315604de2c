package io.scimd.core.error;

import org.jspecify.annotations.Nullable;

/**
 * An error as RFC 7644 §3.12 renders it: an HTTP status, an optional {@link ScimType} and a detail
 * that tells the caller what to fix.
 */
public record ScimError(int status, @Nullable ScimType scimType, String detail) {
  public ScimError {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
  }
}
