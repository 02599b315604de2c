package io.scimd.core.schema;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One attribute definition with its characteristics (RFC 7643 §2.2 and §7). Sub-attributes are
 * looked up case-insensitively, as RFC 7643 §2.1 requires of attribute names.
 */
public record Attribute(
    String name,
    AttributeType type,
    boolean multiValued,
    String description,
    boolean required,
    boolean caseExact,
    Mutability mutability,
    Returned returned,
    Uniqueness uniqueness,
    List<String> canonicalValues,
    List<String> referenceTypes,
    List<Attribute> subAttributes) {

  public Attribute {
    canonicalValues = List.copyOf(canonicalValues);
    referenceTypes = List.copyOf(referenceTypes);
    subAttributes = List.copyOf(subAttributes);
    if (type != AttributeType.COMPLEX && !subAttributes.isEmpty()) {
      throw new IllegalArgumentException(name + ": only complex attributes have sub-attributes");
    }
  }

  /** The sub-attribute of that name, any case. */
  public Optional<Attribute> sub(String subName) {
    for (Attribute a : subAttributes) {
      if (a.name.equalsIgnoreCase(subName)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  public boolean isComplex() {
    return type == AttributeType.COMPLEX;
  }

  /** Lower-cased name: the key used wherever attribute names are compared. */
  public String key() {
    return name.toLowerCase(Locale.ROOT);
  }

  /** Starts a builder with the RFC 7643 §7 defaults: string, single, readWrite, default, none. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Builder for attribute definitions; the defaults are those of RFC 7643 §2.2. */
  public static final class Builder {
    private final String name;
    private AttributeType type = AttributeType.STRING;
    private boolean multiValued;
    private String description = "";
    private boolean required;
    private boolean caseExact;
    private Mutability mutability = Mutability.READ_WRITE;
    private Returned returned = Returned.DEFAULT;
    private Uniqueness uniqueness = Uniqueness.NONE;
    private List<String> canonicalValues = List.of();
    private List<String> referenceTypes = List.of();
    private List<Attribute> subAttributes = List.of();

    private Builder(String name) {
      this.name = name;
    }

    public Builder type(AttributeType v) {
      type = v;
      return this;
    }

    public Builder multiValued(boolean v) {
      multiValued = v;
      return this;
    }

    public Builder description(@Nullable String v) {
      description = v == null ? "" : v;
      return this;
    }

    public Builder required(boolean v) {
      required = v;
      return this;
    }

    public Builder caseExact(boolean v) {
      caseExact = v;
      return this;
    }

    public Builder mutability(Mutability v) {
      mutability = v;
      return this;
    }

    public Builder returned(Returned v) {
      returned = v;
      return this;
    }

    public Builder uniqueness(Uniqueness v) {
      uniqueness = v;
      return this;
    }

    public Builder canonicalValues(List<String> v) {
      canonicalValues = v;
      return this;
    }

    public Builder referenceTypes(List<String> v) {
      referenceTypes = v;
      return this;
    }

    public Builder subAttributes(List<Attribute> v) {
      subAttributes = v;
      return this;
    }

    public Attribute build() {
      return new Attribute(
          name,
          type,
          multiValued,
          description,
          required,
          caseExact,
          mutability,
          returned,
          uniqueness,
          canonicalValues,
          referenceTypes,
          subAttributes);
    }
  }
}
