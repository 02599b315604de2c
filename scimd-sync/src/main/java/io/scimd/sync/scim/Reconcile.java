package io.scimd.sync.scim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.client.ScimClientException;
import io.scimd.client.SearchRequest;
import io.scimd.store.Load;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.StoredResource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Compares what a SCIM target holds with what it should hold, and repairs the difference unless it
 * runs dry. It lists the target's users and groups (page by page) and the directory's, and reports,
 * per resource:
 *
 * <ul>
 *   <li>{@code missing}: in the directory and in scope, not on the target (or its recorded id is
 *       gone there): created;
 *   <li>{@code different}: on the target with other values of the attributes scimd sends: written
 *       again;
 *   <li>{@code membership}: a group whose members on the target are not those it should have;
 *   <li>{@code extra}: on the target, managed by scimd, and not wanted there: a second object with
 *       the {@code userName}/{@code displayName} of one scimd recorded, or one recorded for a
 *       resource that left the target's scope: deleted (or deactivated, as the target says).
 * </ul>
 *
 * Objects on the target that scimd never recorded and that match nothing in the directory are not
 * scimd's and are left alone. Repairs go through the same {@link ScimSink} as deliveries, so they
 * follow the target's profile.
 */
public final class Reconcile {
  private static final List<String> TYPES = List.of("User", "Group");

  private final ScimSink sink;

  public Reconcile(ScimSink sink) {
    this.sink = sink;
  }

  /** One difference found, and whether it was repaired. */
  public record Finding(
      String kind,
      String resourceType,
      @Nullable String id,
      @Nullable String remoteId,
      String detail,
      boolean repaired) {}

  /** What a run found and did. */
  public record Report(boolean dryRun, List<Finding> findings, @Nullable String error) {
    public Report {
      findings = List.copyOf(findings);
    }
  }

  /**
   * Compares, and repairs unless {@code dryRun}. A target that fails midway ends the run; the
   * report says what was done up to there and why it stopped.
   */
  public Report run(boolean dryRun) {
    List<Finding> findings = new ArrayList<>();
    try {
      for (String type : TYPES) {
        reconcile(type, dryRun, findings);
      }
      return new Report(dryRun, findings, null);
    } catch (ScimClientException | ScimSink.Refused e) {
      return new Report(dryRun, findings, String.valueOf(e.getMessage()));
    }
  }

  private void reconcile(String type, boolean dryRun, List<Finding> findings) {
    String key = type.equals("Group") ? "displayName" : "userName";
    Map<String, ObjectNode> remote = new HashMap<>();
    Map<String, List<String>> remoteByKey = new HashMap<>();
    SearchRequest.Builder all = SearchRequest.builder().pageSize(sink.profile().pageSize());
    sink.endpoint(type)
        .list(all.build())
        .forEach(
            r -> {
              String id = r.id();
              if (id != null) {
                remote.put(id, r.json());
                String k = r.text(key);
                if (k != null) {
                  remoteByKey.computeIfAbsent(fold(k), x -> new ArrayList<>()).add(id);
                }
              }
            });
    Set<String> claimed = new HashSet<>();
    Load load = sink.mapping().load(type);
    if (type.equals("Group")) {
      load = new Load(true, load.groups());
    }
    Load finalLoad = load;
    forEachLocal(
        type,
        finalLoad,
        resource -> {
          String id = resource.id();
          String recorded = sink.remoteIdOf(type, id).orElse(null);
          ObjectNode desired = sink.desired(type, resource);
          if (desired == null) {
            if (recorded != null
                && remote.containsKey(recorded)
                && !leftAlready(type, remote.get(recorded))) {
              claimed.add(recorded);
              findings.add(
                  act(
                      dryRun,
                      "extra",
                      type,
                      id,
                      recorded,
                      "out of the target's scope",
                      () -> sink.repair(type, id)));
            }
            return;
          }
          String k = Mapping.text(desired, key);
          List<String> sameKey =
              k == null ? List.of() : remoteByKey.getOrDefault(fold(k), List.of());
          String there = recorded != null && remote.containsKey(recorded) ? recorded : null;
          if (there == null && !sameKey.isEmpty()) {
            there = sameKey.get(0);
          }
          if (there == null) {
            findings.add(
                act(
                    dryRun,
                    "missing",
                    type,
                    id,
                    null,
                    "not on the target",
                    () -> sink.repair(type, id)));
            return;
          }
          claimed.add(there);
          for (String other : sameKey) {
            if (!other.equals(there) && claimed.add(other)) {
              findings.add(
                  act(
                      dryRun,
                      "extra",
                      type,
                      id,
                      other,
                      "a second " + type + " with " + key + " '" + k + "'",
                      () -> sink.deleteThere(type, other)));
            }
          }
          ObjectNode held = java.util.Objects.requireNonNull(remote.get(there));
          List<String> differing = differing(desired, held, type.equals("User"));
          boolean unrecorded = !there.equals(recorded);
          if (!differing.isEmpty() || unrecorded) {
            findings.add(
                act(
                    dryRun,
                    "different",
                    type,
                    id,
                    there,
                    unrecorded && differing.isEmpty()
                        ? "not recorded as scimd's"
                        : "differs in " + String.join(", ", differing),
                    () -> sink.repair(type, id)));
          } else if (type.equals("Group")) {
            Set<String> should = sink.desiredMemberIds(resource);
            Set<String> has = new LinkedHashSet<>();
            JsonNode members = held.path("members");
            if (!held.has("members")) {
              members = sink.endpoint(type).get(there).json().path("members");
            }
            for (JsonNode m : members) {
              has.add(m.path("value").asText());
            }
            // Members not on the target yet count only when they belong there: a member out of
            // the target's scope is rightly missing.
            int wanted = should.size() + sink.membersMissingThere(resource);
            if (!has.equals(should) || wanted > should.size()) {
              findings.add(
                  act(
                      dryRun,
                      "membership",
                      type,
                      id,
                      there,
                      "holds " + has.size() + " members, should hold " + wanted,
                      () -> sink.repair(type, id)));
            }
          }
        });
  }

