package io.scimd.server.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimError;
import io.scimd.core.schema.SchemaUrns;

/**
 * The SCIM Error message of RFC 7644 §3.12, as JSON. The HTTP layer renders thrown errors with it
 * and bulk renders each failed operation's {@code response} with it, so both agree byte for byte.
 */
public final class ScimErrors {
  private ScimErrors() {}

  /**
   * {@code {"schemas":[Error URN],"status":"404","scimType":...,"detail":...}}; status is a string.
   */
  public static ObjectNode toJson(ScimError error) {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.putArray("schemas").add(SchemaUrns.ERROR);
    n.put("status", Integer.toString(error.status()));
    if (error.scimType() != null) {
      n.put("scimType", error.scimType().wire());
    }
    n.put("detail", error.detail());
    return n;
  }
}
