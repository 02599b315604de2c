package io.scimd.core.patch;

import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.path.AttrPath;
import org.jspecify.annotations.Nullable;

/**
 * A PATCH target (RFC 7644 §3.5.2, {@code PATH = attrPath / valuePath [subAttr]}): {@code attr},
 * {@code attr.sub}, {@code attr[filter]} or {@code attr[filter].sub}, each optionally
 * URN-qualified. When {@code valueFilter} is set, {@code attribute} has no sub-attribute and {@code
 * subAttribute} is the one after the brackets.
 */
public record PatchPath(AttrPath attribute, @Nullable Filter valueFilter, @Nullable String subAttribute) {

  /**
   * @throws ScimException {@code invalidPath} (or {@code invalidFilter} for a bad value filter)
   */
  public static PatchPath parse(String text) {
    throw new UnsupportedOperationException("TODO: patch path parser");
  }
}