  /**
   * Whether a user who left the scope is already as the target says it should be: deactivated there
   * (it is kept, inactive, for the application's owners), so not a finding on every run.
   */
  private boolean leftAlready(String type, @Nullable ObjectNode held) {
    return type.equals("User")
        && sink.onLeave() == ScimSink.OnLeave.DEACTIVATE
        && held != null
        && held.path("active").isBoolean()
        && !held.path("active").booleanValue();
  }

  private void forEachLocal(String type, Load load, Consumer<StoredResource> each) {
    String cursor = "";
    while (cursor != null) {
      String at = cursor;
      Page page =
          sink.store()
              .read(sink.scope(), r -> r.query(type, new Query(null, null, 1, 200, at, load)));
      page.resources().forEach(each);
      cursor = page.resources().isEmpty() ? null : page.nextCursor();
    }
  }

  private static Finding act(
      boolean dryRun,
      String kind,
      String type,
      @Nullable String id,
      @Nullable String remoteId,
      String detail,
      Runnable repair) {
    if (!dryRun) {
      repair.run();
    }
    return new Finding(kind, type, id, remoteId, detail, !dryRun);
  }

  private static String fold(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  /** What a target holds of its own, never sent by scimd: not drift. */
  private static final Set<String> TARGETS_OWN =
      Set.of("id", "meta", "schemas", "groups", "members");

  /**
   * The attributes of {@code desired} whose values {@code held} does not have, and the attributes
   * {@code held} has that scimd does not send (someone set them on the target; a PUT removes them).
   * A target that adds defaults of its own (an {@code active} it assumes) shows them here too:
   * repairing rewrites them, which is harmless, and the report says which. Only for resources
   * repaired by a PUT ({@code replacedWhole}: users); a group's PATCH cannot remove what it omits.
   */
  static List<String> differing(ObjectNode desired, ObjectNode held, boolean replacedWhole) {
    List<String> out = new ArrayList<>();
    for (Iterator<String> it = held.fieldNames(); replacedWhole && it.hasNext(); ) {
      String f = it.next();
      if (!TARGETS_OWN.contains(f.toLowerCase(Locale.ROOT))
          && field(desired, f) == null
          && !held.get(f).isNull()) {
        out.add(f);
      }
    }
    for (Iterator<String> it = desired.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equalsIgnoreCase("schemas")) {
        continue;
      }
      if (!covers(desired.get(f), field(held, f))) {
        out.add(f);
      }
    }
    return out;
  }

  /**
   * Whether {@code held} has every value of {@code want}: objects by the sub-attributes wanted (the
   * target may add its own), arrays element by element in any order, text as it is.
   */
  private static boolean covers(JsonNode want, @Nullable JsonNode held) {
    if (held == null || held.isNull() || held.isMissingNode()) {
      return want.isNull() || (want.isContainerNode() && want.isEmpty());
    }
    if (want.isObject()) {
      if (!held.isObject()) {
        return false;
      }
      for (Iterator<String> it = want.fieldNames(); it.hasNext(); ) {
        String f = it.next();
        if (!covers(want.get(f), field((ObjectNode) held, f))) {
          return false;
        }
      }
      return true;
    }
    if (want.isArray()) {
      if (!held.isArray() || held.size() != want.size()) {
        return false;
      }
      for (JsonNode w : want) {
        boolean found = false;
        for (JsonNode h : held) {
          if (covers(w, h)) {
            found = true;
            break;
          }
        }
        if (!found) {
          return false;
        }
      }
      return true;
    }
    return want.equals(held);
  }

  private static @Nullable JsonNode field(ObjectNode o, String name) {
    JsonNode exact = o.get(name);
    if (exact != null) {
      return exact;
    }
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equalsIgnoreCase(name)) {
        return o.get(f);
      }
    }
    return null;
  }
}
