package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AccessRecords;
import io.scimd.store.AuditPage;
import io.scimd.store.AuditQuery;
import io.scimd.store.AuditRecord;
import io.scimd.store.HubRecords;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Access history, an auditor's questions of one tenant: what a subject held at an instant and why,
 * who held a role then, an access review of an application, and a leaver's evidence. Each answer at
 * a past instant is {@link Entitlements} over a {@link JournalDirectory}; without an instant, over
 * the store as it is now.
 */
public final class AccessHistory {
  /** The most subjects a review or a role's holders examine. */
  static final int MAX_CANDIDATES = AuthZen.MAX_CANDIDATES;

  /** The most points in a leaver's past at which its roles are compared. */
  static final int MAX_POINTS = 200;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Store store;
  private final Scope scope;
  private final SchemaRegistry registry;
  private final Applications compiled;

  AccessHistory(Store store, Scope scope, SchemaRegistry registry, Applications compiled) {
    this.store = store;
    this.scope = scope;
    this.registry = registry;
    this.compiled = compiled;
  }

  private Directory directory(@Nullable Instant at) {
    if (at == null) {
      return new StoreDirectory(store, scope, registry, compiled);
    }
    retained(at);
    return new JournalDirectory(store, scope, registry, compiled, at);
  }

  /**
   * Refuses an instant before the oldest entry the journal still holds when older ones were pruned
   * ({@code --audit-retention}): the journal no longer knows what held then, and an answer built
   * from what is left would say that no one existed.
   */
  private void retained(Instant at) {
    List<io.scimd.store.AuditRecord> first =
        store.audit().read(r -> r.records(scope.tenant(), 0, 1));
    if (first.isEmpty() || first.get(0).seq() <= 1) {
      return;
    }
    Instant oldest = Instant.EPOCH.plus(first.get(0).at(), java.time.temporal.ChronoUnit.MICROS);
    if (at.isBefore(oldest)) {
      throw AccessException.invalid(
          "at: the journal before "
              + oldest
              + " was pruned (--audit-retention), so what held at "
              + at
              + " is no longer known; ask about "
              + oldest
              + " or later");
    }
  }

  private static String when(@Nullable Instant at) {
    return at == null ? "now" : "at " + at;
  }

  // ---------------------------------------------------------------- one subject

  /**
   * {@code GET /access/v1/history?subject=&type=&at=}: the subject then, its groups, and its roles
   * in every application with the grants behind each.
   *
   * @param at the instant; null for now
   * @param now the instant reported for now
   * @throws AccessException 404 when no such subject existed then
   */
  public ObjectNode subject(Identity.Kind kind, String key, @Nullable Instant at, Instant now) {
    Directory d = directory(at);
    Identity who =
        d.subject(kind, key)
            .orElseThrow(
                () ->
                    AccessException.notFound(
                        "there was no " + kind.wire() + " '" + key + "' " + when(at)));
    ObjectNode out = NODES.objectNode().put("at", (at == null ? now : at).toString());
    out.set("subject", subjectJson(who));
    ArrayNode groups = out.putArray("groups");
    for (Identity.Membership m : who.groups()) {
      groups
          .addObject()
          .put("id", m.groupId())
          .put("display", m.display())
          .put("membership", m.direct() ? "direct" : "nested");
    }
    ArrayNode apps = out.putArray("applications");
    for (Application app : d.applications()) {
      Entitlements held = Entitlements.of(who, app, d);
      ObjectNode a = apps.addObject().put("application", app.name());
      a.set("roles", rolesJson(held));
      if (held.denial() != null) {
        a.put("denial", held.denial());
      }
      if (!held.withheld().isEmpty()) {
        ObjectNode w = a.putObject("withheld");
        held.withheld().forEach(w::put);
      }
    }
    return out;
  }

  private static ObjectNode subjectJson(Identity who) {
    return NODES
        .objectNode()
        .put("type", who.kind().wire())
        .put("id", who.id())
        .put("display", who.display())
        .put("active", who.active());
  }

