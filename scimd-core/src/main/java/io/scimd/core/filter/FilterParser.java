package io.scimd.core.filter;

import io.scimd.core.error.ScimException;

/**
 * Parses the filter grammar of RFC 7644 §3.4.2.2 (with its errata): operators, {@code and}/{@code
 * or}/{@code not} case-insensitive, {@code and} binding tighter than {@code or}, value paths, JSON
 * string escapes, numbers, {@code true}/{@code false}/{@code null}.
 */
public final class FilterParser {
  private FilterParser() {}

  /**
   * @throws ScimException {@code invalidFilter} naming the position that failed
   */
  public static Filter parse(String text) {
    throw new UnsupportedOperationException("TODO: filter parser");
  }
}
