package io.scimd.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builds request URIs from a base, an endpoint, ids and query parameters, encoding each part. */
final class Uris {
  private Uris() {}

  /** {@code "Users"}, {@code "/Users"} and {@code "/Users/"} all as {@code "/Users"}. */
  static String endpoint(String endpoint) {
    String e = endpoint.strip();
    while (e.startsWith("/")) {
      e = e.substring(1);
    }
    while (e.endsWith("/")) {
      e = e.substring(0, e.length() - 1);
    }
    if (e.isEmpty() || e.contains("/") || e.contains("?") || e.contains("#")) {
      throw new IllegalArgumentException(
          "an endpoint is one path segment such as \"Users\", not \"" + endpoint + "\"");
    }
    return "/" + e;
  }

  /**
   * {@code value} as one path segment (RFC 3986 §3.3): unreserved characters, {@code :} and
   * {@code @} as they are, every other byte of its UTF-8 percent-encoded. An id holding {@code /}
   * or {@code ?} then names that id, not another path.
   */
  static String segment(String value) {
    if (value.isEmpty() || value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException("not a resource id: \"" + value + "\"");
    }
    StringBuilder b = new StringBuilder();
    for (byte c : value.getBytes(StandardCharsets.UTF_8)) {
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_'
          || c == '~'
          || c == ':'
          || c == '@') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit((c >> 4) & 0xF, 16)));
        b.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return b.toString();
  }

  /** {@code ?name=value&...}, each percent-encoded (a space as %20); empty when none. */
  static String query(List<String[]> parameters) {
    StringBuilder b = new StringBuilder();
    for (String[] p : parameters) {
      b.append(b.isEmpty() ? '?' : '&').append(encode(p[0])).append('=').append(encode(p[1]));
    }
    return b.toString();
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
