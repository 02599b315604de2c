package io.scimd.sync.scim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaUrns;
import io.scimd.store.Load;
import io.scimd.store.StoredResource;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

/**
 * How a resource of the directory becomes a resource of one SCIM target, and which resources it
 * gets at all: the seam where the per-target mapping and scope (io.scimd.sync.mapping) plug in.
 * {@link #identity()} is what a target with neither gets: users and groups with their core and
 * enterprise attributes unchanged.
 */
public interface Mapping {

  /**
   * What a read of a resource of {@code resourceType} must load for {@link #inScope} and {@link
   * #map} (a scope on group membership needs a user's {@code groups}).
   */
  default Load load(String resourceType) {
    return Load.NONE;
  }

  /**
   * Whether a user's place in the target's scope depends on the groups it is a member of: then a
   * change of a group's members is also a change of the users who joined or left it.
   */
  default boolean followsMembership() {
    return false;
  }

  /**
   * Whether the resource belongs on the target; one that leaves is deactivated or deleted there.
   */
  boolean inScope(String resourceType, StoredResource resource);

  /**
   * The resource as the target is sent it, with {@code schemas}, without {@code id}, {@code meta},
   * {@code members} and {@code groups} (scimd sends membership itself, with the target's ids).
   */
  ObjectNode map(String resourceType, StoredResource resource);

  /** Every user and group, core and enterprise attributes unchanged. */
  static Mapping identity() {
    return Identity.INSTANCE;
  }

  /** The identity mapping. */
  final class Identity implements Mapping {
    static final Identity INSTANCE = new Identity();

    /** What the target assigns or scimd sends its own way. */
    private static final Set<String> DROPPED =
        Set.of("id", "meta", "members", "groups", "password");

    private Identity() {}

    @Override
    public boolean inScope(String resourceType, StoredResource resource) {
      return true;
    }

    @Override
    public ObjectNode map(String resourceType, StoredResource resource) {
      ObjectNode out = resource.attributes().deepCopy();
      boolean enterprise = false;
      for (Iterator<String> it = out.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        String lower = f.toLowerCase(Locale.ROOT);
        if (DROPPED.contains(lower) || lower.equals("schemas")) {
          it.remove();
        } else if (lower.startsWith("urn:")) {
          if (lower.equals(SchemaUrns.ENTERPRISE_USER.toLowerCase(Locale.ROOT))) {
            enterprise = true;
          } else {
            it.remove(); // a custom extension the target most likely does not know
          }
        }
      }
      ArrayNode schemas = out.arrayNode();
      schemas.add(resourceType.equals("Group") ? SchemaUrns.GROUP : SchemaUrns.USER);
      if (enterprise) {
        schemas.add(SchemaUrns.ENTERPRISE_USER);
      }
      ObjectNode ordered = out.objectNode();
      ordered.set("schemas", schemas);
      ordered.setAll(out);
      return ordered;
    }
  }

  /** The text of top-level attribute {@code name} of {@code o}, in any case, or null. */
  static @org.jspecify.annotations.Nullable String text(ObjectNode o, String name) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equalsIgnoreCase(name)) {
        JsonNode v = o.get(f);
        return v.isTextual() ? v.textValue() : null;
      }
    }
    return null;
  }
}
