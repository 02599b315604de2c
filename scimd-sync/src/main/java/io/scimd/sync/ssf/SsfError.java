package io.scimd.sync.ssf;

import org.jspecify.annotations.Nullable;

/**
 * A refused SSF request: the HTTP status and, as RFC 8935/8936 shape their errors, an {@code err}
 * code and a {@code description} for people. The server renders it as {@code {"err": ...,
 * "description": ...}}.
 */
public final class SsfError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String err;

  public SsfError(int status, String err, String description) {
    super(description);
    this.status = status;
    this.err = err;
  }

  public static SsfError invalid(@Nullable String description) {
    return new SsfError(
        400, "invalid_request", description != null ? description : "the request is invalid");
  }

  public static SsfError notFound(String streamId) {
    return new SsfError(404, "not_found", "this tenant has no stream '" + clip(streamId) + "'");
  }

  public int status() {
    return status;
  }

  public String err() {
    return err;
  }

  static String clip(String s) {
    return s.length() > 70 ? s.substring(0, 70) + "..." : s;
  }
}
