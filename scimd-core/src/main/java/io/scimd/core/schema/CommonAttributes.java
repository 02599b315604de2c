package io.scimd.core.schema;

import static io.scimd.core.schema.AttributeType.COMPLEX;
import static io.scimd.core.schema.AttributeType.DATE_TIME;
import static io.scimd.core.schema.AttributeType.REFERENCE;

import java.util.List;
import java.util.Optional;

/**
 * The attributes every resource has (RFC 7643 §3.1): {@code id}, {@code externalId} and {@code
 * meta}. They are part of no schema's attribute list, so discovery does not show them, but paths,
 * filters and projection resolve them like any other attribute.
 */
public final class CommonAttributes {
  public static final Attribute ID =
      Attribute.builder("id")
          .caseExact(true)
          .mutability(Mutability.READ_ONLY)
          .returned(Returned.ALWAYS)
          .uniqueness(Uniqueness.SERVER)
          .description("Unique identifier for the resource, assigned by the service provider.")
          .build();

  public static final Attribute EXTERNAL_ID =
      Attribute.builder("externalId")
          .caseExact(true)
          .description("Identifier of the resource as defined by the provisioning client.")
          .build();

  public static final Attribute META =
      Attribute.builder("meta")
          .type(COMPLEX)
          .mutability(Mutability.READ_ONLY)
          .description("Resource metadata.")
          .subAttributes(
              List.of(
                  readOnly("resourceType", AttributeType.STRING, true),
                  readOnly("created", DATE_TIME, false),
                  readOnly("lastModified", DATE_TIME, false),
                  Attribute.builder("location")
                      .type(REFERENCE)
                      .referenceTypes(List.of("uri"))
                      .caseExact(true)
                      .mutability(Mutability.READ_ONLY)
                      .build(),
                  readOnly("version", AttributeType.STRING, true)))
          .build();

  public static final List<Attribute> ALL = List.of(ID, EXTERNAL_ID, META);

  private CommonAttributes() {}

  public static Optional<Attribute> attribute(String name) {
    for (Attribute a : ALL) {
      if (a.name().equalsIgnoreCase(name)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  private static Attribute readOnly(String name, AttributeType type, boolean caseExact) {
    return Attribute.builder(name)
        .type(type)
        .caseExact(caseExact)
        .mutability(Mutability.READ_ONLY)
        .build();
  }
}
