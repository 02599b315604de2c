package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.filter.Filter;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AccessRecords;
import io.scimd.store.Load;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The access model of every tenant on one store: applications saved only once checked (unknown
 * groups and roles, cycles and bad filters are a 400 naming each problem), and the {@link
 * Directory} decisions read.
 */
public final class AccessModel {
  private final Store store;
  private final SchemaRegistry registry;
  private final Applications compiled = new Applications();
  private final @Nullable AccessIndexes indexes;

  /** Decisions that read the store every time ({@link AccessSettings#STORE}). */
  public AccessModel(Store store, SchemaRegistry registry) {
    this(store, registry, AccessSettings.STORE);
  }

  /**
   * Decisions from each tenant's in-memory index ({@link AccessIndex}) when {@code settings} allow
   * one, else from the store.
   */
  public AccessModel(Store store, SchemaRegistry registry, AccessSettings settings) {
    this.store = store;
    this.registry = registry;
    this.indexes =
        settings.maxIdentities() > 0
            ? new AccessIndexes(store, registry, compiled, settings)
            : null;
  }

  /**
   * The scope's tenant as it is now: every change committed on any node before this call counts
   * (unless the settings allow staleness, and then every change made through this node still does).
   */
  public Directory now(Scope scope) {
    if (indexes != null) {
      Optional<AccessIndex> index = indexes.fresh(scope);
      if (index.isPresent()) {
        return new IndexedDirectory(index.get(), registry);
      }
    }
    return new StoreDirectory(store, scope, registry, compiled);
  }

  /** The scope's tenant as the change journal says it was at {@code at}. */
  public JournalDirectory at(Scope scope, Instant at) {
    return new JournalDirectory(store, scope, registry, compiled, at);
  }

  /** The access history of the scope's tenant: who held what, when, and why; leavers. */
  public AccessHistory history(Scope scope) {
    return new AccessHistory(store, scope, registry, compiled);
  }

  /**
   * Says that a write through this node committed (the server calls it after each one): with
   * staleness allowed, the next decision of every tenant checks the journal again, so the node's
   * own writes count at once.
   */
  public void written() {
    if (indexes != null) {
      indexes.written();
    }
  }

  /**
   * Saves a new application.
   *
   * @throws AccessException 400 for a definition with problems, 409 when the name is taken
   */
  public ObjectNode create(Scope scope, JsonNode body) {
    String name = body.path("name").asText("");
    if (name.isEmpty()) {
      throw AccessException.invalid("name: an application needs a name");
    }
    Application app = check(scope, name, body);
    Optional<AccessRecords.Application> created =
        store.access().create(scope, name, app.definition().toString());
    written();
    return created
        .map(AccessModel::shown)
        .orElseThrow(
            () ->
                new AccessException(
                    409, List.of("there is an application '" + name + "' already")));
  }

  /**
   * Replaces an application's definition.
   *
   * @return empty when there is no such application
   * @throws AccessException 400 for a definition with problems
   * @throws IllegalStateException when another change to it committed meanwhile
   */
  public Optional<ObjectNode> update(Scope scope, String name, JsonNode body) {
    Application app = check(scope, name, body);
    Optional<AccessRecords.Application> held = store.access().application(scope.tenant(), name);
    if (held.isEmpty()) {
      return Optional.empty();
    }
    try {
      return store
          .access()
          .update(scope, name, held.get().version(), app.definition().toString())
          .map(AccessModel::shown);
    } finally {
      written();
    }
  }

  public boolean delete(Scope scope, String name) {
    try {
      return store.access().delete(scope, name);
    } finally {
      written();
    }
  }

  public List<ObjectNode> list(String tenant) {
    List<ObjectNode> out = new ArrayList<>();
    store.access().applications(tenant).forEach(a -> out.add(shown(a)));
    return out;
  }

  public Optional<ObjectNode> show(String tenant, String name) {
    return store.access().application(tenant, name).map(AccessModel::shown);
  }

  /**
   * Checks a definition as saving it would, and saves nothing.
   *
   * @throws AccessException 400 listing every problem
   */
  public Application check(Scope scope, JsonNode body) {
    String name = body.path("name").asText("");
    if (name.isEmpty()) {
      throw AccessException.invalid("name: an application needs a name");
    }
    return check(scope, name, body);
  }

  private Application check(Scope scope, String name, JsonNode body) {
    return Application.parse(name, body, key -> groups(scope, key), registry.user());
  }

  /** The groups with id {@code key}, else those with that displayName. */
  private List<Application.GroupRef> groups(Scope scope, String key) {
    String group = registry.group().name();
    return store.read(
        scope,
        r -> {
          Optional<StoredResource> byId = r.get(group, key, Load.NONE);
          List<StoredResource> found =
              byId.isPresent()
                  ? List.of(byId.get())
                  : r.query(
                          group,
                          new Query(Filter.eq("displayName", key), null, 1, 2, null, Load.NONE))
                      .resources();
          return found.stream()
              .map(
                  s ->
                      new Application.GroupRef(s.id(), s.attributes().path("displayName").asText()))
              .toList();
        });
  }

  private static ObjectNode shown(AccessRecords.Application a) {
    ObjectNode out = ((ObjectNode) Applications.json(a.definition())).deepCopy();
    ObjectNode shown = out.objectNode().put("name", a.name());
    shown.setAll(out);
    shown
        .put("version", a.version())
        .put("created", a.created().toString())
        .put("updated", a.updated().toString());
    return shown;
  }
}
