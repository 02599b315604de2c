package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A resource type the server serves (RFC 7643 §6): its name, the endpoint to pass to {@link
 * ScimClient#resources}, its core schema and extension schemas.
 */
public record ResourceTypeInfo(
    String name, String endpoint, String schema, List<String> schemaExtensions, ObjectNode json) {

  public ResourceTypeInfo {
    schemaExtensions = List.copyOf(schemaExtensions);
  }

  static ResourceTypeInfo of(ObjectNode o) {
    List<String> extensions = new ArrayList<>();
    for (JsonNode e : Json.path(o, "schemaExtensions")) {
      String s = Json.text(Json.path(e, "schema"));
      if (s != null) {
        extensions.add(s);
      }
    }
    String name = Json.text(Json.path(o, "name"));
    String endpoint = Json.text(Json.path(o, "endpoint"));
    return new ResourceTypeInfo(
        name == null ? "" : name,
        endpoint == null ? "" : endpoint,
        String.valueOf(Json.text(Json.path(o, "schema"))),
        extensions,
        o);
  }
}
