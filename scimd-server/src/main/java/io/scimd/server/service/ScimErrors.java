package io.scimd.server.service;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimError;
import io.scimd.core.schema.SchemaUrns;

/** Renders a {@link ScimError} as the error response body of RFC 7644 §3.12. */
public final class ScimErrors {
  private ScimErrors() {}

  /** The error body: {@code schemas}, {@code status} as a string, {@code scimType} when set, {@code detail}. */
  public static ObjectNode toJson(ScimError error) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putArray("schemas").add(SchemaUrns.ERROR);
    o.put("status", Integer.toString(error.status()));
    if (error.scimType() != null) {
      o.put("scimType", error.scimType().wire());
    }
    o.put("detail", error.detail());
    return o;
  }
}
