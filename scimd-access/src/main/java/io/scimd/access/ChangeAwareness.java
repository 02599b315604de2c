package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AccessRecords;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoredResource;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which entitlements a journal entry may have changed: the applications concerned and the subjects
 * whose roles in them may differ now, so that a gateway or a cache drops what it holds for them
 * (the hub sends this as an event on the streams that ask for it). It errs on the side of naming
 * too much, never too little:
 *
 * <ul>
 *   <li>an application's definition changed: that application, for every subject ({@code subjects}
 *       absent);
 *   <li>members added to or removed from a group: the applications whose rules name the group or a
 *       group that contains it, and the members (a nested group's members too, up to {@value
 *       #MAX_SUBJECTS}); nothing when no rule is concerned;
 *   <li>a user created, changed, deactivated or deleted: every application (its filters and groups
 *       may concern it), the user, and the agents it owns (an owner bounds its agents);
 *   <li>an agent changed: the applications it was or is granted roles in, and the agent.
 * </ul>
 */
public final class ChangeAwareness {
  /** The most subjects one answer names; beyond, {@code subjects} is left out (every subject). */
  static final int MAX_SUBJECTS = 1_000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Store store;
  private final SchemaRegistry registry;
  private final AccessModel access;

  public ChangeAwareness(Store store, SchemaRegistry registry) {
    this.store = store;
    this.registry = registry;
    this.access = new AccessModel(store, registry);
  }

  /** What the entry may have changed; empty when it changes no one's entitlements. */
  public Optional<ObjectNode> affected(JournalEntry entry) {
    Change c = entry.change();
    Scope scope = Scope.system(entry.tenant(), "access-events");
    String type = c.resourceType();
    if (type.equals(AccessRecords.APPLICATION)) {
      return Optional.of(answer(List.of(c.resourceId()), null, "the application's rules changed"));
    }
    Directory now = access.now(scope);
    List<Application> apps = now.applications();
    if (apps.isEmpty()) {
      return Optional.empty();
    }
    if (type.equals(registry.group().name())
        && (c instanceof Change.MembersAdded || c instanceof Change.MembersRemoved)) {
      return members(scope, now, apps, c);
    }
    if (type.equals(registry.user().name())) {
      Map<String, Identity.Kind> subjects = new LinkedHashMap<>();
      subjects.put(c.resourceId(), Identity.Kind.USER);
      if (registry.resourceType(StoreDirectory.AGENT).isPresent()) {
        for (String agent : ownedAgents(scope, c.resourceId())) {
          subjects.put(agent, Identity.Kind.AGENT);
        }
      }
      return Optional.of(
          answer(apps.stream().map(Application::name).toList(), subjects, "a user changed"));
    }
    if (type.equals(StoreDirectory.AGENT)) {
      Set<String> names = new LinkedHashSet<>();
      if (c instanceof Change.Deleted d) {
        grantedIn(d.attributes(), names);
      } else {
        store
            .read(scope, r -> r.get(type, c.resourceId(), Load.NONE))
            .ifPresent(s -> grantedIn(s.attributes(), names));
        if (c instanceof Change.Patched p) {
          p.attributes().forEach(a -> grantedIn(a.before(), names));
        } else if (c instanceof Change.Replaced p) {
          p.attributes().forEach(a -> grantedIn(a.before(), names));
        }
      }
      names.retainAll(apps.stream().map(Application::name).toList());
      if (names.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(
          answer(
              List.copyOf(names), Map.of(c.resourceId(), Identity.Kind.AGENT), "an agent changed"));
    }
    return Optional.empty();
  }

  private Optional<ObjectNode> members(
      Scope scope, Directory now, List<Application> apps, Change c) {
    String group = c.resourceId();
    Set<String> concerned = new LinkedHashSet<>();
    concerned.add(group);
    store
        .read(scope, r -> r.get(registry.group().name(), group, new Load(false, true)))
        .ifPresent(g -> Identity.groupsOf(g.attributes()).forEach(m -> concerned.add(m.groupId())));
    List<String> names =
        apps.stream()
            .filter(a -> a.groupIds().stream().anyMatch(concerned::contains))
            .map(Application::name)
            .toList();
    if (names.isEmpty()) {
      return Optional.empty();
    }
    List<Member> members =
        c instanceof Change.MembersAdded m ? m.members() : ((Change.MembersRemoved) c).members();
    Map<String, Identity.Kind> subjects = new LinkedHashMap<>();
    boolean complete = true;
    for (Member m : members) {
      if (subjects.size() >= MAX_SUBJECTS) {
        complete = false;
        break;
      }
      String t = m.type() == null ? "User" : m.type();
      if (t.equalsIgnoreCase(registry.group().name())) {
        now.membersOf(
            m.value(),
            x -> {
              if (subjects.size() < MAX_SUBJECTS) {
                subjects.put(x.id(), x.kind());
              }
            });
      } else {
        subjects.put(
            m.value(),
            t.equalsIgnoreCase(StoreDirectory.AGENT) ? Identity.Kind.AGENT : Identity.Kind.USER);
      }
    }
    return Optional.of(answer(names, complete ? subjects : null, "a group's members changed"));
  }

  private List<String> ownedAgents(Scope scope, String userId) {
    return store.read(
        scope,
        r ->
            r
                .query(
                    StoreDirectory.AGENT,
                    new Query(
                        io.scimd.core.filter.Filter.eq("owners.value", userId),
                        null,
                        1,
                        MAX_SUBJECTS,
                        null,
                        Load.NONE))
                .resources()
                .stream()
                .map(StoredResource::id)
                .toList());
  }

  /** Adds the applications an agent's {@code roles} (or a {@code roles} value) name. */
  private static void grantedIn(@Nullable JsonNode node, Set<String> into) {
    if (node == null) {
      return;
    }
    JsonNode roles = node.isArray() ? node : node.path("roles");
    for (JsonNode r : roles) {
      String app = r.path("type").asText("");
      if (!app.isEmpty()) {
        into.add(app);
      }
    }
  }

  private static ObjectNode answer(
      List<String> applications, @Nullable Map<String, Identity.Kind> subjects, String why) {
    ObjectNode out = NODES.objectNode();
    ArrayNode apps = out.putArray("applications");
    applications.forEach(apps::add);
    if (subjects != null) {
      ArrayNode s = out.putArray("subjects");
      subjects.forEach((id, kind) -> s.addObject().put("type", kind.wire()).put("id", id));
    }
    out.put("reason", why);
    return out;
  }
}
