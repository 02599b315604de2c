package io.scimd.core.patch;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.SchemaUrns;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads a PatchOp request body (RFC 7644 §3.5.2).
 *
 * <p>Forgiving where clients differ and the meaning is still clear: member names in any case
 * ({@code Operations}, {@code op}, {@code Path}), {@code op} values in any case (Entra sends {@code
 * Add}), a missing {@code schemas} or one in another case, a blank {@code path} read as no path.
 * Strict where the meaning is not: a wrong JSON type anywhere is {@code invalidSyntax}.
 */
public final class PatchRequest {
  private PatchRequest() {}

  /**
   * @throws ScimException {@code invalidSyntax} when the body is not a PatchOp message, {@code
   *     invalidPath}/{@code invalidFilter} for a bad path, {@code noTarget} for a remove without
   *     path
   */
  public static List<PatchOperation> parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ScimException.invalidSyntax("a PATCH body must be a JSON object with \"Operations\"");
    }
    checkSchemas(CaseInsensitive.get(body, "schemas"));
    JsonNode operations = CaseInsensitive.get(body, "Operations");
    if (operations == null || operations.isNull()) {
      throw ScimException.invalidSyntax("a PATCH body needs an \"Operations\" array");
    }
    if (!operations.isArray()) {
      throw ScimException.invalidSyntax(
          "PATCH \"Operations\" must be an array, not " + jsonType(operations));
    }
    if (operations.isEmpty()) {
      throw ScimException.invalidSyntax(
          "PATCH \"Operations\" is empty; give at least one operation");
    }
    List<PatchOperation> ops = new ArrayList<>(operations.size());
    for (int i = 0; i < operations.size(); i++) {
      ops.add(operation(operations.get(i), "Operations[" + i + "]"));
    }
    return List.copyOf(ops);
  }

  private static void checkSchemas(@Nullable JsonNode schemas) {
    if (schemas == null || schemas.isNull()) {
      return; // forgiving: some clients omit it, the endpoint and method already say PatchOp
    }
    if (!schemas.isArray()) {
      throw ScimException.invalidSyntax(
          "PATCH \"schemas\" must be an array holding \""
              + SchemaUrns.PATCH_OP
              + "\", not "
              + jsonType(schemas));
    }
    boolean found = false;
    for (JsonNode s : schemas) {
      if (!s.isTextual()) {
        throw ScimException.invalidSyntax(
            "PATCH \"schemas\" must hold strings, not " + jsonType(s));
      }
      found |= s.textValue().strip().equalsIgnoreCase(SchemaUrns.PATCH_OP);
    }
    if (!found && !schemas.isEmpty()) {
      throw ScimException.invalidSyntax(
          "PATCH \"schemas\" must contain \"" + SchemaUrns.PATCH_OP + "\", got " + schemas);
    }
  }

  private static PatchOperation operation(JsonNode node, String where) {
    if (!node.isObject()) {
      throw ScimException.invalidSyntax(where + " must be an object, not " + jsonType(node));
    }
    JsonNode opNode = CaseInsensitive.get(node, "op");
    if (opNode == null || opNode.isNull()) {
      throw ScimException.invalidSyntax(where + " has no \"op\" (add, remove or replace)");
    }
    if (!opNode.isTextual()) {
      throw ScimException.invalidSyntax(where + ".op must be a string, not " + jsonType(opNode));
    }
    PatchOpType op;
    try {
      op = PatchOpType.fromWire(opNode.textValue());
    } catch (ScimException e) {
      throw new ScimException(e.status(), e.scimType(), where + ": " + e.getMessage());
    }
    JsonNode pathNode = CaseInsensitive.get(node, "path");
    PatchPath path = null;
    if (pathNode != null && !pathNode.isNull()) {
      if (!pathNode.isTextual()) {
        throw ScimException.invalidSyntax(
            where + ".path must be a string, not " + jsonType(pathNode));
      }
      if (!pathNode.textValue().isBlank()) {
        path = PatchPath.parse(pathNode.textValue());
      }
    }
    JsonNode value = CaseInsensitive.get(node, "value");
    switch (op) {
      case REMOVE -> {
        // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with 400 noTarget".
        if (path == null) {
          throw ScimException.noTarget(where + ": remove needs a \"path\" naming what to remove");
        }
        if (value != null && value.isNull()) {
          value = null;
        }
      }
      case ADD, REPLACE -> {
        if (value == null || (op == PatchOpType.ADD && value.isNull())) {
          throw ScimException.invalidSyntax(where + ": " + op.wire() + " needs a \"value\"");
        }
        if (path == null && !value.isObject()) {
          throw ScimException.invalidSyntax(
              where
                  + ": "
                  + op.wire()
                  + " without \"path\" needs an object \"value\" whose keys"
                  + " are attribute paths, not "
                  + jsonType(value));
        }
      }
    }
    return new PatchOperation(op, path, value);
  }

  static String jsonType(JsonNode n) {
    return switch (n.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT, POJO -> "an object";
      case STRING -> "a string";
      case NUMBER -> "a number";
      case BOOLEAN -> "a boolean";
      case NULL, MISSING -> "null";
      case BINARY -> "binary";
    };
  }
}
