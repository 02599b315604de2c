package io.scimd.core.resource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Returned;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaExtension;
import io.scimd.core.schema.SchemaRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** Shared test data: the built-in registry, a custom type exercising every characteristic. */
final class Fixtures {
  static final ObjectMapper M = new ObjectMapper();
  static final SchemaRegistry REGISTRY = SchemaRegistry.builtIn();
  static final ResourceType USER = REGISTRY.user();
  static final ResourceType GROUP = REGISTRY.group();
  static final String CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
  static final String ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  static final String DEVICE_URN = "urn:example:scim:Device";
  static final String DEVICE_EXT = "urn:example:scim:DeviceOwner";

  /**
   * A custom type with the types and characteristics the built-in schemas lack: integer, decimal,
   * dateTime, immutable (top-level and a sub-attribute), request-returned, a required sub-attribute
   * ({@code location.site}), and a required extension.
   */
  static final ResourceType DEVICE =
      new ResourceType(
          "Device",
          "/Devices",
          "test device",
          new Schema(
              DEVICE_URN,
              "Device",
              "",
              List.of(
                  Attribute.builder("serial")
                      .required(true)
                      .mutability(Mutability.IMMUTABLE)
                      .build(),
                  Attribute.builder("ports").type(AttributeType.INTEGER).build(),
                  Attribute.builder("weight").type(AttributeType.DECIMAL).build(),
                  Attribute.builder("boughtAt").type(AttributeType.DATE_TIME).build(),
                  Attribute.builder("secretNote").returned(Returned.REQUEST).build(),
                  Attribute.builder("tags").multiValued(true).build(),
                  Attribute.builder("slot")
                      .type(AttributeType.COMPLEX)
                      .subAttributes(
                          List.of(
                              Attribute.builder("rack").mutability(Mutability.IMMUTABLE).build(),
                              Attribute.builder("position").type(AttributeType.INTEGER).build(),
                              Attribute.builder("hidden").returned(Returned.REQUEST).build()))
                      .build(),
                  Attribute.builder("location")
                      .type(AttributeType.COMPLEX)
                      .subAttributes(
                          List.of(
                              Attribute.builder("site").required(true).build(),
                              Attribute.builder("floor").type(AttributeType.INTEGER).build()))
                      .build())),
          List.of(
              new SchemaExtension(
                  new Schema(
                      DEVICE_EXT,
                      "DeviceOwner",
                      "",
                      List.of(Attribute.builder("owner").required(true).build())),
                  true)));

  private Fixtures() {}

  static ObjectNode json(String text) {
    try {
      return (ObjectNode) M.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  static JsonNode anyJson(String text) {
    try {
      return M.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  static ObjectNode resource(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return (ObjectNode) M.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ScimException error(Runnable r) {
    try {
      r.run();
    } catch (ScimException e) {
      return e;
    }
    throw new AssertionError("expected a ScimException");
  }
}
