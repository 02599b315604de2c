package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.schema.ResourceType;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One application of a tenant, checked and compiled: its roles (each with the permissions it
 * carries, the roles it includes, whether it is privileged) and the rules that grant them. A
 * definition is JSON:
 *
 * <pre>{@code
 * {"description": "CI/CD",
 *  "roles": [{"name": "developer", "permissions": ["build", "read"]},
 *            {"name": "deployer", "permissions": ["deploy"], "includes": ["developer"],
 *             "privileged": true}],
 *  "rules": [{"name": "engineers", "groups": ["engineering"], "roles": ["developer"]},
 *            {"name": "sre", "filter": "title eq \"SRE\"", "roles": ["deployer"]}],
 *  "claims": {"roles": "roles", "groups": "groups"}}
 * }</pre>
 *
 * A rule grants its roles to the subjects that are members of one of its groups, directly or
 * through nested groups, and match its filter (on the user's attributes); it names groups, a
 * filter, or both (both: members that also match). A role's permission is an action name ({@code
 * deploy}: on anything in the application) or {@code type:action} ({@code repository:push}: on
 * resources of that type only).
 */
public record Application(
    String name,
    String description,
    Map<String, Role> roles,
    List<Rule> rules,
    ClaimNames claims,
    ObjectNode definition) {

  static final int MAX_ROLES = 1_000;
  static final int MAX_RULES = 1_000;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}");

  /** A role with every role it includes, directly or not, and all their permissions. */
  public record Role(
      String name,
      String description,
      Set<String> permissions,
      List<String> includes,
      boolean privileged,
      Set<String> closure,
      Set<String> allPermissions) {}

  /** A group as a rule names it: its id, and its name when the rule was saved. */
  public record GroupRef(String id, String display) {}

  /**
   * A rule: groups (any of them), a filter, or both; the roles it grants.
   *
   * @param filterText the filter as written, null for none
   */
  public record Rule(
      String name,
      List<GroupRef> groups,
      @Nullable String filterText,
      @Nullable Predicate<ObjectNode> filter,
      List<String> roles) {}

  /** The names the claims document gives each claim: what a token will call them. */
  public record ClaimNames(String sub, String email, String name, String groups, String roles) {
    static final ClaimNames DEFAULT = new ClaimNames("sub", "email", "name", "groups", "roles");
  }

  /** Finds the groups a rule may name by id or displayName; a stored definition needs none. */
  public interface GroupLookup {
    /** The groups with this id, else those with this displayName (case-insensitively). */
    List<GroupRef> find(String idOrName);
  }

  /** Whether {@code role} grants {@code action} on a resource of {@code resourceType}. */
  public boolean grants(String role, String action, @Nullable String resourceType) {
    Role r = roles.get(role);
    if (r == null) {
      return false;
    }
    if (r.closure().contains(action)) {
      return true;
    }
    return r.allPermissions().contains(action)
        || (resourceType != null && r.allPermissions().contains(resourceType + ":" + action));
  }

  /** The group ids some rule names: the groups that matter to this application. */
  public Set<String> groupIds() {
    Set<String> out = new LinkedHashSet<>();
    for (Rule r : rules) {
      r.groups().forEach(g -> out.add(g.id()));
    }
    return out;
  }

  /**
   * Checks a definition as a client wrote it and resolves the groups its rules name.
   *
   * @param lookup finds groups by id or name; null for a definition as stored (groups already
   *     resolved to {@code {"value": id, "display": name}})
   * @throws AccessException 400 listing every problem, each with the field it is in
   */
  public static Application parse(
      String name, JsonNode json, @Nullable GroupLookup lookup, ResourceType users) {
    List<String> problems = new ArrayList<>();
    if (!NAME.matcher(name).matches()) {
      problems.add(
          "name: "
              + ScimException.quote(name)
              + " is not a valid application name (letters, digits and _ . : @ -, at most 128)");
    }
    if (!(json instanceof ObjectNode o)) {
      throw AccessException.invalid("an application's definition is a JSON object");
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!Set.of("name", "description", "roles", "rules", "claims").contains(f)) {
        problems.add(
            f + ": unknown field (an application has name, description, roles, rules, claims)");
      }
    }
    if (o.has("name") && !o.get("name").asText().equals(name)) {
      problems.add("name: '" + o.get("name").asText() + "' differs from the name in the path");
    }
    String description = text(o, "description", "description", problems);
    ObjectNode normal = JsonNodeFactory.instance.objectNode();
    if (description != null) {
      normal.put("description", description);
    }
    Map<String, RawRole> raw = roles(o.get("roles"), problems);
    Map<String, Role> roles = closeRoles(raw, problems);
    ArrayNode rolesOut = normal.putArray("roles");
    raw.values().forEach(r -> rolesOut.add(r.json()));
    List<Rule> rules = rules(o.get("rules"), roles.keySet(), raw.keySet(), lookup, users, problems);
    ArrayNode rulesOut = normal.putArray("rules");
    for (Rule r : rules) {
      ObjectNode j = rulesOut.addObject();
      j.put("name", r.name());
      if (!r.groups().isEmpty()) {
        ArrayNode gs = j.putArray("groups");
        r.groups().forEach(g -> gs.addObject().put("value", g.id()).put("display", g.display()));
      }
      if (r.filterText() != null) {
        j.put("filter", r.filterText());
      }
      ArrayNode rs = j.putArray("roles");
      r.roles().forEach(rs::add);
    }
    ClaimNames claims = claims(o.get("claims"), problems);
    normal
        .putObject("claims")
        .put("sub", claims.sub())
        .put("email", claims.email())
        .put("name", claims.name())
        .put("groups", claims.groups())
        .put("roles", claims.roles());
    if (!problems.isEmpty()) {
      throw new AccessException(400, problems);
    }
    return new Application(
        name, description == null ? "" : description, roles, rules, claims, normal);
  }

  private record RawRole(
      String name,
      String description,
      Set<String> permissions,
      List<String> includes,
      boolean privileged,
      ObjectNode json) {}

  private static Map<String, RawRole> roles(@Nullable JsonNode node, List<String> problems) {
    Map<String, RawRole> out = new LinkedHashMap<>();
    if (node == null) {
      return out;
    }
    if (!node.isArray()) {
      problems.add("roles: an array of {\"name\": ..., \"permissions\": [...]}");
      return out;
    }
    if (node.size() > MAX_ROLES) {
      problems.add("roles: at most " + MAX_ROLES + " roles, not " + node.size());
      return out;
    }
    for (int i = 0; i < node.size(); i++) {
      String at = "roles[" + i + "]";
      JsonNode r = node.get(i);
      if (!(r instanceof ObjectNode ro)) {
        problems.add(at + ": a role is an object with a name");
        continue;
      }
      for (Iterator<String> it = ro.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("name", "description", "permissions", "includes", "privileged").contains(f)) {
          problems.add(
              at
                  + "."
                  + f
                  + ": unknown field (a role has name, description, permissions, includes,"
                  + " privileged)");
        }
      }
      String name = text(ro, "name", at + ".name", problems);
      if (name == null) {
        problems.add(at + ".name: a role needs a name");
        continue;
      }
      if (!NAME.matcher(name).matches()) {
        problems.add(at + ".name: " + ScimException.quote(name) + " is not a valid role name");
        continue;
      }
      if (out.containsKey(name)) {
        problems.add(at + ".name: the role '" + name + "' is defined twice");
        continue;
      }
      String description = text(ro, "description", at + ".description", problems);
      List<String> permissions = names(ro.get("permissions"), at + ".permissions", problems);
      List<String> includes = names(ro.get("includes"), at + ".includes", problems);
      boolean privileged = false;
      JsonNode p = ro.get("privileged");
      if (p != null && !p.isNull()) {
        if (!p.isBoolean()) {
          problems.add(at + ".privileged: true or false");
        } else {
          privileged = p.booleanValue();
        }
      }
      ObjectNode json = JsonNodeFactory.instance.objectNode().put("name", name);
      if (description != null) {
        json.put("description", description);
      }
      permissions.forEach(json.withArray("permissions")::add);
      if (!includes.isEmpty()) {
        includes.forEach(json.withArray("includes")::add);
      }
      json.put("privileged", privileged);
      out.put(
          name,
          new RawRole(
              name,
              description == null ? "" : description,
              new LinkedHashSet<>(permissions),
              includes,
              privileged,
              json));
    }
    return out;
  }

  /** Each role's closure over {@code includes}; an unknown include or a cycle is a problem. */
  private static Map<String, Role> closeRoles(Map<String, RawRole> raw, List<String> problems) {
    Map<String, Role> out = new LinkedHashMap<>();
    for (RawRole r : raw.values()) {
      for (String inc : r.includes()) {
        if (!raw.containsKey(inc)) {
          problems.add(
              "roles['"
                  + r.name()
                  + "'].includes: unknown role "
                  + ScimException.quote(inc)
                  + known(raw.keySet()));
        }
      }
    }
    for (RawRole r : raw.values()) {
      Set<String> closure = new LinkedHashSet<>();
      Set<String> permissions = new LinkedHashSet<>();
      List<String> cycle = walk(r.name(), raw, closure, permissions, new ArrayList<>());
      if (cycle != null) {
        problems.add(
            "roles['"
                + r.name()
                + "'].includes: a cycle, "
                + String.join(" includes ", cycle)
                + ": a role cannot include itself");
      }
      out.put(
          r.name(),
          new Role(
              r.name(),
              r.description(),
              Set.copyOf(r.permissions()),
              List.copyOf(r.includes()),
              r.privileged(),
              Set.copyOf(closure),
              Set.copyOf(permissions)));
    }
    return out;
  }

  /** Adds {@code name} and what it includes; the cycle through {@code path} if there is one. */
  private static @Nullable List<String> walk(
      String name,
      Map<String, RawRole> raw,
      Set<String> closure,
      Set<String> permissions,
      List<String> path) {
    if (path.contains(name)) {
      List<String> cycle = new ArrayList<>(path.subList(path.indexOf(name), path.size()));
      cycle.add(name);
      return cycle;
    }
    RawRole r = raw.get(name);
    if (r == null || !closure.add(name)) {
      return null;
    }
    permissions.addAll(r.permissions());
    path.add(name);
    for (String inc : r.includes()) {
      List<String> cycle = walk(inc, raw, closure, permissions, path);
      if (cycle != null) {
        return cycle;
      }
    }
    path.remove(path.size() - 1);
    return null;
  }

  private static List<Rule> rules(
      @Nullable JsonNode node,
      Set<String> roleNames,
      Set<String> defined,
      @Nullable GroupLookup lookup,
      ResourceType users,
      List<String> problems) {
    List<Rule> out = new ArrayList<>();
    if (node == null) {
      return out;
    }
    if (!node.isArray()) {
      problems.add("rules: an array of {\"groups\": [...], \"filter\": ..., \"roles\": [...]}");
      return out;
    }
    if (node.size() > MAX_RULES) {
      problems.add("rules: at most " + MAX_RULES + " rules, not " + node.size());
      return out;
    }
    Set<String> names = new LinkedHashSet<>();
    for (int i = 0; i < node.size(); i++) {
      String at = "rules[" + i + "]";
      if (!(node.get(i) instanceof ObjectNode ro)) {
        problems.add(at + ": a rule is an object with roles and groups or a filter");
        continue;
      }
      for (Iterator<String> it = ro.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!Set.of("name", "groups", "filter", "roles").contains(f)) {
          problems.add(at + "." + f + ": unknown field (a rule has name, groups, filter, roles)");
        }
      }
      String name = text(ro, "name", at + ".name", problems);
      if (name == null) {
        name = "rule-" + (i + 1);
      }
      if (!names.add(name)) {
        problems.add(at + ".name: the rule " + ScimException.quote(name) + " is defined twice");
      }
      List<GroupRef> groups = groups(ro.get("groups"), at + ".groups", lookup, problems);
      String filterText = text(ro, "filter", at + ".filter", problems);
      Predicate<ObjectNode> filter = null;
      if (filterText != null) {
        try {
          Filter f = FilterParser.parse(filterText);
          filter = FilterEvaluator.compile(f, users);
        } catch (ScimException e) {
          problems.add(at + ".filter: " + e.getMessage());
        }
      }
      if (groups.isEmpty() && filterText == null && !ro.has("groups")) {
        problems.add(at + ": a rule names groups, a filter, or both");
      }
      List<String> roles = names(ro.get("roles"), at + ".roles", problems);
      if (roles.isEmpty()) {
        problems.add(at + ".roles: a rule grants at least one role");
      }
      for (String r : roles) {
        if (!defined.contains(r)) {
          problems.add(at + ".roles: unknown role " + ScimException.quote(r) + known(roleNames));
        }
      }
      out.add(new Rule(name, List.copyOf(groups), filterText, filter, List.copyOf(roles)));
    }
    return out;
  }

  private static List<GroupRef> groups(
      @Nullable JsonNode node, String at, @Nullable GroupLookup lookup, List<String> problems) {
    List<GroupRef> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      problems.add(at + ": an array of group names or ids");
      return out;
    }
    for (int i = 0; i < node.size(); i++) {
      JsonNode g = node.get(i);
      String where = at + "[" + i + "]";
      if (lookup == null) {
        // As stored: resolved when saved.
        out.add(new GroupRef(g.path("value").asText(), g.path("display").asText()));
        continue;
      }
      String key = g.isTextual() ? g.asText() : g.path("value").asText(null);
      if (key == null || key.isBlank()) {
        problems.add(where + ": a group's displayName or id (or {\"value\": id})");
        continue;
      }
      List<GroupRef> found = lookup.find(key);
      if (found.isEmpty()) {
        problems.add(where + ": no group " + ScimException.quote(key) + " (by id or displayName)");
      } else if (found.size() > 1) {
        problems.add(
            where
                + ": "
                + found.size()
                + " groups are named "
                + ScimException.quote(key)
                + ": name the one you mean by its id");
      } else if (out.stream().anyMatch(x -> x.id().equals(found.get(0).id()))) {
        problems.add(where + ": the group " + ScimException.quote(key) + " is named twice");
      } else {
        out.add(found.get(0));
      }
    }
    if (node.isEmpty()) {
      problems.add(at + ": name at least one group, or leave groups out");
    }
    return out;
  }

  private static ClaimNames claims(@Nullable JsonNode node, List<String> problems) {
    if (node == null || node.isNull()) {
      return ClaimNames.DEFAULT;
    }
    if (!(node instanceof ObjectNode o)) {
      problems.add("claims: an object of claim names, e.g. {\"roles\": \"app_roles\"}");
      return ClaimNames.DEFAULT;
    }
    Map<String, String> names = new LinkedHashMap<>();
    for (String k : List.of("sub", "email", "name", "groups", "roles")) {
      String v = text(o, k, "claims." + k, problems);
      names.put(k, v == null ? k : v);
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!names.containsKey(f)) {
        problems.add("claims." + f + ": unknown claim (sub, email, name, groups, roles)");
      }
    }
    if (new LinkedHashSet<>(names.values()).size() < names.size()) {
      problems.add("claims: two claims have the same name");
    }
    List<String> v = List.copyOf(names.values());
    return new ClaimNames(v.get(0), v.get(1), v.get(2), v.get(3), v.get(4));
  }

  private static @Nullable String text(
      ObjectNode o, String field, String at, List<String> problems) {
    JsonNode v = o.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      problems.add(at + ": a non-empty string");
      return null;
    }
    return v.asText();
  }

  private static List<String> names(@Nullable JsonNode node, String at, List<String> problems) {
    List<String> out = new ArrayList<>();
    if (node == null || node.isNull()) {
      return out;
    }
    if (!node.isArray()) {
      problems.add(at + ": an array of names");
      return out;
    }
    for (JsonNode n : node) {
      if (!n.isTextual() || !NAME.matcher(n.asText()).matches()) {
        problems.add(at + ": " + ScimException.quote(n.asText()) + " is not a valid name");
      } else if (!out.contains(n.asText())) {
        out.add(n.asText());
      }
    }
    return out;
  }

  private static String known(Set<String> names) {
    return names.isEmpty()
        ? " (the application defines no roles)"
        : " (roles: " + String.join(", ", names) + ")";
  }
}
