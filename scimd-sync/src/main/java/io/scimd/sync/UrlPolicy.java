package io.scimd.sync;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Which addresses targets may have. Most targets are internal applications, so any {@code http} or
 * {@code https} URL is allowed unless the operator gives an allow-list ({@code --target-allow}):
 * then a URL must start with one of its prefixes ({@code https://crm.example/}, {@code
 * http://10.0.0.5:8080/}).
 */
public record UrlPolicy(List<String> allowedPrefixes) {
  public UrlPolicy {
    allowedPrefixes = List.copyOf(allowedPrefixes);
  }

  public static UrlPolicy any() {
    return new UrlPolicy(List.of());
  }

  /**
   * The URL named by setting {@code field}, when it is allowed.
   *
   * @throws IllegalArgumentException naming the field and what is wrong
   */
  public URI check(String field, String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("'" + field + "' is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "'" + field + "' must be an absolute http or https URL, not '" + url + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("'" + field + "' has no host: '" + url + "'");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "'" + field + "' must not carry credentials in the URL: give them in 'auth'");
    }
    if (!allowedPrefixes.isEmpty()
        && allowedPrefixes.stream().noneMatch(p -> url.regionMatches(true, 0, p, 0, p.length()))) {
      throw new IllegalArgumentException(
          "'"
              + field
              + "' is not on this server's target allow-list (--target-allow): "
              + String.join(", ", allowedPrefixes));
    }
    return uri;
  }
}
