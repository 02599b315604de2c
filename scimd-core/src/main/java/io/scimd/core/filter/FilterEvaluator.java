package io.scimd.core.filter;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;

/**
 * Decides whether a resource matches a filter, exactly as RFC 7644 §3.4.2.2 and RFC 7643 §2.4 say:
 * string comparison by the attribute's {@code caseExact}, dateTimes chronologically, a multi-valued
 * attribute matching when any value matches, a complex multi-valued attribute without a
 * sub-attribute meaning its {@code value}.
 */
public final class FilterEvaluator {
  private FilterEvaluator() {}

  /**
   * @param resource the resource in canonical JSON form (as the store returns it, with {@code id},
   *     {@code meta} and, where loaded, {@code members}/{@code groups})
   * @throws ScimException {@code invalidFilter} when the filter names an unknown attribute or
   *     orders a boolean or binary
   */
  public static boolean matches(Filter filter, ObjectNode resource, ResourceType type) {
    throw new UnsupportedOperationException("TODO: filter evaluator");
  }
}
