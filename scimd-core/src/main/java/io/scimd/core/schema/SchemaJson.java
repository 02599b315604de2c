package io.scimd.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes schemas and resource types in the JSON form of RFC 7643 §7 and §6, the form
 * {@code /Schemas} and {@code /ResourceTypes} serve and {@code --schemas DIR} files use.
 */
public final class SchemaJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private SchemaJson() {}

  /** Parses one schema object. @throws IllegalArgumentException naming what is wrong */
  public static Schema parseSchema(JsonNode node) {
    String id = optText(node, "id");
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("schema has no \"id\"");
    }
    JsonNode attrs = node.get("attributes");
    if (attrs == null || !attrs.isArray()) {
      throw new IllegalArgumentException("schema " + id + " has no \"attributes\" array");
    }
    List<Attribute> list = new ArrayList<>();
    for (JsonNode a : attrs) {
      list.add(parseAttribute(a, id));
    }
    return new Schema(id, text(node, "name", ""), text(node, "description", ""), list);
  }

  private static Attribute parseAttribute(JsonNode a, String where) {
    String name = optText(a, "name");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("an attribute of " + where + " has no \"name\"");
    }
    Attribute.Builder b = Attribute.builder(name);
    try {
      b.type(AttributeType.fromWire(text(a, "type", "string")));
      b.multiValued(a.path("multiValued").asBoolean(false));
      b.description(text(a, "description", ""));
      b.required(a.path("required").asBoolean(false));
      b.caseExact(a.path("caseExact").asBoolean(false));
      b.mutability(Mutability.fromWire(text(a, "mutability", "readWrite")));
      b.returned(Returned.fromWire(text(a, "returned", "default")));
      b.uniqueness(Uniqueness.fromWire(text(a, "uniqueness", "none")));
      b.canonicalValues(strings(a.get("canonicalValues")));
      b.referenceTypes(strings(a.get("referenceTypes")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ":" + name + ": " + e.getMessage(), e);
    }
    JsonNode subs = a.get("subAttributes");
    if (subs != null && subs.isArray()) {
      List<Attribute> list = new ArrayList<>();
      for (JsonNode s : subs) {
        list.add(parseAttribute(s, where + ":" + name));
      }
      b.subAttributes(list);
    }
    return b.build();
  }

  /**
   * Parses one resource type object; its schema and extensions are looked up with {@code schemas},
   * which answers null for an unknown URN.
   */
  public static ResourceType parseResourceType(
      JsonNode node, Function<String, @Nullable Schema> schemas) {
    String name = optText(node, "name");
    if (name == null) {
      name = optText(node, "id");
    }
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("resource type has no \"name\"");
    }
    String endpoint = optText(node, "endpoint");
    if (endpoint == null || !endpoint.startsWith("/")) {
      throw new IllegalArgumentException(
          "resource type " + name + " needs an \"endpoint\" like /Devices");
    }
    String schemaId = optText(node, "schema");
    Schema core = schemaId == null ? null : schemas.apply(schemaId);
    if (core == null) {
      throw new IllegalArgumentException("resource type " + name + ": unknown schema " + schemaId);
    }
    List<SchemaExtension> ext = new ArrayList<>();
    for (JsonNode e : node.path("schemaExtensions")) {
      String urn = optText(e, "schema");
      Schema s = urn == null ? null : schemas.apply(urn);
      if (s == null) {
        throw new IllegalArgumentException("resource type " + name + ": unknown extension " + urn);
      }
      ext.add(new SchemaExtension(s, e.path("required").asBoolean(false)));
    }
    return new ResourceType(name, endpoint, text(node, "description", ""), core, ext);
  }

  /** The schema as {@code /Schemas/{id}} serves it, {@code meta.location} under {@code base}. */
  public static ObjectNode toJson(Schema s, String base) {
    ObjectNode o = F.objectNode();
    o.putArray("schemas").add(SchemaUrns.SCHEMA);
    o.put("id", s.id());
    o.put("name", s.name());
    o.put("description", s.description());
    ArrayNode attrs = o.putArray("attributes");
    for (Attribute a : s.attributes()) {
      attrs.add(toJson(a));
    }
    ObjectNode meta = o.putObject("meta");
    meta.put("resourceType", "Schema");
    meta.put("location", base + "/Schemas/" + s.id());
    return o;
  }

  public static ObjectNode toJson(Attribute a) {
    ObjectNode o = F.objectNode();
    o.put("name", a.name());
    o.put("type", a.type().wire());
    o.put("multiValued", a.multiValued());
    o.put("description", a.description());
    o.put("required", a.required());
    if (a.type() == AttributeType.STRING
        || a.type() == AttributeType.REFERENCE
        || a.type() == AttributeType.BINARY) {
      o.put("caseExact", a.caseExact());
    }
    if (!a.canonicalValues().isEmpty()) {
      ArrayNode cv = o.putArray("canonicalValues");
      a.canonicalValues().forEach(cv::add);
    }
    if (!a.referenceTypes().isEmpty()) {
      ArrayNode rt = o.putArray("referenceTypes");
      a.referenceTypes().forEach(rt::add);
    }
    o.put("mutability", a.mutability().wire());
    o.put("returned", a.returned().wire());
    if (a.type() != AttributeType.COMPLEX && a.type() != AttributeType.BOOLEAN) {
      o.put("uniqueness", a.uniqueness().wire());
    }
    if (a.isComplex()) {
      ArrayNode subs = o.putArray("subAttributes");
      for (Attribute s : a.subAttributes()) {
        subs.add(toJson(s));
      }
    }
    return o;
  }

  /** The resource type as {@code /ResourceTypes/{name}} serves it. */
  public static ObjectNode toJson(ResourceType t, String base) {
    ObjectNode o = F.objectNode();
    o.putArray("schemas").add(SchemaUrns.RESOURCE_TYPE);
    o.put("id", t.name());
    o.put("name", t.name());
    o.put("endpoint", t.endpoint());
    o.put("description", t.description());
    o.put("schema", t.schema().id());
    if (!t.extensions().isEmpty()) {
      ArrayNode ext = o.putArray("schemaExtensions");
      for (SchemaExtension e : t.extensions()) {
        ext.addObject().put("schema", e.schema().id()).put("required", e.required());
      }
    }
    ObjectNode meta = o.putObject("meta");
    meta.put("resourceType", "ResourceType");
    meta.put("location", base + "/ResourceTypes/" + t.name());
    return o;
  }

  private static String text(JsonNode n, String field, String dflt) {
    String v = optText(n, field);
    return v != null ? v : dflt;
  }

  private static @Nullable String optText(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  private static List<String> strings(@Nullable JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n != null && n.isArray()) {
      n.forEach(v -> out.add(v.asText()));
    }
    return out;
  }
}
