package io.scimd.core.schema;

import io.scimd.core.path.AttrPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A resource type (RFC 7643 §6): its endpoint, its core schema and its extensions. Resolves
 * attribute paths, including the common attributes of RFC 7643 §3.1 ({@code id}, {@code
 * externalId}, {@code meta}) which belong to no schema's attribute list.
 */
public record ResourceType(
    String name,
    String endpoint,
    String description,
    Schema schema,
    List<SchemaExtension> extensions) {

  public ResourceType {
    extensions = List.copyOf(extensions);
    if (!endpoint.startsWith("/")) {
      throw new IllegalArgumentException("endpoint must start with '/': " + endpoint);
    }
  }

  /** The core schema and every extension schema, core first. */
  public List<Schema> allSchemas() {
    List<Schema> all = new ArrayList<>(1 + extensions.size());
    all.add(schema);
    for (SchemaExtension e : extensions) {
      all.add(e.schema());
    }
    return all;
  }

  /** The extension with that URN, any case. */
  public Optional<SchemaExtension> extension(String urn) {
    for (SchemaExtension e : extensions) {
      if (e.schema().id().equalsIgnoreCase(urn)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** The core schema or an extension by URN, any case. */
  public Optional<Schema> schemaById(String urn) {
    if (schema.id().equalsIgnoreCase(urn)) {
      return Optional.of(schema);
    }
    return extension(urn).map(SchemaExtension::schema);
  }

  /**
   * Resolves a path: a URN-qualified path only in its schema, an unqualified one in the common
   * attributes, then the core schema, then each extension in order. Empty when the path names no
   * attribute of this type, or a sub-attribute that does not exist.
   */
  public Optional<ResolvedPath> resolve(AttrPath path) {
    if (path.schema() != null) {
      if (path.subAttribute() == null) {
        Optional<SchemaExtension> whole = extension(path.schema() + ":" + path.attribute());
        if (whole.isPresent()) {
          return Optional.of(new ResolvedPath(whole.get().schema(), null, null));
        }
      }
      Optional<Schema> s = schemaById(path.schema());
      if (s.isEmpty()) {
        return Optional.empty();
      }
      Optional<Attribute> a = s.get().attribute(path.attribute());
      if (a.isEmpty() && s.get() == schema) {
        a = CommonAttributes.attribute(path.attribute());
      }
      return a.flatMap(attr -> withSub(s.get(), attr, path.subAttribute()));
    }
    Optional<Attribute> common = CommonAttributes.attribute(path.attribute());
    if (common.isPresent()) {
      return withSub(schema, common.get(), path.subAttribute());
    }
    for (Schema s : allSchemas()) {
      Optional<Attribute> a = s.attribute(path.attribute());
      if (a.isPresent()) {
        return withSub(s, a.get(), path.subAttribute());
      }
    }
    return Optional.empty();
  }

  /**
   * {@code path} as a message names it: its schema URN, attribute and sub-attribute in the schemas'
   * spelling wherever this type knows them ({@link AttrPath} keeps them lower-cased), the rest as
   * given. A client that writes {@code urn:...:enterprise:2.0:user:manager} reads {@code
   * urn:...:enterprise:2.0:User:manager} in the error, the name it should have sent.
   */
  public String spell(AttrPath path) {
    StringBuilder b = new StringBuilder();
    if (path.schema() != null) {
      if (path.subAttribute() == null) {
        Optional<SchemaExtension> whole = extension(path.schema() + ":" + path.attribute());
        if (whole.isPresent()) {
          return whole.get().schema().id();
        }
      }
      b.append(schemaById(path.schema()).map(Schema::id).orElse(path.schema())).append(':');
    }
    Optional<Attribute> a = resolve(path.withSubAttribute(null)).map(ResolvedPath::attribute);
    b.append(a.map(Attribute::name).orElse(path.attribute()));
    String sub = path.subAttribute();
    if (sub != null) {
      b.append('.').append(a.flatMap(x -> x.sub(sub)).map(Attribute::name).orElse(sub));
    }
    return b.toString();
  }

  private static Optional<ResolvedPath> withSub(
      Schema s, Attribute a, @org.jspecify.annotations.Nullable String sub) {
    if (sub == null) {
      return Optional.of(new ResolvedPath(s, a, null));
    }
    return a.sub(sub).map(subAttr -> new ResolvedPath(s, a, subAttr));
  }
}
