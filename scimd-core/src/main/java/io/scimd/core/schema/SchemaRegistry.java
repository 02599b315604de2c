package io.scimd.core.schema;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The one registry of schemas and resource types. Validation, projection, filters, PATCH and the
 * discovery endpoints all read it, so what the server publishes is what it enforces. Immutable.
 *
 * <p>Extra definitions load from a directory of JSON files in RFC 7643 §7 / §6 form: each file
 * holds a schema, a resource type, an array of them, or a ListResponse of them. A resource type
 * named like a built-in one ({@code User}) adds its {@code schemaExtensions} to the built-in type;
 * any other name defines a new resource type.
 */
public final class SchemaRegistry {
  private final Map<String, Schema> schemas; // lower-cased URN -> schema
  private final Map<String, ResourceType> types; // lower-cased name -> type
  private final List<Schema> orderedSchemas;
  private final List<ResourceType> orderedTypes;

  private SchemaRegistry(Map<String, Schema> schemas, Map<String, ResourceType> types) {
    this.schemas = Map.copyOf(schemas);
    this.types = Map.copyOf(types);
    this.orderedSchemas = List.copyOf(schemas.values());
    this.orderedTypes = List.copyOf(types.values());
  }

  /**
   * User (with the Enterprise extension) and Group, as RFC 7643 §8.7 defines them, and Agent
   * (draft-wzdk-scim-agent-resource-00, docs/decisions/0020-agents.md).
   */
  public static SchemaRegistry builtIn() {
    Schema user = BuiltInSchemas.user();
    Schema group = BuiltInSchemas.group();
    Schema enterprise = BuiltInSchemas.enterpriseUser();
    Schema agent = BuiltInSchemas.agent();
    Map<String, Schema> s = new LinkedHashMap<>();
    for (Schema x : List.of(user, enterprise, group, agent)) {
      s.put(key(x.id()), x);
    }
    Map<String, ResourceType> t = new LinkedHashMap<>();
    for (ResourceType x :
        List.of(
            BuiltInSchemas.userType(user, enterprise),
            BuiltInSchemas.groupType(group),
            BuiltInSchemas.agentType(agent))) {
      t.put(key(x.name()), x);
    }
    return new SchemaRegistry(s, t);
  }

  /**
   * A registry of exactly these definitions, without the built-in ones: what another SCIM service
   * publishes at {@code /Schemas} and {@code /ResourceTypes}, which may define User with fewer
   * attributes than RFC 7643 or have no Group at all. {@link #user()} and {@link #group()} fail on
   * a registry without those types; ask {@link #resourceType} instead.
   *
   * @throws IllegalArgumentException when a resource type names a schema not among {@code schemas}
   */
  public static SchemaRegistry of(List<Schema> schemas, List<ResourceType> types) {
    Map<String, Schema> s = new LinkedHashMap<>();
    for (Schema x : schemas) {
      s.put(key(x.id()), x);
    }
    Map<String, ResourceType> t = new LinkedHashMap<>();
    for (ResourceType x : types) {
      for (Schema used : x.allSchemas()) {
        if (!s.containsKey(key(used.id()))) {
          throw new IllegalArgumentException(
              "resource type " + x.name() + " uses schema " + used.id() + ", which is not given");
        }
      }
      t.put(key(x.name()), x);
    }
    return new SchemaRegistry(s, t);
  }

  /** One definition and the file it came from, so that its errors name the file. */
  private record Definition(Path file, JsonNode node) {
    <T> T parse(java.util.function.Function<JsonNode, T> parser) {
      try {
        return parser.apply(node);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
    }
  }

