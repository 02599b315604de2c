package io.scimd.core.patch;

import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResourceType;
import org.jspecify.annotations.Nullable;

/**
 * A PATCH target (RFC 7644 §3.5.2, {@code PATH = attrPath / valuePath [subAttr]}): {@code attr},
 * {@code attr.sub}, {@code attr[filter]} or {@code attr[filter].sub}, each optionally
 * URN-qualified. When {@code valueFilter} is set, {@code attribute} has no sub-attribute and {@code
 * subAttribute} is the one after the brackets.
 */
public record PatchPath(
    AttrPath attribute, @Nullable Filter valueFilter, @Nullable String subAttribute) {

  public PatchPath {
    subAttribute = subAttribute == null ? null : subAttribute.toLowerCase(java.util.Locale.ROOT);
    if (valueFilter == null && subAttribute != null) {
      throw new IllegalArgumentException("a sub-attribute after brackets needs a value filter");
    }
    if (valueFilter != null && attribute.subAttribute() != null) {
      throw new IllegalArgumentException(
          "a value filter applies to an attribute, not " + attribute);
    }
  }

  /** A path without a value filter. */
  public static PatchPath of(AttrPath attribute) {
    return new PatchPath(attribute, null, null);
  }

  /**
   * Parses a PATCH {@code path}. The filter between the brackets is parsed by {@link
   * FilterParser#parse}; its attribute paths are relative to the multi-valued attribute (RFC 7644
   * §3.5.2, {@code valuePath = attrPath "[" valFilter "]"}).
   *
   * @throws ScimException {@code invalidPath} (or {@code invalidFilter} for a bad value filter)
   */
  public static PatchPath parse(String text) {
    String s = text.strip();
    if (s.isEmpty()) {
      throw bad(text, "is empty; omit \"path\" or name an attribute");
    }
    int open = s.indexOf('[');
    if (open < 0) {
      if (s.indexOf(']') >= 0) {
        throw bad(text, "has ']' without '['");
      }
      return of(attrPath(s, text));
    }
    int close = closingBracket(s, open);
    if (close < 0) {
      throw bad(text, "has '[' without a closing ']' outside quotes");
    }
    AttrPath attr = attrPath(s.substring(0, open), text);
    if (attr.subAttribute() != null) {
      throw bad(text, "puts a value filter after a sub-attribute; write attr[filter].sub");
    }
    String filterText = s.substring(open + 1, close);
    if (filterText.isBlank()) {
      throw bad(text, "has an empty value filter");
    }
    Filter filter = FilterParser.parse(filterText);
    String rest = s.substring(close + 1);
    String sub = null;
    if (!rest.isEmpty()) {
      if (rest.charAt(0) != '.' || !AttrPath.isName(rest.substring(1))) {
        throw bad(text, "must end after ']' or continue with '.subAttribute'");
      }
      sub = rest.substring(1);
    }
    return new PatchPath(attr, filter, sub);
  }

  /**
   * The index of the ']' that closes the '[' at {@code open}, skipping quoted strings; -1 if none.
   */
  private static int closingBracket(String s, int open) {
    boolean quoted = false;
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted) {
        if (c == '\\') {
          i++; // skip the escaped character, which may be a quote
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    return -1;
  }

  private static AttrPath attrPath(String s, String text) {
    if (s.isEmpty()) {
      throw bad(text, "has no attribute before '['");
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ' ' || c == '"' || c == ']' || c == '[') {
        throw bad(text, "is not an attribute path");
      }
    }
    try {
      return AttrPath.parse(s);
    } catch (ScimException e) {
      // A bare extension URN whose last segment is not an attribute name (urn:acme:ext:1.0) is
      // still a valid PATCH path naming the whole extension; ResourceType.resolve decides.
      if (s.regionMatches(true, 0, "urn:", 0, 4)) {
        int colon = s.lastIndexOf(':');
        String last = s.substring(colon + 1);
        if (colon > 4 && isUrnSegment(last)) {
          return new AttrPath(s.substring(0, colon), last, null);
        }
      }
      throw bad(text, "is not an attribute path");
    }
  }

  private static boolean isUrnSegment(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '.'
          || c == '-'
          || c == '_')) {
        return false;
      }
    }
    return true;
  }

  private static ScimException bad(String text, String why) {
    return ScimException.invalidPath("PATCH path " + ScimException.quote(text) + " " + why);
  }

  /**
   * The path as an error detail names it: as {@link #toString()}, with the schema URN and names in
   * {@code type}'s spelling ({@link ResourceType#spell}) instead of lower case.
   */
  public String spelledFor(ResourceType type) {
    String attr = type.spell(attribute);
    if (valueFilter == null) {
      return attr;
    }
    return attr + "[" + valueFilter + "]" + (subAttribute == null ? "" : "." + subAttribute);
  }

  /**
   * The path as text: {@code attr}, {@code attr.sub}, {@code attr[filter]} or {@code
   * attr[filter].sub}.
   */
  @Override
  public String toString() {
    if (valueFilter == null) {
      return attribute.toString();
    }
    return attribute + "[" + valueFilter + "]" + (subAttribute == null ? "" : "." + subAttribute);
  }
}
