package io.scimd.core.resource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;

/**
 * Turns what a client sent into a resource's attributes in canonical form, enforcing every
 * attribute characteristic of RFC 7643 §2.2/§7: names folded to the schema's spelling (attribute
 * names, sub-attribute names and extension URN keys are case-insensitive), {@code schemas} checked,
 * readOnly attributes ignored, immutable ones settable once, JSON types checked, required ones
 * present, canonical values, at most one {@code primary: true}. Collects every issue and reports
 * them together, by precedence.
 *
 * <p>The result never holds {@code id}, {@code meta} or {@code schemas}: those are the server's.
 */
public final class ResourceValidator {
  private final UnknownAttributePolicy unknownAttributes;

  public ResourceValidator(UnknownAttributePolicy unknownAttributes) {
    this.unknownAttributes = unknownAttributes;
  }

  /** For POST. @throws ScimException 400 naming every problem */
  public ObjectNode forCreate(ResourceType type, JsonNode body) {
    throw new UnsupportedOperationException("TODO: validator");
  }

  /**
   * For PUT: the body replaces every readWrite attribute; readOnly ones keep {@code current}'s
   * value; an immutable one may only be set if {@code current} has none, or to the same value.
   */
  public ObjectNode forReplace(ResourceType type, ObjectNode current, JsonNode body) {
    throw new UnsupportedOperationException("TODO: validator");
  }

  /** After PATCH: the result must still satisfy required, types and immutability. */
  public ObjectNode checkPatched(ResourceType type, ObjectNode before, ObjectNode after) {
    throw new UnsupportedOperationException("TODO: validator");
  }
}
