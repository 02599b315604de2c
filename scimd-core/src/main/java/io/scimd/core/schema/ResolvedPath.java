package io.scimd.core.schema;

import org.jspecify.annotations.Nullable;

/**
 * An attribute path resolved against a resource type: the schema it belongs to, the top-level
 * attribute and, if named, the sub-attribute. {@code attribute} is null when the path names a whole
 * extension schema (a PATCH path of just the extension URN).
 */
public record ResolvedPath(Schema schema, @Nullable Attribute attribute, @Nullable Attribute sub) {

  /** True when the attribute lives under the extension's URN key in the resource JSON. */
  public boolean inExtension(ResourceType type) {
    return !schema.id().equals(type.schema().id());
  }

  /** The definition the path ends at: the sub-attribute if named, else the attribute. */
  public @Nullable Attribute target() {
    return sub != null ? sub : attribute;
  }
}
