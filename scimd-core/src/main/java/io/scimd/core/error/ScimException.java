package io.scimd.core.error;

import org.jspecify.annotations.Nullable;

/**
 * The one exception that carries a {@link ScimError} to the caller. Unchecked, so that lambdas and
 * streams need no wrapping; only the protocol edge renders it. Build it with the named factories.
 */
public final class ScimException extends RuntimeException {
  /** The most characters of one piece of client input that {@link #quote} keeps. */
  public static final int MAX_QUOTE = 200;

  private final ScimError error;

  public ScimException(ScimError error) {
    super(error.detail(), null, false, false);
    this.error = error;
  }

  public ScimException(int status, @Nullable ScimType type, String detail) {
    this(new ScimError(status, type, detail));
  }

  /**
   * {@code input} in double quotes for a detail, at most {@value #MAX_QUOTE} characters of it: a
   * longer one ends with an ellipsis and its length ({@code "abc…" (100000 characters)}), so that
   * echoing a bad value, path or id costs at most that much whatever the client sent.
   */
  public static String quote(String input) {
    if (input.length() <= MAX_QUOTE) {
      return '"' + input + '"';
    }
    return '"' + ScimError.head(input, MAX_QUOTE) + "\u2026\" (" + input.length() + " characters)";
  }

  public ScimError error() {
    return error;
  }

  public int status() {
    return error.status();
  }

  public @Nullable ScimType scimType() {
    return error.scimType();
  }

  public static ScimException invalidFilter(String detail) {
    return new ScimException(400, ScimType.INVALID_FILTER, detail);
  }

  public static ScimException invalidPath(String detail) {
    return new ScimException(400, ScimType.INVALID_PATH, detail);
  }

  public static ScimException invalidValue(String detail) {
    return new ScimException(400, ScimType.INVALID_VALUE, detail);
  }

  public static ScimException invalidSyntax(String detail) {
    return new ScimException(400, ScimType.INVALID_SYNTAX, detail);
  }

  public static ScimException noTarget(String detail) {
    return new ScimException(400, ScimType.NO_TARGET, detail);
  }

  public static ScimException mutability(String detail) {
    return new ScimException(400, ScimType.MUTABILITY, detail);
  }

  public static ScimException invalidVersion(String detail) {
    return new ScimException(400, ScimType.INVALID_VERS, detail);
  }

  public static ScimException tooMany(String detail) {
    return new ScimException(400, ScimType.TOO_MANY, detail);
  }

  public static ScimException invalidCursor(String detail) {
    return new ScimException(400, ScimType.INVALID_CURSOR, detail);
  }

  public static ScimException expiredCursor(String detail) {
    return new ScimException(400, ScimType.EXPIRED_CURSOR, detail);
  }

  public static ScimException badRequest(String detail) {
    return new ScimException(400, null, detail);
  }

  public static ScimException unauthorized(String detail) {
    return new ScimException(401, null, detail);
  }

  public static ScimException forbidden(String detail) {
    return new ScimException(403, null, detail);
  }

  public static ScimException notFound(String detail) {
    return new ScimException(404, null, detail);
  }

  public static ScimException methodNotAllowed(String detail) {
    return new ScimException(405, null, detail);
  }

  public static ScimException uniqueness(String detail) {
    return new ScimException(409, ScimType.UNIQUENESS, detail);
  }

  /** A version conflict found while applying a write (the resource changed under us). */
  public static ScimException conflict(String detail) {
    return new ScimException(409, null, detail);
  }

  public static ScimException preconditionFailed(String detail) {
    return new ScimException(412, null, detail);
  }

  public static ScimException payloadTooLarge(String detail) {
    return new ScimException(413, null, detail);
  }

  public static ScimException unsupportedMediaType(String detail) {
    return new ScimException(415, null, detail);
  }

  public static ScimException tooManyRequests(String detail) {
    return new ScimException(429, null, detail);
  }

  public static ScimException notImplemented(String detail) {
    return new ScimException(501, null, detail);
  }

  public static ScimException unavailable(String detail) {
    return new ScimException(503, null, detail);
  }
}