  /**
   * This registry plus the definitions in {@code dir}'s {@code *.json} files.
   *
   * @throws IllegalArgumentException naming the file and the problem when a definition is invalid
   */
  public SchemaRegistry withDirectory(Path dir) {
    ObjectMapper mapper = new ObjectMapper();
    List<Definition> schemaNodes = new ArrayList<>();
    List<Definition> typeNodes = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema directory " + dir, e);
    }
    for (Path f : files) {
      JsonNode root;
      try {
        root = mapper.readTree(f.toFile());
      } catch (JsonProcessingException e) {
        // The parser's own message, where it is in the file; not the library's source location
        // and class names that getMessage() appends.
        JsonLocation at = e.getLocation();
        throw new IllegalArgumentException(
            f
                + (at == null ? "" : " line " + at.getLineNr() + ", column " + at.getColumnNr())
                + ": not valid JSON: "
                + e.getOriginalMessage(),
            e);
      } catch (IOException e) {
        throw new IllegalArgumentException(f + ": cannot read it: " + e.getMessage(), e);
      }
      if (root == null || !(root.isObject() || root.isArray())) {
        throw new IllegalArgumentException(
            f + ": expected a schema or resource type object, or an array of them");
      }
      List<JsonNode> items = new ArrayList<>();
      if (root.isArray()) {
        root.forEach(items::add);
      } else if (root.has("Resources")) {
        root.get("Resources").forEach(items::add);
      } else {
        items.add(root);
      }
      for (JsonNode n : items) {
        if (n.has("endpoint")) {
          typeNodes.add(new Definition(f, n));
        } else {
          schemaNodes.add(new Definition(f, n));
        }
      }
    }
    Map<String, Schema> s = new LinkedHashMap<>(schemas);
    for (Definition d : schemaNodes) {
      Schema parsed = d.parse(SchemaJson::parseSchema);
      s.put(key(parsed.id()), parsed);
    }
    Map<String, ResourceType> t = new LinkedHashMap<>(types);
    for (Definition d : typeNodes) {
      ResourceType parsed = d.parse(n -> SchemaJson.parseResourceType(n, urn -> s.get(key(urn))));
      ResourceType existing = t.get(key(parsed.name()));
      if (existing != null) {
        List<SchemaExtension> ext = new ArrayList<>(existing.extensions());
        for (SchemaExtension e : parsed.extensions()) {
          if (existing.extension(e.schema().id()).isEmpty()) {
            ext.add(e);
          }
        }
        parsed =
            new ResourceType(
                existing.name(),
                existing.endpoint(),
                existing.description(),
                existing.schema(),
                ext);
      } else {
        for (ResourceType other : t.values()) {
          if (other.endpoint().equalsIgnoreCase(parsed.endpoint())) {
            throw new IllegalArgumentException(
                "resource type " + parsed.name() + " reuses endpoint " + parsed.endpoint());
          }
        }
      }
      t.put(key(parsed.name()), parsed);
    }
    // The built-in types keep their built-in schemas, so a file redefining one of those schemas
    // would change what discovery publishes but not what is enforced: refuse it.
    for (String builtIn :
        List.of(SchemaUrns.USER, SchemaUrns.GROUP, SchemaUrns.ENTERPRISE_USER, SchemaUrns.AGENT)) {
      if (s.get(key(builtIn)) != schemas.get(key(builtIn))) {
        throw new IllegalArgumentException(
            "schema " + builtIn + " is built in and cannot be redefined");
      }
    }
    return new SchemaRegistry(s, t);
  }

  public List<Schema> schemas() {
    return orderedSchemas;
  }

  public List<ResourceType> resourceTypes() {
    return orderedTypes;
  }

  public Optional<Schema> schema(String urn) {
    return Optional.ofNullable(schemas.get(key(urn)));
  }

  public Optional<ResourceType> resourceType(String name) {
    return Optional.ofNullable(types.get(key(name)));
  }

  /** The resource type served at {@code /Users}-like endpoint segment, any case. */
  public Optional<ResourceType> byEndpoint(String endpoint) {
    String e = endpoint.startsWith("/") ? endpoint : "/" + endpoint;
    for (ResourceType t : orderedTypes) {
      if (t.endpoint().equalsIgnoreCase(e)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  public ResourceType user() {
    return Objects.requireNonNull(types.get("user"), "this registry has no User type");
  }

  public ResourceType group() {
    return Objects.requireNonNull(types.get("group"), "this registry has no Group type");
  }

  /** The Agent type, empty in a registry of another service's definitions ({@link #of}). */
  public Optional<ResourceType> agent() {
    return resourceType("Agent");
  }

  private static String key(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