  private static ArrayNode rolesJson(Entitlements held) {
    ArrayNode roles = NODES.arrayNode();
    for (Map.Entry<String, List<Entitlements.Grant>> e :
        new java.util.TreeMap<>(held.roles()).entrySet()) {
      ObjectNode r = roles.addObject().put("role", e.getKey());
      ArrayNode grants = r.putArray("grants");
      e.getValue().forEach(g -> grants.add(g.json()));
    }
    return roles;
  }

  // ---------------------------------------------------------------- one application

  /**
   * {@code GET /access/v1/history?application=&role=&at=}: who held the role then, each with the
   * grants that gave it.
   *
   * @throws AccessException 404 for an application or role that did not exist then
   */
  public ObjectNode holders(String application, String role, @Nullable Instant at, Instant now) {
    Directory d = directory(at);
    Application app = application(d, application, at);
    if (!app.roles().containsKey(role)) {
      throw AccessException.notFound(
          "the application '" + application + "' had no role '" + role + "' " + when(at));
    }
    ObjectNode out =
        NODES
            .objectNode()
            .put("at", (at == null ? now : at).toString())
            .put("application", app.name())
            .put("role", role);
    ArrayNode holders = out.putArray("holders");
    for (Entitlements held : holding(d, app)) {
      List<Entitlements.Grant> grants = held.roles().get(role);
      if (grants != null) {
        ObjectNode h = subjectJson(held.subject());
        ArrayNode gs = h.putArray("grants");
        grants.forEach(g -> gs.add(g.json()));
        holders.add(h);
      }
    }
    return out;
  }

  /**
   * {@code GET /access/v1/review/{application}?at=}: every subject that held any role in the
   * application, with its roles and their grants.
   */
  public ObjectNode review(String application, @Nullable Instant at, Instant now) {
    Directory d = directory(at);
    Application app = application(d, application, at);
    ObjectNode out =
        NODES
            .objectNode()
            .put("at", (at == null ? now : at).toString())
            .put("application", app.name());
    ArrayNode subjects = out.putArray("subjects");
    for (Entitlements held : holding(d, app)) {
      ObjectNode s = subjectJson(held.subject());
      s.set("roles", rolesJson(held));
      subjects.add(s);
    }
    return out;
  }

  /**
   * The review as CSV (RFC 4180): a header row, then one row per subject and role; a role's grants
   * in one field, each as {@code rule [via group (direct|nested)] [included by role] [bounded by
   * owner]}, separated by {@code "; "}.
   */
  public static String reviewCsv(ObjectNode review) {
    StringBuilder out = new StringBuilder();
    row(out, List.of("type", "id", "display", "active", "role", "grants"));
    for (JsonNode s : review.path("subjects")) {
      for (JsonNode r : s.path("roles")) {
        List<String> grants = new ArrayList<>();
        for (JsonNode g : r.path("grants")) {
          StringBuilder path = new StringBuilder(g.path("rule").asText());
          if (g.has("group")) {
            path.append(" via group ")
                .append(g.path("group").path("display").asText())
                .append(" (")
                .append(g.path("group").path("membership").asText())
                .append(')');
          }
          if (g.has("includedBy")) {
            path.append(" included by ").append(g.path("includedBy").asText());
          }
          if (g.has("owner")) {
            path.append(" bounded by owner ").append(g.path("owner").asText());
          }
          grants.add(path.toString());
        }
        row(
            out,
            List.of(
                s.path("type").asText(),
                s.path("id").asText(),
                s.path("display").asText(),
                s.path("active").asText(),
                r.path("role").asText(),
                String.join("; ", grants)));
      }
    }
    return out.toString();
  }

