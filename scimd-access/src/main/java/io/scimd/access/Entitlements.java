package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What one subject holds in one application, and why: each role with the grants that give it.
 *
 * <p>A user holds the roles of every rule whose groups it is in (directly or through nested groups)
 * and whose filter it matches, and every role those include. A deactivated user holds nothing.
 *
 * <p>An agent holds the roles its {@code roles} attribute grants it in the application ({@code
 * {"value": "deployer", "type": "ci"}}) and what they include, but only those that at least one of
 * its active owners holds, and never a privileged one: an agent never has more than the people who
 * answer for it. An agent that is deactivated, or has no active owner, holds nothing.
 *
 * @param denial why the subject holds nothing at all (deactivated, no active owner); null when the
 *     rules decided
 * @param withheld roles an agent was granted but does not hold, each with why
 */
public record Entitlements(
    Identity subject,
    Application application,
    Map<String, List<Grant>> roles,
    @Nullable String denial,
    Map<String, String> withheld) {

  /**
   * One way a role reaches a subject: the rule (or, for an agent, its grant) and the group through
   * which it applies; the role that included it; the owner that bounds an agent's grant.
   */
  public record Grant(
      String role,
      String rule,
      Application.@Nullable GroupRef group,
      boolean direct,
      @Nullable String includedBy,
      @Nullable String owner) {

    public ObjectNode json() {
      ObjectNode o = JsonNodeFactory.instance.objectNode().put("role", role).put("rule", rule);
      if (group != null) {
        o.putObject("group")
            .put("id", group.id())
            .put("display", group.display())
            .put("membership", direct ? "direct" : "nested");
      }
      if (includedBy != null) {
        o.put("includedBy", includedBy);
      }
      if (owner != null) {
        o.put("owner", owner);
      }
      return o;
    }
  }

  /** The rule name an agent's own grants go by. */
  public static final String AGENT_GRANT = "agent-grant";

  /** What {@code subject} holds in {@code app}. */
  public static Entitlements of(Identity subject, Application app, Directory directory) {
    if (!subject.active()) {
      return denied(subject, app, "the " + subject.kind().wire() + " is deactivated");
    }
    return switch (subject.kind()) {
      case USER -> new Entitlements(subject, app, userRoles(subject, app), null, Map.of());
      case AGENT -> agent(subject, app, directory);
    };
  }

  private static Entitlements denied(Identity subject, Application app, String why) {
    return new Entitlements(subject, app, Map.of(), why, Map.of());
  }

  private static Map<String, List<Grant>> userRoles(Identity user, Application app) {
    Map<String, List<Grant>> out = new LinkedHashMap<>();
    // The user's groups by id, a direct membership before a nested one: every rule's groups are
    // looked up, not compared with each of the user's (200 rules x 50 groups was most of a
    // decision).
    Map<String, Identity.Membership> in = new HashMap<>();
    for (Identity.Membership m : user.groups()) {
      in.merge(m.groupId(), m, (was, now) -> now.direct() && !was.direct() ? now : was);
    }
    for (Application.Rule rule : app.rules()) {
      Application.GroupRef via = null;
      boolean direct = false;
      if (!rule.groups().isEmpty()) {
        Identity.Membership found = null;
        for (Application.GroupRef g : rule.groups()) {
          Identity.Membership m = in.get(g.id());
          if (m != null && (found == null || (m.direct() && !found.direct()))) {
            found = m;
            via = new Application.GroupRef(g.id(), m.display());
          }
        }
        if (found == null) {
          continue;
        }
        direct = found.direct();
      }
      if (rule.filter() != null && !rule.filter().test(user.attributes())) {
        continue;
      }
      for (String role : rule.roles()) {
        add(out, app, new Grant(role, rule.name(), via, direct, null, null));
      }
    }
    return out;
  }

  /** Adds a grant of {@code g.role()} and of every role it includes. */
  private static void add(Map<String, List<Grant>> out, Application app, Grant g) {
    out.computeIfAbsent(g.role(), k -> new ArrayList<>()).add(g);
    Application.Role role = app.roles().get(g.role());
    if (role == null) {
      return;
    }
    for (String inc : role.closure()) {
      if (!inc.equals(g.role())) {
        out.computeIfAbsent(inc, k -> new ArrayList<>())
            .add(new Grant(inc, g.rule(), g.group(), g.direct(), g.role(), g.owner()));
      }
    }
  }

  private static Entitlements agent(Identity agent, Application app, Directory directory) {
    List<Identity> owners = new ArrayList<>();
    for (String id : agent.owners()) {
      directory.user(id).filter(Identity::active).ifPresent(owners::add);
    }
    if (owners.isEmpty()) {
      return denied(agent, app, "the agent has no active owner");
    }
    Map<String, String> withheld = new LinkedHashMap<>();
    Set<String> granted = new LinkedHashSet<>();
    for (JsonNode r : agent.attributes().path("roles")) {
      String type = r.path("type").asText("");
      String value = r.path("value").asText("");
      if (!type.equalsIgnoreCase(app.name()) || value.isEmpty()) {
        continue;
      }
      Application.Role role = app.roles().get(value);
      if (role == null) {
        withheld.put(value, "the application has no such role");
      } else {
        granted.add(value);
      }
    }
    // Each owner's roles, once.
    List<Map<String, List<Grant>>> ownerRoles = new ArrayList<>();
    for (Identity o : owners) {
      ownerRoles.add(userRoles(o, app));
    }
    Map<String, List<Grant>> expanded = new LinkedHashMap<>();
    for (String role : granted) {
      add(expanded, app, new Grant(role, AGENT_GRANT, null, true, null, null));
    }
    Map<String, List<Grant>> out = new LinkedHashMap<>();
    for (Map.Entry<String, List<Grant>> e : expanded.entrySet()) {
      String role = e.getKey();
      Application.Role defined = app.roles().get(role);
      if (defined != null && defined.privileged()) {
        withheld.put(role, "the role is privileged: it is never granted to an agent");
        continue;
      }
      Optional<Identity> holder = Optional.empty();
      for (int i = 0; i < owners.size() && holder.isEmpty(); i++) {
        if (ownerRoles.get(i).containsKey(role)) {
          holder = Optional.of(owners.get(i));
        }
      }
      if (holder.isEmpty()) {
        withheld.put(role, "no active owner of the agent holds it");
        continue;
      }
      String owner = holder.get().id();
      for (Grant g : e.getValue()) {
        out.computeIfAbsent(role, k -> new ArrayList<>())
            .add(new Grant(role, g.rule(), null, true, g.includedBy(), owner));
      }
    }
    return new Entitlements(agent, app, out, null, withheld);
  }

  /**
   * Whether the subject may do {@code action} (a role name, or a permission) on a resource of
   * {@code resourceType} (null: the application itself).
   */
  public Decision decide(String action, @Nullable String resourceType) {
    if (denial != null) {
      return Decision.deny(denial);
    }
    List<Grant> role = roles.get(action);
    if (role != null) {
      return Decision.permit("holds the role '" + action + "'", role);
    }
    for (Map.Entry<String, List<Grant>> e : roles.entrySet()) {
      if (application.grants(e.getKey(), action, resourceType)) {
        return Decision.permit(
            "holds the role '" + e.getKey() + "', which grants '" + action + "'", e.getValue());
      }
    }
    String why = withheld.get(action);
    if (why != null) {
      return Decision.deny("the role '" + action + "' is withheld: " + why);
    }
    return Decision.deny(
        "no role the "
            + subject.kind().wire()
            + " holds in '"
            + application.name()
            + "' grants '"
            + action
            + "'"
            + (resourceType == null ? "" : " on " + resourceType));
  }

  /** Every action the subject may do on a resource of {@code resourceType}: roles, permissions. */
  public Set<String> actions(@Nullable String resourceType) {
    Set<String> out = new LinkedHashSet<>();
    for (String role : roles.keySet()) {
      out.add(role);
      Application.Role defined = application.roles().get(role);
      if (defined == null) {
        continue;
      }
      for (String p : defined.allPermissions()) {
        int colon = p.indexOf(':');
        if (colon < 0) {
          out.add(p);
        } else if (resourceType != null && p.substring(0, colon).equals(resourceType)) {
          out.add(p.substring(colon + 1));
        }
      }
    }
    return out;
  }

  /** The names of the groups that matter to the application that the subject is in. */
  public List<String> groups() {
    Set<String> ids = application.groupIds();
    List<String> out = new ArrayList<>();
    for (Identity.Membership m : subject.groups()) {
      if (ids.contains(m.groupId()) && !out.contains(m.display())) {
        out.add(m.display());
      }
    }
    return out;
  }

  /** The outcome of a decision: permit or deny, why, and the grants that permit it. */
  public record Decision(boolean permitted, String reason, List<Grant> grants) {
    static Decision permit(String reason, List<Grant> grants) {
      return new Decision(true, reason, List.copyOf(grants));
    }

    static Decision deny(String reason) {
      return new Decision(false, reason, List.of());
    }
  }
}
