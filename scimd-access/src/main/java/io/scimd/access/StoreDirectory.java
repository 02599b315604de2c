package io.scimd.access;

import io.scimd.core.error.ScimException;
import io.scimd.core.error.ScimType;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Load;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoredResource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The tenant as the store holds it now. Every call reads the database, so a change committed on any
 * node counts in the next decision: nothing here caches identities or memberships.
 */
public final class StoreDirectory implements Directory {
  /** The type name of agents (docs/decisions/0020-agents.md). */
  static final String AGENT = "Agent";

  private static final Load GROUPS = new Load(false, true);

  private final Store store;
  private final Scope scope;
  private final SchemaRegistry registry;
  private final Applications compiled;

  public StoreDirectory(Store store, Scope scope, SchemaRegistry registry, Applications compiled) {
    this.store = store;
    this.scope = scope;
    this.registry = registry;
    this.compiled = compiled;
  }

  @Override
  public Optional<Identity> subject(Identity.Kind kind, String key) {
    Optional<ResourceType> type = registry.resourceType(kind.resourceType());
    if (type.isEmpty()) {
      return Optional.empty();
    }
    String name = type.get().name();
    return store.read(
        scope,
        r -> {
          Optional<StoredResource> byId = r.get(name, key, GROUPS);
          if (byId.isPresent()) {
            return byId.map(s -> identity(kind, s));
          }
          List<String> keys = new ArrayList<>();
          keys.add(kind == Identity.Kind.USER ? "userName" : "agentUserName");
          keys.add("externalId");
          if (kind == Identity.Kind.USER && key.contains("@")) {
            keys.add("emails.value");
          }
          for (String attr : keys) {
            List<StoredResource> found = find(r, name, attr, key);
            if (found.size() > 1) {
              throw AccessException.invalid(
                  "subject.id: "
                      + found.size()
                      + " "
                      + kind.wire()
                      + "s have "
                      + attr
                      + " "
                      + ScimException.quote(key)
                      + ": name the subject by its id");
            }
            if (found.size() == 1) {
              return Optional.of(identity(kind, found.get(0)));
            }
          }
          return Optional.<Identity>empty();
        });
  }

  private static List<StoredResource> find(StoreReader r, String type, String attr, String key) {
    try {
      return r.query(type, new Query(Filter.eq(attr, key), null, 1, 2, null, GROUPS)).resources();
    } catch (ScimException e) {
      if (e.scimType() == ScimType.TOO_MANY) {
        throw AccessException.invalid(
            "subject.id: looking a subject up by "
                + attr
                + " would read too many resources here: name it by id or userName");
      }
      throw e;
    }
  }

  private static Identity identity(Identity.Kind kind, StoredResource s) {
    return new Identity(
        kind,
        s.id(),
        s.attributes(),
        Identity.activeOf(s.attributes()),
        Identity.groupsOf(s.attributes()));
  }

  @Override
  public Optional<Identity> user(String id) {
    return store.read(
        scope,
        r -> r.get(registry.user().name(), id, GROUPS).map(s -> identity(Identity.Kind.USER, s)));
  }

  @Override
  public Optional<Application> application(String name) {
    return store
        .access()
        .application(scope.tenant(), name)
        .map(a -> compiled.compile(a, registry.user()));
  }

  @Override
  public List<Application> applications() {
    return store.access().applications(scope.tenant()).stream()
        .map(a -> compiled.compile(a, registry.user()))
        .toList();
  }

  @Override
  public void membersOf(String groupId, Consumer<Member> each) {
    String group = registry.group().name();
    store.reading(
        scope,
        r -> {
          Set<String> seen = new HashSet<>();
          Deque<String> groups = new ArrayDeque<>(List.of(groupId));
          seen.add(groupId);
          while (!groups.isEmpty()) {
            List<io.scimd.store.Member> members = r.members(groups.pop());
            for (io.scimd.store.Member m : members) {
              String type = m.type();
              if (type == null) {
                type = r.get(group, m.value(), Load.NONE).isPresent() ? group : "User";
              }
              if (type.equalsIgnoreCase(group)) {
                if (seen.add(m.value())) {
                  groups.add(m.value());
                }
              } else if (seen.add(m.value())) {
                each.accept(
                    new Member(
                        type.equalsIgnoreCase(AGENT) ? Identity.Kind.AGENT : Identity.Kind.USER,
                        m.value()));
              }
            }
          }
        });
  }

  @Override
  public List<String> usersMatching(Application.Rule rule, int limit) {
    if (rule.filterText() == null) {
      return List.of();
    }
    Filter f = FilterParser.parse(rule.filterText());
    return ids(registry.user().name(), f, limit);
  }

  @Override
  public List<String> agentsOf(Application app, int limit) {
    if (registry.resourceType(AGENT).isEmpty()) {
      return List.of();
    }
    Filter f = FilterParser.parse("roles[type eq \"" + app.name() + "\"]");
    return ids(AGENT, f, limit);
  }

  private List<String> ids(String type, Filter f, int limit) {
    return store.read(
        scope,
        r -> {
          List<String> out = new ArrayList<>();
          String cursor = "";
          while (cursor != null && out.size() < limit) {
            Page p =
                r.query(
                    type,
                    new Query(f, null, 1, Math.min(1_000, limit - out.size()), cursor, Load.NONE));
            p.resources().forEach(s -> out.add(s.id()));
            cursor = p.nextCursor();
          }
          return out;
        });
  }
}
