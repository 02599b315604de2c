package io.scimd.core.resource;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.ResourceType;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code attributes} / {@code excludedAttributes} narrowing of RFC 7644 §3.4.2.5 and §3.9,
 * applied with the {@code returned} characteristic: {@code always} attributes are always there,
 * {@code never} ones never, {@code request} ones only when asked for.
 */
public record Projection(List<AttrPath> attributes, List<AttrPath> excludedAttributes) {
  public static final Projection DEFAULT = new Projection(List.of(), List.of());

  public Projection {
    attributes = List.copyOf(attributes);
    excludedAttributes = List.copyOf(excludedAttributes);
  }

  /**
   * Parses the comma-separated query parameters; either may be null or blank.
   *
   * @throws ScimException {@code invalidPath} for a malformed path
   */
  public static Projection parse(@Nullable String attributes, @Nullable String excludedAttributes) {
    throw new UnsupportedOperationException("TODO: projection");
  }

  /** The resource as it should be returned: a new tree. */
  public ObjectNode apply(ResourceType type, ObjectNode resource) {
    throw new UnsupportedOperationException("TODO: projection");
  }

  /**
   * Whether the top-level attribute would be in the response at all. The service asks this before
   * loading costly attributes: with {@code excludedAttributes=members} a group's members are never
   * read.
   */
  public boolean includes(ResourceType type, String attributeName) {
    throw new UnsupportedOperationException("TODO: projection");
  }
}
