package io.scimd.core.path;

import io.scimd.core.error.ScimException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An attribute path, {@code [schemaUrn:]attribute[.subAttribute]} (RFC 7644 §3.10). Names and URNs
 * are case-insensitive (RFC 7643 §2.1), so the record keeps them lower-cased; canonical spelling
 * comes from the schema when a response is written.
 *
 * <p>The URN part ends at the last {@code :} before the attribute name. A path that is only an
 * extension URN ({@code urn:...:enterprise:2.0:User}) parses with that URN's last segment as the
 * attribute; {@link io.scimd.core.schema.ResourceType#resolve} recognises it.
 */
public record AttrPath(@Nullable String schema, String attribute, @Nullable String subAttribute) {

  public AttrPath {
    schema = schema == null ? null : schema.toLowerCase(Locale.ROOT);
    attribute = attribute.toLowerCase(Locale.ROOT);
    subAttribute = subAttribute == null ? null : subAttribute.toLowerCase(Locale.ROOT);
    if (attribute.isEmpty()) {
      throw new IllegalArgumentException("empty attribute name");
    }
  }

  public static AttrPath of(String attribute) {
    return new AttrPath(null, attribute, null);
  }

  public static AttrPath of(String attribute, String subAttribute) {
    return new AttrPath(null, attribute, subAttribute);
  }

  /**
   * Parses a path such as {@code name.givenName} or {@code
   * urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value}.
   *
   * @throws ScimException {@code invalidPath} when the text is not an attribute path
   */
  public static AttrPath parse(String text) {
    String s = text.trim();
    String urn = null;
    String rest = s;
    if (s.regionMatches(true, 0, "urn:", 0, 4)) {
      int colon = s.lastIndexOf(':');
      urn = s.substring(0, colon);
      rest = s.substring(colon + 1);
      if (urn.length() <= 4) {
        throw ScimException.invalidPath(
            ScimException.quote(text) + " has no schema URN before its attribute name");
      }
    }
    int dot = rest.indexOf('.');
    String attr = dot < 0 ? rest : rest.substring(0, dot);
    String sub = dot < 0 ? null : rest.substring(dot + 1);
    if (!isName(attr) || (sub != null && !isName(sub))) {
      throw ScimException.invalidPath(ScimException.quote(text) + " is not a valid attribute path");
    }
    return new AttrPath(urn, attr, sub);
  }

  /**
   * RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; plus $ref.
   */
  public static boolean isName(String s) {
    if (s.equals("$ref")) {
      return true;
    }
    if (s.isEmpty() || !isAlpha(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(isAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  public AttrPath withSubAttribute(@Nullable String sub) {
    return new AttrPath(schema, attribute, sub);
  }

  /** The path as text, URN-qualified when it was. */
  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    if (schema != null) {
      b.append(schema).append(':');
    }
    b.append(attribute);
    if (subAttribute != null) {
      b.append('.').append(subAttribute);
    }
    return b.toString();
  }
}
