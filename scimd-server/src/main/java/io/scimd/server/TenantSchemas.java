package io.scimd.server;

import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Tenants;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * The schemas of each tenant, from {@code --schemas DIR}: the {@code .json} definitions in {@code
 * DIR} apply to every tenant, and those in {@code DIR/tenants/NAME/} to the tenant {@code NAME}
 * only, on top (a tenant's own resource types, or its own extensions of shared ones). The store
 * holds every tenant's resources, so it works with the {@link #union}: the definitions of all
 * tenants together, which must therefore agree where they overlap (one schema URN or resource type
 * name means one thing in one store).
 *
 * @param shared the built-in schemas and {@code DIR}'s: every tenant's, and the only ones a tenant
 *     without a directory of its own has
 * @param own each tenant with a directory of its own, and its registry
 * @param union every definition of every tenant: the store's
 */
public record TenantSchemas(
    SchemaRegistry shared, Map<String, SchemaRegistry> own, SchemaRegistry union) {

  /** The folder under {@code --schemas} that holds one folder per tenant. */
  public static final String TENANTS = "tenants";

  public TenantSchemas {
    own = Map.copyOf(own);
  }

  /** Only the built-in schemas, for every tenant. */
  public static TenantSchemas builtIn() {
    SchemaRegistry b = SchemaRegistry.builtIn();
    return new TenantSchemas(b, Map.of(), b);
  }

  /** The registry of {@code tenant}'s requests. */
  public SchemaRegistry of(String tenant) {
    return own.getOrDefault(tenant, shared);
  }

  /**
   * Reads {@code dir} (null: the built-in schemas only).
   *
   * @throws IllegalArgumentException naming the directory and what is wrong: an invalid definition,
   *     a folder that is not a tenant name, two tenants defining one URN or type apart
   */
  public static TenantSchemas read(@Nullable Path dir) {
    if (dir == null) {
      return builtIn();
    }
    SchemaRegistry shared = ScimServer.registry(dir);
    Map<String, SchemaRegistry> own = new LinkedHashMap<>();
    Path tenants = dir.resolve(TENANTS);
    if (Files.isDirectory(tenants)) {
      try (Stream<Path> list = Files.list(tenants)) {
        for (Path t : list.filter(Files::isDirectory).sorted().toList()) {
          String name = t.getFileName().toString();
          try {
            Tenants.checkName(name);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(t + ": " + e.getMessage(), e);
          }
          try {
            own.put(name, shared.withDirectory(t));
          } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new IllegalArgumentException(
                "invalid schema definitions in " + t + ": " + e.getMessage(), e);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + tenants, e);
      }
    }
    SchemaRegistry union = shared;
    for (Map.Entry<String, SchemaRegistry> e : own.entrySet()) {
      union = union.withDirectory(dir.resolve(TENANTS).resolve(e.getKey()));
    }
    for (Map.Entry<String, SchemaRegistry> e : own.entrySet()) {
      agree(union, e.getKey(), e.getValue());
    }
    return new TenantSchemas(shared, own, union);
  }

  /** Refuses a tenant whose definitions differ from the union's where they overlap. */
  private static void agree(SchemaRegistry union, String tenant, SchemaRegistry mine) {
    for (Schema s : mine.schemas()) {
      if (!union.schema(s.id()).map(s::equals).orElse(false)) {
        throw new IllegalArgumentException(
            "the schema "
                + s.id()
                + " of tenant '"
                + tenant
                + "' differs from another tenant's: one URN must mean one schema in a store;"
                + " give it another URN");
      }
    }
    for (ResourceType t : mine.resourceTypes()) {
      ResourceType u = union.resourceType(t.name()).orElseThrow();
      if (!u.endpoint().equals(t.endpoint()) || !u.schema().equals(t.schema())) {
        throw new IllegalArgumentException(
            "the resource type "
                + t.name()
                + " of tenant '"
                + tenant
                + "' differs from another tenant's: give it another name");
      }
    }
  }
}