  private static void row(StringBuilder out, List<String> fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      String f = fields.get(i);
      if (f.indexOf(',') >= 0
          || f.indexOf('"') >= 0
          || f.indexOf('\n') >= 0
          || f.indexOf('\r') >= 0) {
        out.append('"').append(f.replace("\"", "\"\"")).append('"');
      } else {
        out.append(f);
      }
    }
    out.append("\r\n");
  }

  private static Application application(Directory d, String name, @Nullable Instant at) {
    return d.application(name)
        .orElseThrow(
            () -> AccessException.notFound("there was no application '" + name + "' " + when(at)));
  }

  /**
   * The entitlements of every subject that holds a role in the application, ordered by type,
   * display and id: the candidates are the members of its rules' groups, the users its filter-only
   * rules select, and the agents granted a role in it.
   */
  private static List<Entitlements> holding(Directory d, Application app) {
    Set<Directory.Member> candidates = new LinkedHashSet<>();
    for (Application.Rule rule : app.rules()) {
      if (!rule.groups().isEmpty()) {
        for (Application.GroupRef g : rule.groups()) {
          d.membersOf(
              g.id(),
              m -> {
                if (candidates.size() >= MAX_CANDIDATES) {
                  throw tooMany();
                }
                candidates.add(m);
              });
        }
      } else {
        for (String id : d.usersMatching(rule, MAX_CANDIDATES)) {
          candidates.add(new Directory.Member(Identity.Kind.USER, id));
        }
      }
    }
    for (String id : d.agentsOf(app, MAX_CANDIDATES)) {
      candidates.add(new Directory.Member(Identity.Kind.AGENT, id));
    }
    if (candidates.size() > MAX_CANDIDATES) {
      throw tooMany();
    }
    List<Entitlements> out = new ArrayList<>();
    for (Directory.Member m : candidates) {
      Optional<Identity> who = d.subject(m.kind(), m.id());
      if (who.isPresent()) {
        Entitlements held = Entitlements.of(who.get(), app, d);
        if (!held.roles().isEmpty()) {
          out.add(held);
        }
      }
    }
    out.sort(
        Comparator.comparing((Entitlements e) -> e.subject().kind())
            .thenComparing(e -> e.subject().display())
            .thenComparing(e -> e.subject().id()));
    return out;
  }

  private static AccessException tooMany() {
    return AccessException.invalid(
        "the application's rules reach more than "
            + MAX_CANDIDATES
            + " subjects: ask about one subject instead");
  }

  // ---------------------------------------------------------------- leavers

  /**
   * {@code GET /access/v1/leavers/{user}}: when the user left (its last deactivation or deletion
   * that still holds, with the journal entry and who made it), the roles it held just before, when
   * each role it held went (at the leaving, or earlier), and for each hub target whether the
   * leaving entry was delivered.
   *
   * @throws AccessException 404 for a user the journal does not know, or one that has not left
   */
  public ObjectNode leaver(String key, Instant now) {
    String user = registry.user().name();
    JournalDirectory current = new JournalDirectory(store, scope, registry, compiled, now);
    String id =
        current
            .resolve(Identity.Kind.USER, key)
            .orElseThrow(() -> AccessException.notFound("there is no user '" + key + "'"));
    List<AuditRecord> history = history(user, id);
    // Walk its own entries: the leaving is the last step into inactive or deleted that still holds.
    boolean exists = false;
    boolean active = false;
    AuditRecord left = null;
    AuditRecord deleted = null;
    ObjectNode attrs = NODES.objectNode();
    for (AuditRecord r : history) {
      if (!r.resourceType().equals(user) || !r.resourceId().equals(id)) {
        continue;
      }
      JsonNode change = Applications.json(r.change());
      boolean wasActive = exists && active;
      switch (r.kind()) {
        case "created" -> {
          exists = true;
          attrs = change.path("attributes") instanceof ObjectNode o ? o : NODES.objectNode();
          active = Identity.activeOf(attrs);
        }
        case "replaced", "patched" -> {
          for (JsonNode c : change.path("attributes")) {
            if (!c.path("redacted").asBoolean(false)) {
              JournalDirectory.set(attrs, c.path("path").asText(), c.get("after"), null);
            }
          }
          active = Identity.activeOf(attrs);
        }
        case "deleted" -> {
          exists = false;
          deleted = r;
        }
        default -> {
          continue;
        }
      }
      boolean isActive = exists && active;
      if (wasActive && !isActive) {
        left = r;
      } else if (!wasActive && isActive) {
        left = null;
        deleted = null;
      } else if (r.kind().equals("created") && !isActive) {
        left = r; // created deactivated
      }
    }
    if (history.isEmpty()) {
      throw AccessException.notFound("there is no user '" + key + "'");
    }
    if (left == null) {
      throw AccessException.notFound(
          "the user '" + key + "' has not left: it is active and was never deactivated since");
    }
    ObjectNode out = NODES.objectNode();
    out.putObject("user")
        .put("id", id)
        .put("userName", attrs.path("userName").asText(""))
        .put("display", displayOf(attrs, id));
    ObjectNode event = entry(left);
    event.put("event", left.kind().equals("deleted") ? "deleted" : "deactivated");
    out.set("left", event);
    if (deleted != null && deleted != left) {
      out.set("deleted", entry(deleted));
    }

    // The roles held just before, and when each role it held went.
    JournalDirectory before =
        JournalDirectory.justBefore(store, scope, registry, compiled, left.seq(), left.time());
    Map<String, List<Entitlements.Grant>> heldBefore = roles(before, id);
    ArrayNode rolesBefore = out.putArray("rolesBefore");
    heldBefore.forEach(
        (key2, grants) -> {
          ObjectNode r = rolesBefore.addObject();
          r.put("application", key2.substring(0, key2.indexOf('\u0000')))
              .put("role", key2.substring(key2.indexOf('\u0000') + 1));
          ArrayNode gs = r.putArray("grants");
          grants.forEach(g -> gs.add(g.json()));
        });
    out.set("removals", removals(user, id, history, left, heldBefore));

    // Each hub target: did it get the leaving entry?
    ArrayNode targets = out.putArray("targets");
    for (HubRecords.Target t : store.hub().targets(scope.tenant())) {
      targets.add(target(t, left));
    }
    return out;
  }

  private static String displayOf(ObjectNode attrs, String id) {
    for (String f : List.of("displayName", "userName")) {
      if (attrs.path(f).isTextual() && !attrs.path(f).asText().isBlank()) {
        return attrs.path(f).asText();
      }
    }
    return id;
  }

  private static ObjectNode entry(AuditRecord r) {
    ObjectNode o =
        NODES
            .objectNode()
            .put("seq", r.seq())
            .put("at", r.time().toString())
            .put("kind", r.kind())
            .put("principal", r.principal())
            .put("principalName", r.principalName())
            .put("requestId", r.requestId());
    if (r.source() != null) {
      o.put("source", r.source());
    }
    return o;
  }

  /**
   * What happened to a resource as a record and as a member, in order (a group's own members left
   * out: {@link io.scimd.store.AuditReader#lifecycle}).
   */
  private List<AuditRecord> history(String type, String id) {
    return store
        .audit()
        .read(
            reader -> {
              List<AuditRecord> out = new ArrayList<>();
              long after = 0;
              while (true) {
                AuditPage page = reader.lifecycle(scope.tenant(), type, id, after, 1_000);
                out.addAll(page.entries());
                if (page.next() == null) {
                  return out;
                }
                after = page.next();
              }
            });
  }

  /** The user's roles in every application, keyed {@code application NUL role}. */
  private static Map<String, List<Entitlements.Grant>> roles(Directory d, String userId) {
    Map<String, List<Entitlements.Grant>> out = new LinkedHashMap<>();
    Optional<Identity> who = d.user(userId);
    if (who.isEmpty()) {
      return out;
    }
    for (Application app : d.applications()) {
      Entitlements held = Entitlements.of(who.get(), app, d);
      new java.util.TreeMap<>(held.roles())
          .forEach((role, grants) -> out.put(app.name() + '\u0000' + role, grants));
    }
    return out;
  }

  /**
   * When each role the user held went: its roles are compared after each entry that could change
   * them (its own entries and memberships, its groups' memberships in other groups, changes of
   * applications), the last {@link #MAX_POINTS} before it left; every role still held then went
   * with the leaving entry.
   */
  private ArrayNode removals(
      String user,
      String id,
      List<AuditRecord> history,
      AuditRecord left,
      Map<String, List<Entitlements.Grant>> heldBefore) {
    String group = registry.group().name();
    Map<Long, AuditRecord> points = new java.util.TreeMap<>();
    Set<String> groups = new LinkedHashSet<>();
    for (AuditRecord r : history) {
      if (r.seq() < left.seq()) {
        points.put(r.seq(), r);
        if (r.kind().equals("members_added") && r.resourceType().equals(group)) {
          groups.add(r.resourceId());
        }
      }
    }
    for (String g : groups) {
      for (AuditRecord r : history(group, g)) {
        if (r.seq() < left.seq()) {
          points.put(r.seq(), r);
        }
      }
    }
    store
        .audit()
        .read(
            reader -> {
              AuditQuery q =
                  new AuditQuery(
                      AccessRecords.APPLICATION, null, List.of(), null, null, null, 0, 1_000);
              while (true) {
                AuditPage page = reader.search(scope.tenant(), q);
                for (AuditRecord r : page.entries()) {
                  if (r.seq() < left.seq()) {
                    points.put(r.seq(), r);
                  }
                }
                if (page.next() == null) {
                  return Boolean.TRUE;
                }
                q = q.after(page.next());
              }
            });
    List<AuditRecord> ordered = new ArrayList<>(points.values());
    if (ordered.size() > MAX_POINTS) {
      ordered = ordered.subList(ordered.size() - MAX_POINTS, ordered.size());
    }
    ArrayNode out = NODES.arrayNode();
    Map<String, List<Entitlements.Grant>> prev = null;
    for (AuditRecord r : ordered) {
      Map<String, List<Entitlements.Grant>> held =
          roles(
              JournalDirectory.justBefore(store, scope, registry, compiled, r.seq() + 1, r.time()),
              id);
      if (prev != null) {
        for (String role : prev.keySet()) {
          if (!held.containsKey(role)) {
            out.add(removal(role, r, "removed by this change"));
          }
        }
      }
      prev = held;
    }
    for (String role : heldBefore.keySet()) {
      out.add(removal(role, left, "the user left"));
    }
    return out;
  }

  private static ObjectNode removal(String key, AuditRecord r, String why) {
    ObjectNode o =
        NODES
            .objectNode()
            .put("application", key.substring(0, key.indexOf('\u0000')))
            .put("role", key.substring(key.indexOf('\u0000') + 1))
            .put("why", why);
    ObjectNode e = entry(r);
    e.put("resourceType", r.resourceType()).put("resourceId", r.resourceId());
    o.set("entry", e);
    return o;
  }

  /**
   * Whether a hub target had the leaving entry delivered: its cursor is past it (delivered, or
   * passed as outside the target's scope) and it is not a dead letter; as best known, at some
   * instant between the entry and the target's last delivery.
   */
  private ObjectNode target(HubRecords.Target t, AuditRecord left) {
    ObjectNode o = NODES.objectNode().put("name", t.name()).put("type", t.type());
    if (t.pausedReason() != null) {
      o.put("paused", t.pausedReason());
    }
    Optional<HubRecords.Cursor> cursor = store.hub().cursor(scope.tenant(), t.name());
    if (cursor.isEmpty()) {
      return o.put("status", "unknown");
    }
    HubRecords.Cursor c = cursor.get();
    o.put("nextSeq", c.nextSeq());
    if (c.lastDeliveredAt() != null) {
      o.put("lastDeliveredAt", c.lastDeliveredAt().toString());
    }
    if (t.created().isAfter(left.time())) {
      return o.put("status", "created-after")
          .put("detail", "the target was created after the user left: it was never sent the entry");
    }
    if (c.nextSeq() <= left.seq()) {
      o.put("status", "pending").put("detail", "the target has not reached the entry yet");
      if (c.lastError() != null) {
        o.put("lastError", c.lastError());
      }
      return o;
    }
    List<HubRecords.DeadLetter> dead =
        store.hub().deadLetters(scope.tenant(), t.name(), left.seq() - 1, 1);
    if (!dead.isEmpty() && dead.get(0).seq() == left.seq() && dead.get(0).replayed() == null) {
      return o.put("status", "dead-letter").put("error", dead.get(0).error());
    }
    o.put("status", "delivered").put("deliveredAfter", left.time().toString());
    if (c.lastDeliveredAt() != null) {
      o.put("deliveredBy", c.lastDeliveredAt().toString());
    }
    return o;
  }
}
