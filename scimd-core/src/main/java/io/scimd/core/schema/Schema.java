package io.scimd.core.schema;

import java.util.List;
import java.util.Optional;

/** A schema (RFC 7643 §7): a URN and its attribute definitions. */
public record Schema(String id, String name, String description, List<Attribute> attributes) {
  public Schema {
    attributes = List.copyOf(attributes);
  }

  /** The top-level attribute of that name, any case. */
  public Optional<Attribute> attribute(String attributeName) {
    for (Attribute a : attributes) {
      if (a.name().equalsIgnoreCase(attributeName)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
