package io.scimd.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.Mutability;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Returned;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.Values;
import io.scimd.store.AccessRecords;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.Store;
import io.scimd.store.StoreReader;
import io.scimd.store.StoredResource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One tenant's identities, groups and memberships in memory, kept current from the change journal:
 * what {@link IndexedDirectory} answers decisions from instead of reading the store three times per
 * decision (docs/benchmarks.md, "Access decisions").
 *
 * <p><b>What it holds.</b> Each user and agent by id with its stored attributes (an {@link
 * ObjectNode} without {@code groups}, and without the attributes the journal never records, such as
 * {@code password}): rules' filters are evaluated on them, as on the store's resources, so the
 * attributes are kept whole, not only the few a rule names today. Beside them, the keys a request
 * names a subject by ({@code userName} or {@code agentUserName}, {@code externalId}, a user's
 * {@code emails.value}), each folded as the filter evaluator compares it ({@link
 * Values#comparable}: an identifier's PRECIS key, lower case for other text that is not caseExact,
 * the value itself otherwise), so a lookup here finds what {@code userName eq "..."} finds in the
 * store. Each group's displayName and members, and each member's direct groups: a subject's nested
 * groups are a walk in memory. Applications, compiled once per stored definition. The memory is
 * mostly that of the attributes as Jackson trees: about 3.7 KiB per typical user with its keys and
 * three memberships (measured); {@link AccessIndexes} refuses to build the index of a tenant with
 * more identities than {@link AccessSettings#maxIdentities} allows.
 *
 * <p><b>How it stays exact.</b> It records the journal seq it reflects. Built from one read
 * snapshot (the resources, the memberships and that snapshot's journal head), it catches up by
 * reading the entries after its seq, in order and without gaps ({@link StoreReader#journal}), and
 * applying each: a created resource is added, a deleted one removed with its memberships, members
 * added and removed, top-level attributes set from the change's {@code after}. A change it cannot
 * apply exactly (an extension's attribute, a resource it does not hold) re-reads that resource,
 * within the same snapshot as the entries, after applying them all, so it ends exactly at the
 * snapshot's state. An application entry re-reads the tenant's applications. An entry that is gone
 * (pruned from the journal) or a journal that went backwards rebuilds the index.
 *
 * <p><b>Concurrency.</b> One writer at a time ({@code writer}) reads the journal and the re-reads,
 * outside any lock that readers wait for, then applies the whole batch under the write lock of
 * {@code lock}; every read of the maps holds its read lock, so a reader never sees half an entry,
 * nor half of a batch. A stored attributes node is never changed once in the index: a change makes
 * a new top-level node, so an {@link Identity} handed out earlier keeps what it had.
 */
final class AccessIndex {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int PAGE = 1_000;

  /** Beyond this many entries behind, building again reads less than catching up. */
  static final long REBUILD_BEHIND = 50_000;

  private final Store store;
  private final Scope scope;
  private final SchemaRegistry registry;
  private final Applications compiler;
  private final Keys keys;
  private final String userType;
  private final String groupType;
  private final @Nullable ResourceType agentType;

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final ReentrantLock writer = new ReentrantLock();

  /** Read under {@code lock}'s read lock; replaced or changed under its write lock. */
  private State state;

  /** The last journal entry the state reflects. */
  private volatile long seq;

  private AccessIndex(
      Store store, Scope scope, SchemaRegistry registry, Applications compiler, Built built) {
    this.store = store;
    this.scope = scope;
    this.registry = registry;
    this.compiler = compiler;
    this.userType = registry.user().name();
    this.groupType = registry.group().name();
    this.agentType = registry.resourceType(StoreDirectory.AGENT).orElse(null);
    this.keys = new Keys(registry.user(), agentType);
    this.state = built.state;
    this.seq = built.seq;
  }

  /**
   * The index of {@code scope}'s tenant as the store holds it now; empty when the tenant has more
   * than {@code maxIdentities} users and agents (nothing else is read then).
   */
  static Optional<AccessIndex> build(
      Store store,
      Scope scope,
      SchemaRegistry registry,
      Applications compiler,
      long maxIdentities,
      long[] counted) {
    Optional<Built> built = load(store, scope, registry, compiler, maxIdentities, counted);
    return built.map(b -> new AccessIndex(store, scope, registry, compiler, b));
  }

  /** The seq of the last journal entry the index reflects. */
  long seq() {
    return seq;
  }

  /** How many users and agents it holds. */
  int identities() {
    return read(st -> st.users.size() + st.agents.size());
  }

  // ---------------------------------------------------------------- catching up

  /**
   * Brings the index to at least journal entry {@code head}: applies the entries after its seq, or
   * builds it again when they are too many or gone. Returns once it reflects {@code head}; one
   * caller catches up at a time, and the others find the work done.
   *
   * @return false when the tenant outgrew {@code maxIdentities} (the index is then unusable)
   */
  boolean catchUp(long head, long maxIdentities) {
    if (seq == head) {
      return true;
    }
    writer.lock();
    try {
      long from = seq;
      if (from == head) {
        return true;
      }
      Batch batch =
          head < from || head - from > REBUILD_BEHIND
              ? null
              : store.read(scope, r -> Optional.ofNullable(batch(r, from))).orElse(null);
      if (batch == null) {
        Optional<Built> built = load(store, scope, registry, compiler, maxIdentities, new long[1]);
        if (built.isEmpty()) {
          return false;
        }
        lock.writeLock().lock();
        try {
          state = built.get().state;
          seq = built.get().seq;
        } finally {
          lock.writeLock().unlock();
        }
        return true;
      }
      Map<String, Application> apps = batch.applications ? applications() : null;
      lock.writeLock().lock();
      try {
        State st = state;
        st.identities.clear();
        for (JournalEntry e : batch.entries) {
          apply(st, e.change());
        }
        batch.reread.forEach((id, reread) -> reread(st, reread.kind, id, reread.resource));
        if (apps != null) {
          st.applications = apps;
        }
        seq = batch.end;
        return st.users.size() + st.agents.size() <= maxIdentities;
      } finally {
        lock.writeLock().unlock();
      }
    } finally {
      writer.unlock();
    }
  }

  /** The entries after {@code from} and what they need read again; null when some are gone. */
  private @Nullable Batch batch(StoreReader r, long from) {
    List<JournalEntry> entries = new ArrayList<>();
    long at = from;
    while (true) {
      List<JournalEntry> page = r.journal(at, PAGE);
      if (page.isEmpty()) {
        break;
      }
      if (page.get(0).seq() != at + 1) {
        return null; // pruned past this index's seq: only a new build knows what they were
      }
      entries.addAll(page);
      at = page.get(page.size() - 1).seq();
      if (entries.size() > REBUILD_BEHIND) {
        return null;
      }
      if (page.size() < PAGE) {
        break;
      }
    }
    boolean apps = false;
    Map<String, Reread> reread = new LinkedHashMap<>();
    Set<String> created = new HashSet<>();
    State st = state; // only this writer changes it, and it holds the writer lock
    for (JournalEntry e : entries) {
      Change c = e.change();
      String type = c.resourceType();
      if (type.equals(AccessRecords.APPLICATION) || type.equals(TENANT)) {
        apps = true;
        continue;
      }
      Identity.Kind kind = kindOf(type);
      if (kind == null) {
        continue;
      }
      if (c instanceof Change.Created) {
        created.add(c.resourceId());
      }
      List<Change.AttributeChange> changes =
          c instanceof Change.Patched p
              ? p.attributes()
              : c instanceof Change.Replaced p ? p.attributes() : null;
      if (changes != null
          && (!exact(changes)
              || (!created.contains(c.resourceId())
                  && !subjects(st, kind).containsKey(c.resourceId())))) {
        reread.put(c.resourceId(), new Reread(kind, null));
      }
    }
    for (Map.Entry<String, Reread> e : reread.entrySet()) {
      Identity.Kind kind = e.getValue().kind;
      Optional<StoredResource> now = r.get(kind.resourceType(), e.getKey(), Load.NONE);
      e.setValue(new Reread(kind, now.map(s -> clean(kind, s.attributes())).orElse(null)));
    }
    return new Batch(entries, at, reread, apps);
  }

  /** The journal's resource type of tenants' creation and deletion (JdbcTenants). */
  private static final String TENANT = "Tenant";

  private record Batch(
      List<JournalEntry> entries, long end, Map<String, Reread> reread, boolean applications) {}

  /** A resource read again: its attributes now, null when it is gone. */
  private record Reread(Identity.Kind kind, @Nullable ObjectNode resource) {}

  /** Whether every change is to a top-level attribute: set exactly from its {@code after}. */
  private static boolean exact(List<Change.AttributeChange> changes) {
    for (Change.AttributeChange a : changes) {
      if (a.path().indexOf(':') >= 0) {
        return false; // an extension's attribute, under its URN
      }
    }
    return true;
  }

  private void apply(State st, Change c) {
    String id = c.resourceId();
    Identity.Kind kind = kindOf(c.resourceType());
    boolean group = c.resourceType().equals(groupType);
    if (kind == null && !group) {
      return;
    }
    switch (c) {
      case Change.Created cr -> {
        if (kind != null) {
          put(st, kind, id, clean(kind, cr.attributes()));
        } else {
          GroupNode g = st.groups.get(id);
          if (g == null) {
            st.groups.put(id, new GroupNode(st.nextOrdinal++, displayOf(cr.attributes())));
          } else {
            g.display = displayOf(cr.attributes());
          }
        }
      }
      case Change.Replaced r -> changed(st, kind, id, r.attributes());
      case Change.Patched p -> changed(st, kind, id, p.attributes());
      case Change.Deleted d -> {
        if (kind != null) {
          ObjectNode was = subjects(st, kind).remove(id);
          if (was != null) {
            keys.index(st, kind, id, was, false);
          }
        } else {
          GroupNode g = st.groups.remove(id);
          if (g != null) {
            // A deleted group's member rows go with it, unjournaled (its deletion says it all).
            g.members.keySet().forEach(m -> unlink(st, m, id));
          }
        }
        Set<String> in = st.parents.remove(id);
        if (in != null) {
          for (String g : in) {
            GroupNode n = st.groups.get(g);
            if (n != null) {
              n.members.remove(id);
            }
          }
        }
      }
      case Change.MembersAdded m -> {
        if (group) {
          GroupNode g = st.groups.get(id);
          if (g != null) {
            m.members().forEach(x -> link(st, g, id, x));
          }
        }
      }
      case Change.MembersRemoved m -> {
        if (group) {
          GroupNode g = st.groups.get(id);
          for (Member x : m.members()) {
            if (g != null) {
              g.members.remove(x.value());
            }
            unlink(st, x.value(), id);
          }
        }
      }
      case Change.AuthFailed f -> {
        // changes no resource
      }
    }
  }

  /** A PUT's or PATCH's changed attributes; for a group only its displayName matters here. */
  private void changed(
      State st, Identity.@Nullable Kind kind, String id, List<Change.AttributeChange> changes) {
    if (kind == null) {
      GroupNode g = st.groups.get(id);
      if (g != null) {
        for (Change.AttributeChange a : changes) {
          if (a.path().equalsIgnoreCase("displayName")) {
            JsonNode after = a.after();
            g.display = after != null && after.isTextual() ? after.asText() : null;
          }
        }
      }
      return;
    }
    ObjectNode was = subjects(st, kind).get(id);
    if (was == null || !exact(changes)) {
      return; // read again at the end of the batch
    }
    ObjectNode now = NODES.objectNode(); // a new node, its fields the old ones' values
    now.setAll(was);
    for (Change.AttributeChange a : changes) {
      if (a.redacted()) {
        continue; // never recorded, never held
      }
      List<String> drop = new ArrayList<>();
      now.fieldNames()
          .forEachRemaining(
              n -> {
                if (n.equalsIgnoreCase(a.path())) {
                  drop.add(n);
                }
              });
      now.remove(drop);
      JsonNode after = a.after();
      if (after != null) {
        now.set(a.path(), after);
      }
    }
    put(st, kind, id, now);
  }

  private void reread(State st, Identity.Kind kind, String id, @Nullable ObjectNode now) {
    if (now == null) {
      ObjectNode was = subjects(st, kind).remove(id);
      if (was != null) {
        keys.index(st, kind, id, was, false);
      }
    } else {
      put(st, kind, id, now);
    }
  }

  private void put(State st, Identity.Kind kind, String id, ObjectNode attributes) {
    ObjectNode was = subjects(st, kind).put(id, attributes);
    if (was != null) {
      keys.index(st, kind, id, was, false);
    }
    keys.index(st, kind, id, attributes, true);
  }

  private void link(State st, GroupNode g, String groupId, Member m) {
    String type = m.type();
    if (type == null) {
      // As StoreDirectory reads an untyped member row: a group when there is one, else a user.
      type = st.groups.containsKey(m.value()) ? groupType : userType;
    }
    g.members.put(m.value(), type);
    st.parents.computeIfAbsent(m.value(), k -> new LinkedHashSet<>()).add(groupId);
  }

  private static void unlink(State st, String member, String groupId) {
    Set<String> in = st.parents.get(member);
    if (in != null) {
      in.remove(groupId);
      if (in.isEmpty()) {
        st.parents.remove(member);
      }
    }
  }

  private Identity.@Nullable Kind kindOf(String type) {
    if (type.equals(userType)) {
      return Identity.Kind.USER;
    }
    if (agentType != null && type.equals(agentType.name())) {
      return Identity.Kind.AGENT;
    }
    return null;
  }

  private static Map<String, ObjectNode> subjects(State st, Identity.Kind kind) {
    return kind == Identity.Kind.USER ? st.users : st.agents;
  }

  // ---------------------------------------------------------------- building

  private record Built(State state, long seq) {}

  private static Optional<Built> load(
      Store store,
      Scope scope,
      SchemaRegistry registry,
      Applications compiler,
      long maxIdentities,
      long[] counted) {
    Optional<ResourceType> agents = registry.resourceType(StoreDirectory.AGENT);
    Keys keys = new Keys(registry.user(), agents.orElse(null));
    Optional<Built> built =
        store.read(
            scope,
            r -> {
              long n = r.query(registry.user().name(), Query.all(0)).totalResults();
              if (agents.isPresent()) {
                n += r.query(agents.get().name(), Query.all(0)).totalResults();
              }
              counted[0] = n;
              if (n > maxIdentities) {
                return Optional.empty();
              }
              long head = r.journalHead();
              State st = new State();
              scan(
                  r,
                  registry.user().name(),
                  s -> {
                    ObjectNode a = clean(registry.user(), s.attributes());
                    st.users.put(s.id(), a);
                    keys.index(st, Identity.Kind.USER, s.id(), a, true);
                  });
              if (agents.isPresent()) {
                scan(
                    r,
                    agents.get().name(),
                    s -> {
                      ObjectNode a = clean(agents.get(), s.attributes());
                      st.agents.put(s.id(), a);
                      keys.index(st, Identity.Kind.AGENT, s.id(), a, true);
                    });
              }
              String group = registry.group().name();
              scan(
                  r,
                  group,
                  s ->
                      st.groups.put(
                          s.id(), new GroupNode(st.nextOrdinal++, displayOf(s.attributes()))));
              for (Map.Entry<String, GroupNode> g : st.groups.entrySet()) {
                for (Member m : r.members(g.getKey())) {
                  String type = m.type();
                  if (type == null) {
                    type = st.groups.containsKey(m.value()) ? group : registry.user().name();
                  }
                  g.getValue().members.put(m.value(), type);
                  st.parents.computeIfAbsent(m.value(), k -> new LinkedHashSet<>()).add(g.getKey());
                }
              }
              return Optional.of(new Built(st, head));
            });
    // Read after the snapshot: as new as it, or newer (an entry after it reads them again).
    built.ifPresent(b -> b.state.applications = applications(store, scope, registry, compiler));
    return built;
  }

  private static void scan(StoreReader r, String type, Consumer<StoredResource> each) {
    String cursor = "";
    while (cursor != null) {
      Page p = r.query(type, new Query(null, null, 1, PAGE, cursor, Load.NONE));
      p.resources().forEach(each);
      cursor = p.nextCursor();
    }
  }

  private Map<String, Application> applications() {
    return applications(store, scope, registry, compiler);
  }

  /** The tenant's applications in the store's order (by name), compiled. */
  private static Map<String, Application> applications(
      Store store, Scope scope, SchemaRegistry registry, Applications compiler) {
    Map<String, Application> out = new LinkedHashMap<>();
    for (AccessRecords.Application a : store.access().applications(scope.tenant())) {
      out.put(a.name(), compiler.compile(a, registry.user()));
    }
    return out;
  }

  private ObjectNode clean(Identity.Kind kind, ObjectNode attributes) {
    return clean(
        kind == Identity.Kind.USER ? registry.user() : Objects.requireNonNull(agentType),
        attributes);
  }

  /**
   * The attributes as the index keeps them: without what the store derives ({@code groups}) and
   * without values that are never returned or write-only ({@code password}'s hash), which the
   * journal never records either, so a resource read and one built from entries hold the same.
   */
  private static ObjectNode clean(ResourceType rt, ObjectNode attributes) {
    removeNamed(attributes, "groups");
    removeNamed(attributes, "members");
    for (Schema s : rt.allSchemas()) {
      JsonNode holder = s == rt.schema() ? attributes : field(attributes, s.id());
      if (!(holder instanceof ObjectNode h)) {
        continue;
      }
      for (Attribute a : s.attributes()) {
        if (a.returned() == Returned.NEVER || a.mutability() == Mutability.WRITE_ONLY) {
          removeNamed(h, a.name());
        }
      }
    }
    return attributes;
  }

  private static void removeNamed(ObjectNode o, String name) {
    List<String> drop = new ArrayList<>();
    o.fieldNames()
        .forEachRemaining(
            n -> {
              if (n.equalsIgnoreCase(name)) {
                drop.add(n);
              }
            });
    o.remove(drop);
  }

  /** A group's display as the store shows it in a member's {@code groups}: its displayName. */
  private static @Nullable String displayOf(ObjectNode group) {
    JsonNode d = field(group, "displayName");
    return d != null && d.isTextual() ? d.asText() : null;
  }

  /** A field by its name, exactly spelled first, then case-insensitively (RFC 7643 §2.1). */
  static @Nullable JsonNode field(JsonNode o, String name) {
    JsonNode v = o.get(name);
    if (v != null) {
      return v;
    }
    for (Map.Entry<String, JsonNode> e : o.properties()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  // ---------------------------------------------------------------- reading

  /** Runs {@code work} on the state under the read lock. */
  <T> T read(Function<State, T> work) {
    lock.readLock().lock();
    try {
      return work.apply(state);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * The subject {@code key} names, as {@link StoreDirectory#subject} finds it: by id, else by
   * userName (agentUserName), else externalId, else (a user, a key with an {@code @}) an email.
   *
   * @throws AccessException 400 when the key names several subjects
   */
  Optional<Identity> subject(Identity.Kind kind, String key) {
    return read(
        st -> {
          ObjectNode byId = subjects(st, kind).get(key);
          if (byId != null) {
            return Optional.of(identity(st, kind, key, byId));
          }
          for (Keys.Key k : keys.of(kind)) {
            if (k.attribute() == null || (k.onlyWithAt() && key.indexOf('@') < 0)) {
              continue;
            }
            List<String> found = k.ids().apply(st).get(Values.comparable(k.attribute(), key));
            if (found.size() > 1) {
              throw AccessException.invalid(
                  "subject.id: "
                      + found.size()
                      + " "
                      + kind.wire()
                      + "s have "
                      + k.path()
                      + " "
                      + ScimException.quote(key)
                      + ": name the subject by its id");
            }
            if (found.size() == 1) {
              String id = found.get(0);
              return Optional.of(
                  identity(st, kind, id, Objects.requireNonNull(subjects(st, kind).get(id))));
            }
          }
          return Optional.<Identity>empty();
        });
  }

  Optional<Identity> user(String id) {
    return read(
        st -> {
          ObjectNode a = st.users.get(id);
          return a == null
              ? Optional.<Identity>empty()
              : Optional.of(identity(st, Identity.Kind.USER, id, a));
        });
  }

  Optional<Application> application(String name) {
    return read(st -> Optional.ofNullable(st.applications.get(name)));
  }

  List<Application> allApplications() {
    return read(st -> List.copyOf(st.applications.values()));
  }

  /**
   * Every user and agent in the group, directly or through nested groups, each once, in the order
   * {@link StoreDirectory#membersOf} gives them.
   */
  List<Directory.Member> membersOf(String groupId) {
    return read(
        st -> {
          List<Directory.Member> out = new ArrayList<>();
          Set<String> seen = new HashSet<>();
          Deque<String> groups = new ArrayDeque<>(List.of(groupId));
          seen.add(groupId);
          while (!groups.isEmpty()) {
            GroupNode g = st.groups.get(groups.pop());
            if (g == null) {
              continue;
            }
            for (Map.Entry<String, String> m : g.members.entrySet()) {
              String type = m.getValue();
              if (type.equalsIgnoreCase(groupType)) {
                if (seen.add(m.getKey())) {
                  groups.add(m.getKey());
                }
              } else if (seen.add(m.getKey())) {
                out.add(
                    new Directory.Member(
                        type.equalsIgnoreCase(StoreDirectory.AGENT)
                            ? Identity.Kind.AGENT
                            : Identity.Kind.USER,
                        m.getKey()));
              }
            }
          }
          return out;
        });
  }

  /**
   * The ids of the subjects of {@code kind} whose attributes (with their {@code groups}, as a store
   * query that names them loads them) {@code filter} matches, in creation order; at most {@code
   * limit}.
   */
  List<String> matching(Identity.Kind kind, Predicate<ObjectNode> filter, int limit) {
    return read(
        st -> {
          List<String> out = new ArrayList<>();
          for (Map.Entry<String, ObjectNode> e : subjects(st, kind).entrySet()) {
            if (out.size() >= limit) {
              break;
            }
            if (filter.test(made(st, kind, e.getKey(), e.getValue()).attributes())) {
              out.add(e.getKey());
            }
          }
          return out;
        });
  }

  /**
   * A subject as a store read with its groups shows it: its attributes and, when it is in any
   * group, {@code groups} as the store lists them (direct ones first, then those through nested
   * groups, each in the groups' creation order).
   */
  private Identity identity(State st, Identity.Kind kind, String id, ObjectNode stored) {
    String key = kind == Identity.Kind.USER ? "u:" + id : "a:" + id;
    Identity cached = st.identities.get(key);
    if (cached != null) {
      return cached;
    }
    Identity made = made(st, kind, id, stored);
    if (st.identities.size() >= MAX_CACHED) {
      st.identities.clear();
    }
    st.identities.put(key, made);
    return made;
  }

  /** {@link #identity}, made afresh. */
  private Identity made(State st, Identity.Kind kind, String id, ObjectNode stored) {
    Map<String, Boolean> reached = new LinkedHashMap<>();
    Set<String> direct = st.parents.get(id);
    if (direct != null) {
      Deque<String> walk = new ArrayDeque<>();
      for (String g : direct) {
        reached.put(g, Boolean.TRUE);
        walk.add(g);
      }
      while (!walk.isEmpty()) {
        Set<String> up = st.parents.get(walk.pop());
        if (up != null) {
          for (String g : up) {
            if (reached.putIfAbsent(g, Boolean.FALSE) == null) {
              walk.add(g);
            }
          }
        }
      }
    }
    List<In> in = new ArrayList<>(reached.size());
    for (Map.Entry<String, Boolean> e : reached.entrySet()) {
      GroupNode g = st.groups.get(e.getKey());
      if (g != null) {
        in.add(new In(e.getKey(), g, e.getValue()));
      }
    }
    in.sort(IN_ORDER);
    // A new top-level node sharing the stored values, which nothing changes: the caller's to keep.
    ObjectNode attributes = NODES.objectNode();
    attributes.setAll(stored);
    List<Identity.Membership> memberships = new ArrayList<>(in.size());
    if (!in.isEmpty()) {
      ArrayNode groups = attributes.putArray("groups");
      for (In i : in) {
        String display = i.group().display;
        ObjectNode g = groups.addObject().put("value", i.id());
        if (display != null) {
          g.put("display", display);
        }
        g.put("type", i.direct() ? "direct" : "indirect");
        memberships.add(
            new Identity.Membership(i.id(), display != null ? display : i.id(), i.direct()));
      }
    }
    return new Identity(kind, id, attributes, Identity.activeOf(stored), memberships);
  }

  /** A group a subject is in, directly or not. */
  private record In(String id, GroupNode group, boolean direct) {}

  /** As the store lists a member's groups: direct ones first, each in creation order. */
  private static final Comparator<In> IN_ORDER =
      Comparator.comparing((In i) -> !i.direct()).thenComparingLong(i -> i.group().ordinal);

  // ---------------------------------------------------------------- the maps

  /** Everything the index holds; guarded by the index's lock. */
  static final class State {
    final Map<String, ObjectNode> users = new LinkedHashMap<>();
    final Map<String, ObjectNode> agents = new LinkedHashMap<>();
    final Map<String, GroupNode> groups = new HashMap<>();

    /** Member id (user, agent or group) to the groups it is directly in. */
    final Map<String, Set<String>> parents = new HashMap<>();

    final KeyMap userNames = new KeyMap();
    final KeyMap userExternalIds = new KeyMap();
    final KeyMap emails = new KeyMap();
    final KeyMap agentNames = new KeyMap();
    final KeyMap agentExternalIds = new KeyMap();
    Map<String, Application> applications = Map.of();
    long nextOrdinal;

    /**
     * Subjects as decisions read them (with their groups walked), made once for as long as nothing
     * in the tenant changes: a batch of entries clears it under the write lock, and a reader fills
     * it under the read lock, so an entry always agrees with the maps. At most {@link #MAX_CACHED},
     * then cleared.
     */
    final Map<String, Identity> identities = new ConcurrentHashMap<>();
  }

  /** The most subjects {@link State#identities} keeps. */
  static final int MAX_CACHED = 10_000;

  /** A group: its creation order among the tenant's groups, display, members with their types. */
  static final class GroupNode {
    final long ordinal;
    @Nullable String display;
    final Map<String, String> members = new LinkedHashMap<>();

    GroupNode(long ordinal, @Nullable String display) {
      this.ordinal = ordinal;
      this.display = display;
    }
  }

  /** Folded key to the ids that hold it: mostly one, so one String until there are more. */
  static final class KeyMap {
    private final Map<String, Object> map = new HashMap<>();

    @SuppressWarnings("unchecked")
    void add(String key, String id) {
      Object v = map.get(key);
      if (v == null) {
        map.put(key, id);
      } else if (v instanceof String s) {
        if (!s.equals(id)) {
          Set<String> ids = new LinkedHashSet<>();
          ids.add(s);
          ids.add(id);
          map.put(key, ids);
        }
      } else {
        ((Set<String>) v).add(id);
      }
    }

    @SuppressWarnings("unchecked")
    void remove(String key, String id) {
      Object v = map.get(key);
      if (v instanceof String s) {
        if (s.equals(id)) {
          map.remove(key);
        }
      } else if (v != null) {
        Set<String> ids = (Set<String>) v;
        ids.remove(id);
        if (ids.size() == 1) {
          map.put(key, ids.iterator().next());
        }
      }
    }

    @SuppressWarnings("unchecked")
    List<String> get(String key) {
      Object v = map.get(key);
      if (v == null) {
        return List.of();
      }
      return v instanceof String s ? List.of(s) : List.copyOf((Set<String>) v);
    }
  }

  /**
   * The keys a subject is found by, each with the attribute whose comparison folds it: what the
   * store's {@code attr eq key} query compares.
   */
  static final class Keys {
    record Key(
        String path,
        @Nullable Attribute attribute,
        boolean onlyWithAt,
        Function<State, KeyMap> ids) {}

    private final List<Key> users;
    private final List<Key> agents;

    Keys(ResourceType user, @Nullable ResourceType agent) {
      users =
          List.of(
              new Key("userName", leaf(user, "userName"), false, st -> st.userNames),
              new Key("externalId", leaf(user, "externalId"), false, st -> st.userExternalIds),
              new Key("emails.value", leaf(user, "emails.value"), true, st -> st.emails));
      agents =
          agent == null
              ? List.of()
              : List.of(
                  new Key(
                      "agentUserName", leaf(agent, "agentUserName"), false, st -> st.agentNames),
                  new Key(
                      "externalId", leaf(agent, "externalId"), false, st -> st.agentExternalIds));
    }

    List<Key> of(Identity.Kind kind) {
      return kind == Identity.Kind.USER ? users : agents;
    }

    private static @Nullable Attribute leaf(ResourceType rt, String path) {
      Optional<ResolvedPath> r = rt.resolve(AttrPath.parse(path));
      if (r.isEmpty()) {
        return null;
      }
      return r.get().sub() != null ? r.get().sub() : r.get().attribute();
    }

    /** Adds (or removes) the subject's keys. */
    void index(State st, Identity.Kind kind, String id, ObjectNode attributes, boolean add) {
      for (Key k : of(kind)) {
        Attribute a = k.attribute();
        if (a == null) {
          continue;
        }
        KeyMap map = k.ids().apply(st);
        int dot = k.path().indexOf('.');
        List<String> values = new ArrayList<>();
        if (dot < 0) {
          JsonNode v = field(attributes, k.path());
          if (v != null && v.isTextual()) {
            values.add(v.asText());
          }
        } else {
          JsonNode multi = field(attributes, k.path().substring(0, dot));
          if (multi != null && multi.isArray()) {
            for (JsonNode e : multi) {
              JsonNode v = e.isObject() ? field(e, k.path().substring(dot + 1)) : null;
              if (v != null && v.isTextual()) {
                values.add(v.asText());
              }
            }
          }
        }
        for (String v : values) {
          String key = Values.comparable(a, v);
          if (add) {
            map.add(key, id);
          } else {
            map.remove(key, id);
          }
        }
      }
    }
  }
}
