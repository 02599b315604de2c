package io.scimd.core.error;

import org.jspecify.annotations.Nullable;

/**
 * An error as RFC 7644 §3.12 renders it: an HTTP status, an optional {@link ScimType} and a detail
 * that tells the caller what to fix.
 *
 * <p>A detail longer than {@link #MAX_DETAIL} characters is cut there: a small request must not
 * produce a huge response (or log line) by making an error repeat its input. Details quote client
 * input through {@link ScimException#quote}, so this last resort rarely cuts anything.
 */
public record ScimError(int status, @Nullable ScimType scimType, String detail) {
  /** The longest detail kept whole. */
  public static final int MAX_DETAIL = 1_000;

  public ScimError {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("not an error status: " + status);
    }
    detail = clip(detail, MAX_DETAIL);
  }

  /**
   * {@code text} when it has at most {@code max} characters, else its first {@code max}, an
   * ellipsis and how long it was.
   */
  private static String clip(String text, int max) {
    return text.length() <= max
        ? text
        : head(text, max) + "\u2026 (" + text.length() + " characters)";
  }

  /** The first {@code max} characters of a longer {@code text}, never half a surrogate pair. */
  static String head(String text, int max) {
    return text.substring(0, Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max);
  }
}
