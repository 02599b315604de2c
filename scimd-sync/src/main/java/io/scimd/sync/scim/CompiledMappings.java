package io.scimd.sync.scim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.HubRecords.Target;
import io.scimd.store.Load;
import io.scimd.store.StoredResource;
import io.scimd.sync.mapping.MappingException;
import io.scimd.sync.mapping.TargetScope;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link ScimType.Mappings} of the mapping module ({@link io.scimd.sync.mapping}, ADR 0018): a
 * target's {@code mapping} and {@code scope} are compiled when it is saved, so every misspelt
 * attribute, bad filter or CEL error is refused then, all at once, rather than dead-lettering
 * changes at delivery.
 *
 * <p>The source is the directory's own registry (its users and groups, with the tenant's
 * extensions). The target is described by {@link SchemaRegistry#builtIn()}: the RFC 7643 User,
 * Enterprise User and Group. Reading the target's own {@code /Schemas} ({@link
 * io.scimd.sync.mapping.TargetSchemas}) at save time would make a save depend on the target being
 * up, and a target's custom extension could then be mapped to; until that is wanted, a mapping can
 * write only the standard schemas, which is what the SCIM applications we provision take.
 */
public final class CompiledMappings implements ScimType.Mappings {
  /** What a target must never be sent, whatever a mapping writes (the mapping drops most). */
  private static final Set<String> NEVER_SENT =
      Set.of("id", "meta", "members", "groups", "password");

  private final SchemaRegistry source;
  private final SchemaRegistry target;

  /** Compiled per target, for the version it was compiled from: compiled once per definition. */
  private final Map<String, Compiled> opened = new ConcurrentHashMap<>();

  private record Compiled(long version, String config, Mapping mapping) {}

  /**
   * @param source the registry of the directory the targets are fed from
   */
  public CompiledMappings(SchemaRegistry source) {
    this.source = source;
    this.target = SchemaRegistry.builtIn();
  }

  @Override
  public ObjectNode check(ObjectNode mappingAndScope) {
    List<String> problems = new ArrayList<>();
    JsonNode mapping = mappingAndScope.get("mapping");
    if (mapping != null && !mapping.isNull()) {
      try {
        io.scimd.sync.mapping.Mapping.compile(mapping, source, target);
      } catch (MappingException e) {
        e.problems().forEach(p -> problems.add("mapping." + p));
      }
    }
    JsonNode scope = mappingAndScope.get("scope");
    if (scope != null && !scope.isNull()) {
      try {
        TargetScope.compile(scope, source);
      } catch (MappingException e) {
        e.problems().forEach(p -> problems.add("scope." + p));
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "the target's mapping and scope have "
              + problems.size()
              + (problems.size() == 1 ? " problem: " : " problems: ")
              + String.join("; ", problems));
    }
    ObjectNode stored = JsonNodeFactory.instance.objectNode();
    if (mapping != null && !mapping.isNull()) {
      stored.set("mapping", mapping.deepCopy());
    }
    if (scope != null && !scope.isNull()) {
      stored.set("scope", scope.deepCopy());
    }
    return stored;
  }

  @Override
  public Mapping open(Target t, ObjectNode config) {
    String key = t.tenant() + "/" + t.name();
    String text = config.toString();
    Compiled held = opened.get(key);
    // The version alone would do for saved targets; the config text also tells a preview's
    // candidate (same version, other mapping) from the saved definition.
    if (held != null && held.version() == t.version() && held.config().equals(text)) {
      return held.mapping();
    }
    Mapping compiled = compile(config);
    // A preview's candidate (same version) never displaces what the saved definition compiled to.
    if (held == null || held.version() < t.version()) {
      opened.put(key, new Compiled(t.version(), text, compiled));
    }
    return compiled;
  }

  /** The target's mapping, or the identity when it has neither a mapping nor a scope. */
  Mapping compile(ObjectNode config) {
    JsonNode m = config.get("mapping");
    JsonNode s = config.get("scope");
    if ((m == null || m.isNull()) && (s == null || s.isNull())) {
      return Mapping.identity();
    }
    io.scimd.sync.mapping.Mapping mapping =
        m == null || m.isNull()
            ? io.scimd.sync.mapping.Mapping.identity()
            : io.scimd.sync.mapping.Mapping.compile(m, source, target);
    TargetScope scope =
        s == null || s.isNull() ? TargetScope.everything() : TargetScope.compile(s, source);
    return new Mapped(mapping, scope);
  }

  /** A compiled mapping and scope, as the sink asks for them. */
  static final class Mapped implements Mapping {
    private final io.scimd.sync.mapping.Mapping mapping;
    private final TargetScope scope;

    Mapped(io.scimd.sync.mapping.Mapping mapping, TargetScope scope) {
      this.mapping = mapping;
      this.scope = scope;
    }

    @Override
    public Load load(String resourceType) {
      // A scope on group membership reads the user's groups; nothing else needs them.
      return resourceType.equals("User") && scope.dependsOnMembership()
          ? new Load(false, true)
          : Load.NONE;
    }

    @Override
    public boolean followsMembership() {
      return scope.dependsOnMembership();
    }

    @Override
    public boolean inScope(String resourceType, StoredResource resource) {
      if (!mapping.handles(resourceType)) {
        return false;
      }
      return switch (resourceType) {
        case "User" -> scope.includesUser(resource.attributes());
        case "Group" -> scope.includesGroup(withId(resource));
        default -> false;
      };
    }

    @Override
    public ObjectNode map(String resourceType, StoredResource resource) {
      ObjectNode out;
      try {
        out = mapping.apply(resourceType, withId(resource));
      } catch (MappingException e) {
        // An expression failed on this resource's values: it cannot be sent as mapped, and
        // retrying will not change that.
        throw new ScimSink.Refused(
            "the mapping cannot map " + resourceType + " " + resource.id() + ": " + e.getMessage(),
            e);
      }
      for (Iterator<String> it = out.fieldNames(); it.hasNext(); ) {
        if (NEVER_SENT.contains(it.next().toLowerCase(Locale.ROOT))) {
          it.remove();
        }
      }
      return out;
    }

    /** The resource's JSON with its {@code id}, which scopes and CEL expressions may name. */
    private static ObjectNode withId(StoredResource resource) {
      ObjectNode a = resource.attributes();
      if (a.has("id")) {
        return a;
      }
      ObjectNode copy = a.deepCopy();
      copy.put("id", resource.id());
      return copy;
    }
  }
}
