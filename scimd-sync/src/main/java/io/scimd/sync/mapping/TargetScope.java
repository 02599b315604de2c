package io.scimd.sync.mapping;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.filter.FilterParser;
import io.scimd.core.schema.SchemaRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Which users and groups a target receives, and what happens on the target to a user who stops
 * being one of them. Compiled once from JSON:
 *
 * <pre>{@code
 * {
 *   "users":  {"filter": "active eq true and userType eq \"Employee\"",
 *              "groups": ["Engineering", "2819c223-7f76-453a-919d-413861904646"]},
 *   "groups": "all" | "none" | "scoped" | ["Engineering", ...],
 *   "onLeave": "deactivate" | "delete"
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@code users.filter}: a SCIM filter (RFC 7644 §3.4.2.2) a user must match, evaluated by the
 *       core's evaluator against the source User schema. Absent: every user.
 *   <li>{@code users.groups}: the user must be a member of at least one of these groups, each named
 *       by id or displayName (displayName case-insensitively, as the server compares them). Absent:
 *       membership does not matter.
 *   <li>{@code groups}: which groups are pushed: {@code "all"} (the default), {@code "none"},
 *       {@code "scoped"} (those in {@code users.groups}) or a list of ids and displayNames.
 *   <li>{@code onLeave}: a user who was in scope and no longer is gets {@code active: false} on the
 *       target ({@code "deactivate"}, the default: reversible, and it keeps the account's data for
 *       the application's owners) or is deleted there ({@code "delete"}).
 * </ul>
 *
 * <p>No spec at all ({@link #everything()}) means every user and every group. Pure: membership is
 * passed in by the caller, which knows it from the store.
 */
public final class TargetScope {
  /** What a target does to a user who leaves its scope. */
  public enum OnLeave {
    DEACTIVATE,
    DELETE
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TargetScope EVERYTHING =
      new TargetScope(null, Set.of(), GroupSelection.ALL, Set.of(), OnLeave.DEACTIVATE);

  private enum GroupSelection {
    ALL,
    NONE,
    LISTED
  }

  private final @Nullable Predicate<ObjectNode> userFilter;
  private final Set<String> userGroups; // lower-cased ids and displayNames
  private final GroupSelection groupSelection;
  private final Set<String> pushedGroups; // lower-cased, for LISTED
  private final OnLeave onLeave;

  private TargetScope(
      @Nullable Predicate<ObjectNode> userFilter,
      Set<String> userGroups,
      GroupSelection groupSelection,
      Set<String> pushedGroups,
      OnLeave onLeave) {
    this.userFilter = userFilter;
    this.userGroups = Set.copyOf(userGroups);
    this.groupSelection = groupSelection;
    this.pushedGroups = Set.copyOf(pushedGroups);
    this.onLeave = onLeave;
  }

  /** Every user and every group; users who leave (none can) would be deactivated. */
  public static TargetScope everything() {
    return EVERYTHING;
  }

  /**
   * @throws MappingException listing every problem
   */
  public static TargetScope compile(String specJson, SchemaRegistry source) {
    JsonNode spec;
    try {
      spec = JSON.readTree(specJson);
    } catch (JsonProcessingException e) {
      throw MappingException.of("the scope is not valid JSON: " + e.getOriginalMessage());
    }
    return compile(spec == null ? JSON.createObjectNode() : spec, source);
  }

  /**
   * @throws MappingException listing every problem: unknown keys, a filter that does not parse or
   *     names an attribute the source User does not have, a malformed group list
   */
  public static TargetScope compile(JsonNode spec, SchemaRegistry source) {
    if (!spec.isObject()) {
      throw MappingException.of("the scope must be a JSON object, found " + Values.kind(spec));
    }
    List<String> problems = new ArrayList<>();
    Predicate<ObjectNode> filter = null;
    Set<String> userGroups = new HashSet<>();
    GroupSelection selection = GroupSelection.ALL;
    Set<String> pushed = new HashSet<>();
    OnLeave onLeave = OnLeave.DEACTIVATE;
    boolean scopedGroups = false;
    for (Map.Entry<String, JsonNode> e : spec.properties()) {
      JsonNode v = e.getValue();
      switch (e.getKey()) {
        case "users" -> {
          if (!v.isObject()) {
            problems.add("users: must be an object with \"filter\" and/or \"groups\"");
            continue;
          }
          for (Map.Entry<String, JsonNode> u : v.properties()) {
            switch (u.getKey()) {
              case "filter" -> {
                if (!u.getValue().isTextual()) {
                  problems.add("users.filter: must be a SCIM filter in a string");
                  continue;
                }
                try {
                  filter =
                      FilterEvaluator.compile(
                          FilterParser.parse(u.getValue().textValue()), source.user());
                } catch (ScimException ex) {
                  problems.add("users.filter: " + ex.error().detail());
                }
              }
              case "groups" -> names(u.getValue(), "users.groups", userGroups, problems);
              default ->
                  problems.add(unknownKey("users." + u.getKey(), List.of("filter", "groups")));
            }
          }
        }
        case "groups" -> {
          if (v.isArray()) {
            selection = GroupSelection.LISTED;
            names(v, "groups", pushed, problems);
          } else if (v.isTextual() && v.textValue().equals("all")) {
            selection = GroupSelection.ALL;
          } else if (v.isTextual() && v.textValue().equals("none")) {
            selection = GroupSelection.NONE;
          } else if (v.isTextual() && v.textValue().equals("scoped")) {
            selection = GroupSelection.LISTED;
            scopedGroups = true;
          } else {
            problems.add(
                "groups: must be \"all\", \"none\", \"scoped\" or a list of group ids and"
                    + " displayNames, found "
                    + v);
          }
        }
        case "onLeave" -> {
          if (v.isTextual() && v.textValue().equals("deactivate")) {
            onLeave = OnLeave.DEACTIVATE;
          } else if (v.isTextual() && v.textValue().equals("delete")) {
            onLeave = OnLeave.DELETE;
          } else {
            problems.add("onLeave: must be \"deactivate\" or \"delete\", found " + v);
          }
        }
        default -> problems.add(unknownKey(e.getKey(), List.of("users", "groups", "onLeave")));
      }
    }
    if (scopedGroups) {
      if (userGroups.isEmpty()) {
        problems.add("groups: \"scoped\" pushes the groups of users.groups, which names none");
      }
      pushed.addAll(userGroups);
    }
    if (!problems.isEmpty()) {
      throw new MappingException(problems);
    }
    return new TargetScope(filter, userGroups, selection, pushed, onLeave);
  }

  private static void names(JsonNode v, String where, Set<String> into, List<String> problems) {
    if (!v.isArray() || v.isEmpty()) {
      problems.add(where + ": must be a non-empty list of group ids and displayNames");
      return;
    }
    for (JsonNode n : v) {
      if (!n.isTextual() || n.textValue().isBlank()) {
        problems.add(where + ": " + n + " is not a group id or displayName");
      } else {
        into.add(n.textValue().toLowerCase(Locale.ROOT));
      }
    }
  }

  private static String unknownKey(String key, List<String> known) {
    String last = key.substring(key.lastIndexOf('.') + 1);
    String hint = Names.closest(last, known);
    return key + ": unknown key" + (hint == null ? "" : "; did you mean " + hint + "?");
  }

  public OnLeave onLeave() {
    return onLeave;
  }

  /**
   * Whether the target receives {@code user}.
   *
   * @param groupsOfUser the ids and displayNames of the groups {@code user} is a member of (direct
   *     or, if the caller resolves nesting, indirect); only read when the scope names groups
   */
  public boolean includesUser(ObjectNode user, Set<String> groupsOfUser) {
    if (userFilter != null && !userFilter.test(user)) {
      return false;
    }
    if (userGroups.isEmpty()) {
      return true;
    }
    for (String g : groupsOfUser) {
      if (userGroups.contains(g.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the target receives {@code user}, its group memberships read from its own {@code
   * groups} attribute ({@code value} and {@code display} of each), as the store returns it.
   */
  public boolean includesUser(ObjectNode user) {
    if (userGroups.isEmpty()) {
      return includesUser(user, Set.of());
    }
    Set<String> mine = new HashSet<>();
    for (JsonNode g : user.path("groups")) {
      if (g.hasNonNull("value")) {
        mine.add(g.get("value").asText());
      }
      if (g.hasNonNull("display")) {
        mine.add(g.get("display").asText());
      }
    }
    return includesUser(user, mine);
  }

  /** Whether the target receives {@code group} (matched by its {@code id} or displayName). */
  public boolean includesGroup(ObjectNode group) {
    return switch (groupSelection) {
      case ALL -> true;
      case NONE -> false;
      case LISTED ->
          pushedGroups.contains(group.path("id").asText("").toLowerCase(Locale.ROOT))
              || pushedGroups.contains(
                  group.path("displayName").asText("").toLowerCase(Locale.ROOT));
    };
  }

  /**
   * Whether the scope depends on group membership, so membership changes can move users in or out.
   */
  public boolean dependsOnMembership() {
    return !userGroups.isEmpty();
  }
}
