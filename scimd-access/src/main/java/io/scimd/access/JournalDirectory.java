package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.AccessRecords;
import io.scimd.store.AuditPage;
import io.scimd.store.AuditQuery;
import io.scimd.store.AuditReader;
import io.scimd.store.AuditRecord;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The tenant as it was at one past instant, rebuilt from the change journal: the same {@link
 * Directory} {@link Entitlements} reads now, so an answer about last March comes from the same
 * rules as a decision today.
 *
 * <p><b>What is replayed.</b> Everything counts that the journal holds at or before the instant
 * (and, for {@link #justBefore}, before one entry): entries are numbered in commit order and their
 * times never go back along the journal, so "at or before T" is a prefix of it.
 *
 * <ul>
 *   <li>A subject (user, agent) or group is its own entries, replayed: {@code created} gives its
 *       attributes; {@code replaced} and {@code patched} carry each changed attribute before and
 *       after, by path: a top-level attribute by name (its whole value: a sub-attribute's change is
 *       the whole complex value), or an extension's attribute as {@code <schema URN>:<name>}; names
 *       match case-insensitively (RFC 7643 §2.1); {@code deleted} means it no longer existed.
 *       Redacted values (passwords) are never journaled, and no rule may read them.
 *   <li>Its direct groups are the membership entries that name it ({@code members_added}, {@code
 *       members_removed} on a group, found by the {@code member_events} index), replayed; nested
 *       groups are the same for each group as a member of others; a group's display is its {@code
 *       displayName} at the instant.
 *   <li>Applications are their {@code Application} entries: {@code created} with the whole
 *       definition, {@code replaced} with each changed top-level field, {@code deleted}.
 * </ul>
 *
 * <p><b>Looking a subject up.</b> By id first (its entries); else the key is resolved as {@link
 * StoreDirectory} resolves it now (userName, agentUserName, externalId, email), and when nothing
 * has that name now, by the names deleted subjects had when they were deleted (a leaver looked up
 * by userName). A subject renamed since the instant is found by its current name or its id, not by
 * the name it had then.
 *
 * <p><b>Limits.</b> {@link #usersMatching} and {@link #agentsOf} replay every entry of their type
 * up to the instant (one ordered read of the journal's {@code (tenant, resource_type, seq)} index),
 * at most {@link #MAX_REPLAYED} entries, else a 400; {@code groups} is not among the attributes a
 * rule's filter sees at a past instant (no rule filters on it now either: groups are what {@code
 * groups} in a rule is for). {@link #membersOf} replays the group's own membership entries.
 *
 * <p>One instance answers one request: what it replayed it keeps, so Entitlements asking for the
 * same owner or group twice reads the journal once. Every read is an index range of the journal.
 */
public final class JournalDirectory implements Directory {
  /**
   * The most journal entries one type's replay reads ({@link #usersMatching}, {@link #agentsOf}).
   */
  static final int MAX_REPLAYED = 2_000_000;

  private static final int PAGE = AuditQuery.MAX_LIMIT;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final Store store;
  private final Scope scope;
  private final SchemaRegistry registry;
  private final StoreDirectory now;
  private final Instant at;
  private final long atMicros;
  private final long maxSeq;

  private final Map<String, Past> replayed = new HashMap<>();
  private final Map<String, Optional<Application>> apps = new HashMap<>();
  private final Map<String, Map<String, Past>> byType = new HashMap<>();

  /** The scope's tenant as the journal says it was at {@code at}. */
  public JournalDirectory(
      Store store, Scope scope, SchemaRegistry registry, Applications compiled, Instant at) {
    this(store, scope, registry, compiled, at, Long.MAX_VALUE);
  }

  private JournalDirectory(
      Store store,
      Scope scope,
      SchemaRegistry registry,
      Applications compiled,
      Instant at,
      long maxSeq) {
    this.store = store;
    this.scope = scope;
    this.registry = registry;
    this.now = new StoreDirectory(store, scope, registry, compiled);
    this.at = at;
    this.atMicros = micros(at);
    this.maxSeq = maxSeq;
  }

  /**
   * The tenant just before journal entry {@code seq} (made at {@code time}) took effect: every
   * entry numbered below it, none from it on, even one made in the same microsecond.
   */
  public static JournalDirectory justBefore(
      Store store,
      Scope scope,
      SchemaRegistry registry,
      Applications compiled,
      long seq,
      Instant time) {
    return new JournalDirectory(store, scope, registry, compiled, time, seq - 1);
  }

  /** The instant this directory is as of. */
  public Instant at() {
    return at;
  }

  static long micros(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
  }

  /** Whether an entry took effect by this directory's instant. */
  private boolean counts(AuditRecord r) {
    return r.seq() <= maxSeq && r.at() <= atMicros;
  }

  private <T> T audit(Function<AuditReader, T> work) {
    return store.audit().read(work);
  }

  // ---------------------------------------------------------------- replay of one resource

  /**
   * A resource as it was: whether it existed (created by then and not deleted), its attributes
   * (last known, also after a deletion: a deleted subject still has a name), the groups it was a
   * direct member of, and whether the journal knows it at all by then.
   */
  private static final class Past {
    boolean known;
    boolean exists;
    ObjectNode attributes = NODES.objectNode();
    final Set<String> groups = new LinkedHashSet<>();
  }

  /** The resource {@code type}/{@code id} as it was, its entries and memberships replayed. */
  private Past replay(String type, String id) {
    String key = type + '\u0000' + id;
    Past cached = replayed.get(key);
    if (cached != null) {
      return cached;
    }
    Past p = new Past();
    Optional<ResourceType> rt = registry.resourceType(type);
    String group = registry.group().name();
    audit(
        reader -> {
          long after = 0;
          while (true) {
            AuditPage page = reader.lifecycle(scope.tenant(), type, id, after, PAGE);
            for (AuditRecord r : page.entries()) {
              if (!counts(r)) {
                return Boolean.TRUE;
              }
              apply(p, r, type, id, group, rt.orElse(null));
            }
            if (page.next() == null) {
              return Boolean.TRUE;
            }
            after = page.next();
          }
        });
    replayed.put(key, p);
    return p;
  }

  /** Applies one entry of a resource's history to what is known of it. */
  private static void apply(
      Past p, AuditRecord r, String type, String id, String group, @Nullable ResourceType rt) {
    boolean own = r.resourceType().equals(type) && r.resourceId().equals(id);
    switch (r.kind()) {
      case "members_added", "members_removed" -> {
        if (own || !r.resourceType().equalsIgnoreCase(group)) {
          return; // a group's own members are not its memberships
        }
        // member_events names this resource among the entry's members: no need to read them.
        if (r.kind().equals("members_added")) {
          p.groups.add(r.resourceId());
        } else {
          p.groups.remove(r.resourceId());
        }
      }
      case "created" -> {
        if (!own) {
          return;
        }
        JsonNode attrs = Applications.json(r.change()).get("attributes");
        p.known = true;
        p.exists = true;
        p.attributes = attrs instanceof ObjectNode o ? o : NODES.objectNode();
      }
      case "replaced", "patched" -> {
        if (!own) {
          return;
        }
        p.known = true;
        for (JsonNode c : Applications.json(r.change()).path("attributes")) {
          if (!c.path("redacted").asBoolean(false)) {
            set(p.attributes, c.path("path").asText(), c.get("after"), rt);
          }
        }
      }
      case "deleted" -> {
        if (!own) {
          return;
        }
        p.known = true;
        p.exists = false;
        JsonNode attrs = Applications.json(r.change()).get("attributes");
        if (attrs instanceof ObjectNode o) {
          p.attributes = o;
        }
      }
      default -> {
        // auth_failed and kinds a newer node writes: not about identities
      }
    }
  }

  /**
   * Sets the attribute at a journal path ({@code active}, or {@code <extension URN>:<name>}) to
   * {@code value}, removing it for null; names match case-insensitively.
   */
  static void set(
      ObjectNode attrs, String path, @Nullable JsonNode value, @Nullable ResourceType rt) {
    ObjectNode holder = attrs;
    String name = path;
    String extension = path.startsWith("urn:") ? extensionOf(path, attrs, rt) : null;
    if (extension != null) {
      String ext = fieldName(attrs, extension);
      JsonNode h = attrs.get(ext == null ? extension : ext);
      if (h instanceof ObjectNode o) {
        holder = o;
      } else if (value == null || value.isNull()) {
        return;
      } else {
        holder = attrs.putObject(ext == null ? extension : ext);
      }
      name = path.substring(extension.length() + 1);
    }
    String existing = fieldName(holder, name);
    if (existing != null) {
      holder.remove(existing);
    }
    if (value != null && !value.isNull()) {
      holder.set(existing == null ? name : existing, value);
    }
  }

  /**
   * The extension schema URN a path is an attribute of, when it is {@code <URN>:<name>} of an
   * extension the type has (or the document holds); null for a top-level path (an extension as a
   * whole is one too).
   */
  private static @Nullable String extensionOf(
      String path, ObjectNode attrs, @Nullable ResourceType rt) {
    int colon = path.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String prefix = path.substring(0, colon);
    if (rt != null && rt.extension(prefix).isPresent()) {
      return prefix;
    }
    if (rt != null && rt.extension(path).isPresent()) {
      return null;
    }
    return fieldName(attrs, prefix) != null ? prefix : null;
  }

  private static @Nullable String fieldName(ObjectNode o, String name) {
    for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (f.equalsIgnoreCase(name)) {
        return f;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- subjects

  @Override
  public Optional<Identity> subject(Identity.Kind kind, String key) {
    return resolve(kind, key).flatMap(id -> identity(kind, id));
  }

  /**
   * The id a key names: an id the journal knows by then; else the subject the store finds by that
   * key now; else a subject deleted with that name.
   */
  public Optional<String> resolve(Identity.Kind kind, String key) {
    Optional<ResourceType> type = registry.resourceType(kind.resourceType());
    if (type.isEmpty()) {
      return Optional.empty();
    }
    if (replay(type.get().name(), key).known) {
      return Optional.of(key);
    }
    Optional<Identity> current = now.subject(kind, key);
    if (current.isPresent()) {
      return Optional.of(current.get().id());
    }
    return deletedNamed(type.get().name(), kind, key);
  }

  /** The newest deleted subject whose userName (agentUserName) or externalId was {@code key}. */
  private Optional<String> deletedNamed(String type, Identity.Kind kind, String key) {
    String nameAttr = kind == Identity.Kind.USER ? "userName" : "agentUserName";
    return audit(
        reader -> {
          String found = null;
          AuditQuery q = new AuditQuery(type, null, List.of(), "deleted", null, null, 0, PAGE);
          int pages = 0;
          while (pages++ < MAX_REPLAYED / AuditQuery.MAX_EXAMINED) {
            AuditPage page = reader.search(scope.tenant(), q);
            for (AuditRecord r : page.entries()) {
              JsonNode attrs = Applications.json(r.change()).path("attributes");
              if (matches(attrs, nameAttr, key) || matches(attrs, "externalId", key)) {
                found = r.resourceId();
              }
            }
            if (page.next() == null) {
              break;
            }
            q = q.after(page.next());
          }
          return Optional.ofNullable(found);
        });
  }

  private static boolean matches(JsonNode attrs, String attr, String key) {
    if (!(attrs instanceof ObjectNode o)) {
      return false;
    }
    String f = fieldName(o, attr);
    return f != null && o.get(f).isTextual() && o.get(f).asText().equalsIgnoreCase(key);
  }

  /** The subject with this id as it was, with its groups then; empty when it did not exist. */
  private Optional<Identity> identity(Identity.Kind kind, String id) {
    Optional<ResourceType> type = registry.resourceType(kind.resourceType());
    if (type.isEmpty()) {
      return Optional.empty();
    }
    Past p = replay(type.get().name(), id);
    if (!p.exists) {
      return Optional.empty();
    }
    List<Identity.Membership> groups = groupsOf(p);
    ObjectNode attrs = p.attributes.deepCopy();
    ArrayNode shown = attrs.putArray("groups");
    for (Identity.Membership m : groups) {
      shown
          .addObject()
          .put("value", m.groupId())
          .put("display", m.display())
          .put("type", m.direct() ? "direct" : "indirect");
    }
    return Optional.of(new Identity(kind, id, attrs, Identity.activeOf(attrs), groups));
  }

  /** A resource's groups then: direct, and each group those were in, transitively, once. */
  private List<Identity.Membership> groupsOf(Past p) {
    String group = registry.group().name();
    Map<String, Boolean> found = new LinkedHashMap<>();
    Deque<String> todo = new ArrayDeque<>();
    for (String g : p.groups) {
      if (replay(group, g).exists) {
        found.put(g, true);
        todo.add(g);
      }
    }
    while (!todo.isEmpty()) {
      for (String parent : replay(group, todo.pop()).groups) {
        if (!found.containsKey(parent) && replay(group, parent).exists) {
          found.put(parent, false);
          todo.add(parent);
        }
      }
    }
    List<Identity.Membership> out = new ArrayList<>();
    found.forEach((g, direct) -> out.add(new Identity.Membership(g, display(group, g), direct)));
    return out;
  }

  private String display(String group, String id) {
    JsonNode d = replay(group, id).attributes.get("displayName");
    return d != null && d.isTextual() ? d.asText() : id;
  }

  @Override
  public Optional<Identity> user(String id) {
    return identity(Identity.Kind.USER, id);
  }

  // ---------------------------------------------------------------- applications

  @Override
  public Optional<Application> application(String name) {
    return apps.computeIfAbsent(
        name,
        n -> {
          Map<String, ObjectNode> defs =
              definitions(
                  new AuditQuery(
                      AccessRecords.APPLICATION, n, List.of(), null, null, null, 0, PAGE));
          ObjectNode def = defs.get(n);
          return def == null ? Optional.empty() : Optional.of(compile(n, def));
        });
  }

  @Override
  public List<Application> applications() {
    Map<String, ObjectNode> defs =
        definitions(
            new AuditQuery(AccessRecords.APPLICATION, null, List.of(), null, null, null, 0, PAGE));
    List<Application> out = new ArrayList<>();
    defs.forEach(
        (name, def) -> {
          Application app =
              apps.computeIfAbsent(name, n -> Optional.of(compile(n, def))).orElseThrow();
          out.add(app);
        });
    return out;
  }

  private Application compile(String name, ObjectNode definition) {
    return Applications.parse(name, definition.toString(), registry.user());
  }

  /** The definitions the query's Application entries leave by then, by name. */
  private Map<String, ObjectNode> definitions(AuditQuery query) {
    Map<String, ObjectNode> out = new TreeMap<>();
    audit(
        reader -> {
          AuditQuery q = query;
          while (true) {
            AuditPage page = reader.search(scope.tenant(), q);
            for (AuditRecord r : page.entries()) {
              if (!counts(r)) {
                return Boolean.TRUE;
              }
              JsonNode change = Applications.json(r.change());
              switch (r.kind()) {
                case "created" -> out.put(r.resourceId(), (ObjectNode) change.get("attributes"));
                case "replaced", "patched" -> {
                  ObjectNode def = out.get(r.resourceId());
                  if (def != null) {
                    for (JsonNode c : change.path("attributes")) {
                      String f = c.path("path").asText();
                      JsonNode after = c.get("after");
                      if (after == null || after.isNull()) {
                        def.remove(f);
                      } else {
                        def.set(f, after);
                      }
                    }
                  }
                }
                case "deleted" -> out.remove(r.resourceId());
                default -> {}
              }
            }
            if (page.next() == null) {
              return Boolean.TRUE;
            }
            q = q.after(page.next());
          }
        });
    return out;
  }

  // ---------------------------------------------------------------- candidates

  @Override
  public void membersOf(String groupId, Consumer<Member> each) {
    String group = registry.group().name();
    Set<String> seen = new HashSet<>(List.of(groupId));
    Deque<String> groups = new ArrayDeque<>(List.of(groupId));
    while (!groups.isEmpty()) {
      for (Map.Entry<String, String> m : members(group, groups.pop()).entrySet()) {
        String type = m.getValue();
        if (type.equalsIgnoreCase(group)) {
          if (seen.add(m.getKey())) {
            groups.add(m.getKey());
          }
        } else if (seen.add(m.getKey())) {
          each.accept(
              new Member(
                  type.equalsIgnoreCase(StoreDirectory.AGENT)
                      ? Identity.Kind.AGENT
                      : Identity.Kind.USER,
                  m.getKey()));
        }
      }
    }
  }

  /** A group's direct members then, id to type, its own membership entries replayed. */
  private Map<String, String> members(String group, String id) {
    Map<String, String> out = new LinkedHashMap<>();
    audit(
        reader -> {
          AuditQuery q = new AuditQuery(group, id, List.of(), null, null, null, 0, PAGE);
          while (true) {
            AuditPage page = reader.search(scope.tenant(), q);
            for (AuditRecord r : page.entries()) {
              if (!counts(r)) {
                return Boolean.TRUE;
              }
              boolean added = r.kind().equals("members_added");
              if (!added && !r.kind().equals("members_removed")) {
                continue;
              }
              for (JsonNode m : Applications.json(r.change()).path("members")) {
                String v = m.path("value").asText("");
                if (added) {
                  out.put(v, m.path("type").asText("User"));
                } else {
                  out.remove(v);
                }
              }
            }
            if (page.next() == null) {
              return Boolean.TRUE;
            }
            q = q.after(page.next());
          }
        });
    return out;
  }

  @Override
  public List<String> usersMatching(Application.Rule rule, int limit) {
    java.util.function.Predicate<ObjectNode> filter = rule.filter();
    if (filter == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Past> e : all(registry.user()).entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      if (e.getValue().exists && filter.test(e.getValue().attributes)) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  @Override
  public List<String> agentsOf(Application app, int limit) {
    Optional<ResourceType> agent = registry.resourceType(StoreDirectory.AGENT);
    if (agent.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Past> e : all(agent.get()).entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      if (!e.getValue().exists) {
        continue;
      }
      for (JsonNode r : e.getValue().attributes.path("roles")) {
        if (r.path("type").asText("").equalsIgnoreCase(app.name())) {
          out.add(e.getKey());
          break;
        }
      }
    }
    return out;
  }

  /** Every resource of a type as it was, by id: one ordered read of the type's entries. */
  private Map<String, Past> all(ResourceType rt) {
    return byType.computeIfAbsent(
        rt.name(),
        type ->
            audit(
                reader -> {
                  Map<String, Past> out = new TreeMap<>();
                  AuditQuery q = new AuditQuery(type, null, List.of(), null, null, null, 0, PAGE);
                  long read = 0;
                  while (true) {
                    AuditPage page = reader.search(scope.tenant(), q);
                    for (AuditRecord r : page.entries()) {
                      if (!counts(r)) {
                        return out;
                      }
                      if (++read > MAX_REPLAYED) {
                        throw AccessException.invalid(
                            "answering this at "
                                + at
                                + " would replay more than "
                                + MAX_REPLAYED
                                + " journal entries of "
                                + type.toLowerCase(Locale.ROOT)
                                + "s: ask about one subject instead");
                      }
                      Past p = out.computeIfAbsent(r.resourceId(), k -> new Past());
                      apply(p, r, type, r.resourceId(), "", rt);
                    }
                    if (page.next() == null) {
                      return out;
                    }
                    q = q.after(page.next());
                  }
                }));
  }
}
