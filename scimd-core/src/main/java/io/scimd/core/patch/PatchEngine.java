package io.scimd.core.patch;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import java.util.List;

/**
 * Applies PATCH operations (RFC 7644 §3.5.2) in order to a copy of a resource. Either all apply or
 * the call throws and the input is untouched.
 */
public final class PatchEngine {
  private PatchEngine() {}

  /**
   * @param attributes the resource's attributes in canonical form (no {@code id}/{@code meta})
   * @return the patched attributes, a new tree
   * @throws ScimException on the first operation that cannot apply
   */
  public static ObjectNode apply(ResourceType type, ObjectNode attributes, List<PatchOperation> ops) {
    throw new UnsupportedOperationException("TODO: patch engine");
  }
}
