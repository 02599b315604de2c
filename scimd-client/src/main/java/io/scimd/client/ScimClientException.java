package io.scimd.client;

import java.net.URI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A SCIM call that did not succeed: either the server answered with an error status (RFC 7644
 * §3.12), or no answer came back ({@link Kind}).
 *
 * <p>The kind matters to a caller that retries on its own (the hub's delivery workers, ADR 0017):
 * after {@link Kind#CONNECT} the server certainly did nothing, after {@link Kind#TIMEOUT} or {@link
 * Kind#IO} it may have applied the request, and only {@link Kind#HTTP} carries a status to read.
 * {@link #unavailable()} is the hub's "cannot take anything now" as opposed to "this change is
 * refused".
 */
public final class ScimClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How the call failed. */
  public enum Kind {
    /** The server answered with a status of 300 or more. */
    HTTP,
    /** No connection could be made (refused, unreachable, connect timeout): nothing was sent. */
    CONNECT,
    /** The request was sent, but no answer came within the request timeout. */
    TIMEOUT,
    /** The connection failed while the request or its answer was on the wire. */
    IO
  }

  private final Kind kind;
  private final String method;
  private final URI uri;
  private final int status;
  private final @Nullable String scimType;
  private final @Nullable String detail;
  private final @Nullable Duration retryAfter;

  ScimClientException(
      Kind kind,
      String method,
      URI uri,
      int status,
      @Nullable String scimType,
      @Nullable String detail,
      @Nullable Duration retryAfter,
      @Nullable Throwable cause) {
    super(message(kind, method, uri, status, scimType, detail), cause);
    this.kind = kind;
    this.method = method;
    this.uri = uri;
    this.status = status;
    this.scimType = scimType;
    this.detail = detail;
    this.retryAfter = retryAfter;
  }

  static ScimClientException transport(Kind kind, String method, URI uri, Throwable cause) {
    return new ScimClientException(
        kind, method, uri, 0, null, String.valueOf(cause.getMessage()), null, cause);
  }

  private static String message(
      Kind kind,
      String method,
      URI uri,
      int status,
      @Nullable String scimType,
      @Nullable String detail) {
    // The query is left out: a filter may hold personal data (a userName, an email address).
    String target = method + " " + uri.getScheme() + "://" + uri.getAuthority() + uri.getRawPath();
    return switch (kind) {
      case HTTP ->
          target
              + " -> "
              + status
              + (scimType == null ? "" : " " + scimType)
              + (detail == null ? "" : ": " + detail);
      case CONNECT -> target + ": could not connect: " + detail;
      case TIMEOUT -> target + ": no answer in time: " + detail;
      case IO -> target + ": connection failed: " + detail;
    };
  }

  public Kind kind() {
    return kind;
  }

  /** The HTTP method of the failed request. */
  public String method() {
    return method;
  }

  /** The URI of the failed request. */
  public URI uri() {
    return uri;
  }

  /** The HTTP status, or 0 when no answer came ({@link #kind()} is not {@link Kind#HTTP}). */
  public int status() {
    return status;
  }

  /** The error's {@code scimType} keyword as the server sent it (RFC 7644 §3.12), if any. */
  public @Nullable String scimType() {
    return scimType;
  }

  /** The error's {@code detail}, or the start of a body that was not a SCIM error. */
  public @Nullable String detail() {
    return detail;
  }

  /** How long the server asked the client to wait ({@code Retry-After}), if it said. */
  public @Nullable Duration retryAfter() {
    return retryAfter;
  }

  /**
   * True when the server could not take any request now: no answer at all, 408, 429 or a 5xx. False
   * for an answer that refuses this request (any other 4xx), which a retry will not change.
   */
  public boolean unavailable() {
    return kind != Kind.HTTP || status == 408 || status == 429 || status >= 500;
  }
}
