package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.resource.Meta;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.core.schema.Uniqueness;
import io.scimd.store.Change;
import io.scimd.store.JournalEntry;
import io.scimd.store.Load;
import io.scimd.store.Member;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.StoreTx;
import io.scimd.store.StoredResource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The store contract over one JDBC connection inside one transaction: a reader's (writes refused)
 * or the writer's. The SQL is the portable subset {@link Dialect} describes; the dialect supplies
 * the rest.
 *
 * <p>Each insert and update runs inside a savepoint, so a uniqueness conflict the caller catches
 * leaves the transaction as it was before the call (PostgreSQL would otherwise abort the whole
 * transaction; SQLite would keep the half-done statement's neighbours). Those savepoints nest in
 * the caller's ({@link #inSavepoint}); each open one is named by its depth, so the names are unique
 * among the open ones and their few statements stay prepared.
 */
final class JdbcTx implements StoreTx {
  private static final int BATCH = 200;
  private static final String COLUMNS = "r.seq, r.id, r.version, r.created, r.last_modified, r.doc";

  private final Conn c;
  private final Dialect dialect;
  private final SchemaRegistry registry;
  private final String tenant;
  private final @Nullable WriteClock clock; // null for a read-only transaction
  private final Journal journal;
  private boolean open = true;
  private int savepoints; // how many are open

  JdbcTx(Conn c, Dialect dialect, SchemaRegistry registry, Scope scope, @Nullable WriteClock clock) {
    this.c = c;
    this.dialect = dialect;
    this.registry = registry;
    this.tenant = scope.tenant();
    this.clock = clock;
    this.journal = new Journal(c, dialect, scope);
  }

  void close() {
    open = false;
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<StoredResource> get(String type, String id, Load load) {
    return getRow(type, id, load, "");
  }

  @Override
  public Optional<StoredResource> getForUpdate(String type, String id, Load load) {
    writable();
    return getRow(type, id, load, dialect.forUpdate());
  }

  private Optional<StoredResource> getRow(String type, String id, Load load, String suffix) {
    ResourceType rt = type(type);
    return sql(
        () -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT "
                      + COLUMNS
                      + " FROM resources r WHERE r.tenant = ? AND r.type = ? AND r.id = ?"
                      + suffix);
          ps.setString(1, tenant);
          ps.setString(2, rt.name());
          ps.setString(3, id);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(resource(rt, Row.of(rs), load)) : Optional.empty();
          }
        });
  }

  @Override
  public Page query(String type, Query query) {
    ResourceType rt = type(type);
    return sql(() -> new QueryRunner(this, rt, isGroup(rt)).run(query));
  }

  @Override
  public List<Member> members(String groupId) {
    return sql(
        () -> {
          PreparedStatement ps =
              c.ps(
                  "SELECT member_id, member_type, display FROM members WHERE tenant = ? AND group_id = ?"
                      + " ORDER BY seq");
          ps.setString(1, tenant);
          ps.setString(2, groupId);
          List<Member> out = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(new Member(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
          }
          return out;
        });
  }

  // ---------------------------------------------------------------- writes

  @Override
  public StoredResource insert(String type, ObjectNode attributes) {
    WriteClock clk = writable();
    ResourceType rt = type(type);
    ObjectNode doc = clean(attributes);
    String id = UUID.randomUUID().toString();
    long now = clk.next();
    savepoint(
        () -> {
          writeUnique(rt, id, doc);
          PreparedStatement ps =
              c.ps(
                  "INSERT INTO resources (tenant, type, id, version, created, last_modified,"
                      + " external_id, user_name_folded, display_name_folded, display, doc)"
                      + " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, "
                      + dialect.docParam()
                      + ")");
          ps.setString(1, tenant);
          ps.setString(2, rt.name());
          ps.setString(3, id);
          ps.setLong(4, now);
          ps.setLong(5, now);
          bindDerived(ps, 6, rt, doc);
          return ps.executeUpdate();
        });
    sql(() -> {
      journal.append(Journal.created(rt, id, doc), now);
      return null;
    });
    Meta meta = new Meta(rt.name(), Docs.instant(now), Docs.instant(now), 1);
    return new StoredResource(id, meta, doc);
  }

  @Override
  public Updated replace(String type, String id, ObjectNode attributes) {
    return update(type, id, attributes, false);
  }

  @Override
  public Updated patch(String type, String id, ObjectNode attributes) {
    return update(type, id, attributes, true);
  }

  /** The row a write replaces: its version, created time and document. */
  private record Current(long version, long created, ObjectNode doc) {}

  private Updated update(String type, String id, ObjectNode attributes, boolean patch) {
    WriteClock clk = writable();
    ResourceType rt = type(type);
    ObjectNode doc = clean(attributes);
    Current old =
        sql(
            () -> {
              PreparedStatement ps =
                  c.ps(
                      "SELECT version, created, doc FROM resources WHERE tenant = ? AND type = ? AND id = ?"
                          + dialect.forUpdate());
              ps.setString(1, tenant);
              ps.setString(2, rt.name());
              ps.setString(3, id);
              try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Current(rs.getLong(1), rs.getLong(2), Docs.parse(rs.getString(3))) : null;
              }
            });
    if (old == null) {
      throw notFound(rt, id);
    }
    long now = clk.next();
    savepoint(
        () -> {
          deleteUnique(rt, id);
          writeUnique(rt, id, doc);
          PreparedStatement ps =
              c.ps(
                  "UPDATE resources SET version = version + 1, last_modified = ?, external_id = ?,"
                      + " user_name_folded = ?, display_name_folded = ?, display = ?, doc = "
                      + dialect.docParam()
                      + " WHERE tenant = ? AND type = ? AND id = ?");
          ps.setLong(1, now);
          bindDerived(ps, 2, rt, doc);
          ps.setString(7, tenant);
          ps.setString(8, rt.name());
          ps.setString(9, id);
          return ps.executeUpdate();
        });
    long version = old.version() + 1;
    List<Change.AttributeChange> changes = Journal.diff(rt, old.doc(), doc);
    if (!changes.isEmpty()) {
      sql(() -> {
        journal.append(
            patch
                ? new Change.Patched(rt.name(), id, version, changes)
                : new Change.Replaced(rt.name(), id, version, changes),
            now);
        return null;
      });
    }
    Meta meta = new Meta(rt.name(), Docs.instant(old.created()), Docs.instant(now), version);
    return new Updated(new StoredResource(id, meta, doc), changes);
  }

  @Override
  public Optional<Change.Deleted> delete(String type, String id) {
    WriteClock clk = writable();
    ResourceType rt = type(type);
    // Tick before deleting: every writer then takes the clock before the rows it changes (the
    // per-type count among them), one lock order for all, so none deadlocks on PostgreSQL (0005).
    long now = clk.next();
    return sql(
        () -> {
          PreparedStatement del =
              c.ps("DELETE FROM resources WHERE tenant = ? AND type = ? AND id = ? RETURNING version, doc");
          del.setString(1, tenant);
          del.setString(2, rt.name());
          del.setString(3, id);
          Change.Deleted deleted;
          try (ResultSet rs = del.executeQuery()) {
            if (!rs.next()) {
              return Optional.empty();
            }
            deleted = Journal.deleted(rt, id, rs.getLong(1), Docs.parse(rs.getString(2)));
          }
          journal.append(deleted, now);
          // The groups that lose this member change: their version and lastModified move, so
          // ETags and delta syncs see it, and the journal records each lost membership. With the
          // resource row gone (and locked until commit), no other writer can add it anywhere.
          PreparedStatement bump =
              c.ps(
                  "UPDATE resources SET version = version + 1, last_modified = ?"
                      + " WHERE tenant = ? AND type = ? AND id IN"
                      + " (SELECT group_id FROM members WHERE tenant = ? AND member_id = ?)");
          bump.setLong(1, now);
          bump.setString(2, tenant);
          bump.setString(3, registry.group().name());
          bump.setString(4, tenant);
          bump.setString(5, id);
          bump.executeUpdate();
          PreparedStatement asMember =
              c.ps("DELETE FROM members WHERE tenant = ? AND member_id = ? RETURNING group_id");
          asMember.setString(1, tenant);
          asMember.setString(2, id);
          List<String> groups = new ArrayList<>();
          try (ResultSet rs = asMember.executeQuery()) {
            while (rs.next()) {
              groups.add(rs.getString(1));
            }
          }
          groups.sort(null); // a stable journal order, whatever order the database returned
          for (String g : groups) {
            journal.appendMembers(registry.group().name(), g, List.of(new Member(id, rt.name())), false, true, now);
          }
          PreparedStatement asGroup = c.ps("DELETE FROM members WHERE tenant = ? AND group_id = ?");
          asGroup.setString(1, tenant);
          asGroup.setString(2, id);
          asGroup.executeUpdate();
          deleteUnique(rt, id);
          return Optional.of(deleted);
        });
  }

  @Override
  public <T> T inSavepoint(Supplier<T> work) {
    writable();
    return savepoint(work::get);
  }

  @Override
  public List<Member> addMembers(String groupId, Collection<Member> members) {
    long now = writable().next(); // the clock before any row: the lock order of every writer (0005)
    ResourceType groupType = registry.group();
    // The group and the new members stay locked against deletion until commit, so no member row
    // can outlive either (another node's delete waits, then removes the rows this one added).
    if (!exists(groupType.name(), groupId, dialect.forKeyShare())) {
      throw notFound(groupType, groupId);
    }
    Map<String, Member> wanted = new LinkedHashMap<>();
    for (Member m : members) {
      if (m == null || m.value() == null || m.value().isBlank()) {
        throw ScimException.invalidValue("a member has no \"value\": give the member's id");
      }
      if (m.value().equals(groupId)) {
        throw ScimException.invalidValue("group '" + groupId + "' cannot be a member of itself");
      }
      wanted.putIfAbsent(m.value(), m);
    }
    if (wanted.isEmpty()) {
      return List.of();
    }
    Map<String, String> types = resolveTypes(wanted.keySet());
    for (Member m : wanted.values()) {
      String found = types.get(m.value());
      if (found == null) {
        throw ScimException.invalidValue(
            "member '" + m.value() + "' is no User or Group: add existing resources by their id");
      }
    }
    if (types.containsValue(groupType.name())) {
      // Nesting must stay acyclic: the new member must not be the group or one of its ancestors.
      // Two transactions could each add one half of a cycle after checking the other's absence, so
      // nesting changes take a lock first (the ancestors read after it sees every committed edge).
      String lock = dialect.lockNesting();
      if (lock != null) {
        sql(
            () -> {
              PreparedStatement ps = c.ps(lock);
              ps.setString(1, tenant);
              ps.execute();
              return null;
            });
      }
      Set<String> ancestors = ancestors(groupId);
      for (Map.Entry<String, String> e : types.entrySet()) {
        if (e.getValue().equals(groupType.name()) && ancestors.contains(e.getKey())) {
          throw ScimException.invalidValue(
              "group '"
                  + e.getKey()
                  + "' already contains group '"
                  + groupId
                  + "' (directly or through nested groups): adding it would make a cycle");
        }
      }
    }
    return sql(
        () -> {
          // The insert ignores rows already there; its update counts tell which rows are new.
          List<Member> given = new ArrayList<>(wanted.values());
          boolean[] inserted =
              inBatches(
                  c.ps(dialect.insertMember()),
                  given,
                  (ps, m) -> {
                    ps.setString(1, tenant);
                    ps.setString(2, groupId);
                    ps.setString(3, m.value());
                    // The type found, whatever type the client gave: the store knows what the id is.
                    ps.setString(4, types.get(m.value()));
                    ps.setString(5, m.display());
                  });
          List<Member> added = new ArrayList<>();
          for (int i = 0; i < given.size(); i++) {
            if (inserted[i]) {
              Member m = given.get(i);
              added.add(new Member(m.value(), types.get(m.value()), m.display()));
            }
          }
          journal.appendMembers(groupType.name(), groupId, added, true, false, now);
          return added;
        });
  }

  /** Sets one row's parameters of a batched statement. */
  private interface RowBinder<T> {
    void bind(PreparedStatement ps, T row) throws SQLException;
  }

  /**
   * Runs {@code ps} once per row, sent in batches of {@link #BATCH} so a large change streams.
   *
   * @return per row, whether the statement changed a row (its update count)
   */
  private static <T> boolean[] inBatches(PreparedStatement ps, List<T> rows, RowBinder<T> binder)
      throws SQLException {
    boolean[] changed = new boolean[rows.size()];
    int n = 0;
    int done = 0;
    for (T row : rows) {
      binder.bind(ps, row);
      ps.addBatch();
      if (++n % BATCH == 0) {
        done = counted(ps.executeBatch(), changed, done);
      }
    }
    if (n % BATCH != 0) {
      counted(ps.executeBatch(), changed, done);
    }
    return changed;
  }

  private static int counted(int[] counts, boolean[] changed, int from) {
    for (int i = 0; i < counts.length; i++) {
      // SUCCESS_NO_INFO would hide what changed: neither driver answers it for these statements
      // (PostgresStore refuses the pgjdbc option that would, reWriteBatchedInserts).
      if (counts[i] == java.sql.Statement.SUCCESS_NO_INFO) {
        throw new IllegalStateException("the JDBC driver did not report a batch's update counts");
      }
      changed[from + i] = counts[i] > 0;
    }
    return from + counts.length;
  }

  @Override
  public List<Member> removeMembers(String groupId, Collection<String> memberIds) {
    WriteClock clk = writable();
    if (memberIds.isEmpty()) {
      return List.of();
    }
    long now = clk.next();
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(memberIds));
    return sql(
        () -> {
          // One statement per BATCH ids, padded so that one statement text serves every call; the
          // rows it returns are the members really removed.
          String in = "?" + ", ?".repeat(BATCH - 1);
          PreparedStatement ps =
              c.ps(
                  "DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id IN (" + in + ")"
                      + " RETURNING member_id, member_type");
          Map<String, String> removed = new HashMap<>();
          for (int from = 0; from < ids.size(); from += BATCH) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + BATCH));
            ps.setString(1, tenant);
            ps.setString(2, groupId);
            for (int i = 0; i < BATCH; i++) {
              if (i < chunk.size()) {
                ps.setString(3 + i, chunk.get(i));
              } else {
                ps.setNull(3 + i, java.sql.Types.VARCHAR);
              }
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                removed.put(rs.getString(1), rs.getString(2));
              }
            }
          }
          List<Member> out = new ArrayList<>(removed.size());
          for (String id : ids) {
            String t = removed.get(id);
            if (t != null) {
              out.add(new Member(id, t));
            }
          }
          journal.appendMembers(registry.group().name(), groupId, out, false, false, now);
          return out;
        });
  }

  /**
   * Whether a member given again with {@code wanted} as its display must be stored anew: a PUT may
   * set display again (RFC 7643 §2.2, immutable), or drop the one a client gave. Sending back the
   * display a read showed ({@code shown}: the stored one, else the member's own) is no change, so
   * a client that replaces the list it just read changes nothing.
   */
  private static boolean displayChanges(@Nullable String wanted, @Nullable String stored, @Nullable String shown) {
    if (wanted == null) {
      return stored != null;
    }
    return !wanted.equals(shown);
  }

  @Override
  public long clearMembers(String groupId) {
    long now = writable().next();
    String group = registry.group().name();
    return sql(
        () -> {
          // A chunk at a time, each chunk one journal entry: whatever the size of the group, no
          // more than one entry's members are ever in memory (a plain DELETE ... RETURNING would
          // have the driver, or SQLite, hold every deleted row at once).
          PreparedStatement ps =
              c.ps(
                  "DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id IN"
                      + " (SELECT member_id FROM members WHERE tenant = ? AND group_id = ? ORDER BY seq LIMIT "
                      + Change.MAX_MEMBERS_PER_ENTRY
                      + ") RETURNING member_id, member_type");
          long n = 0;
          while (true) {
            ps.setString(1, tenant);
            ps.setString(2, groupId);
            ps.setString(3, tenant);
            ps.setString(4, groupId);
            List<Member> chunk = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                chunk.add(new Member(rs.getString(1), rs.getString(2)));
              }
            }
            if (chunk.isEmpty()) {
              return n;
            }
            n += chunk.size();
            journal.appendMembers(group, groupId, chunk, false, false, now);
          }
        });
  }

  @Override
  public boolean replaceMembers(String groupId, Collection<Member> wanted) {
    writable();
    Map<String, Member> want = new LinkedHashMap<>();
    for (Member m : wanted) {
      want.putIfAbsent(m.value(), m);
    }
    boolean changed = false;
    // The current members a page at a time in insertion order (keyset on seq, which removing
    // earlier rows does not move): memory O(wanted + one page), whatever the size of the group.
    long after = Long.MIN_VALUE;
    while (true) {
      long from = after;
      List<String> leaving = new ArrayList<>();
      long[] last = {from};
      int rows =
          sql(
              () -> {
                PreparedStatement ps =
                    c.ps(
                        "SELECT m.member_id, m.display, COALESCE(m.display, r.display), m.seq FROM members m"
                            + " LEFT JOIN resources r"
                            + " ON r.tenant = m.tenant AND r.type = m.member_type AND r.id = m.member_id"
                            + " WHERE m.tenant = ? AND m.group_id = ? AND m.seq > ? ORDER BY m.seq LIMIT " + BATCH);
                ps.setString(1, tenant);
                ps.setString(2, groupId);
                ps.setLong(3, from);
                int n = 0;
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    n++;
                    Member w = want.get(rs.getString(1));
                    if (w == null || displayChanges(w.display(), rs.getString(2), rs.getString(3))) {
                      leaving.add(rs.getString(1));
                    }
                    last[0] = rs.getLong(4);
                  }
                }
                return n;
              });
      changed |= !removeMembers(groupId, leaving).isEmpty();
      if (rows < BATCH) {
        break;
      }
      after = last[0];
    }
    if (!want.isEmpty()) {
      changed |= !addMembers(groupId, want.values()).isEmpty();
    }
    return changed;
  }

  @Override
  public List<JournalEntry> journal(long afterSeq, int limit) {
    if (!open) {
      throw new IllegalStateException("the store transaction has ended");
    }
    return sql(() -> journal.after(afterSeq, limit));
  }

  // ---------------------------------------------------------------- helpers used by QueryRunner

  Conn conn() {
    return c;
  }

  String tenant() {
    return tenant;
  }

  Dialect dialect() {
    return dialect;
  }

  /** Builds the resource a read returns, materialising members and groups as {@code load} asks. */
  StoredResource resource(ResourceType rt, Row row, Load load) throws SQLException {
    return resource(rt, row, load, null);
  }

  /**
   * As {@link #resource(ResourceType, Row, Load)}, with the {@code groups} of a page's resources
   * read beforehand by {@link #groupsJson(List)} ({@code null}: read them now).
   */
  StoredResource resource(ResourceType rt, Row row, Load load, @Nullable Map<String, ArrayNode> groups)
      throws SQLException {
    ObjectNode attrs = Docs.parse(row.doc());
    if (load.members() && isGroup(rt)) {
      ArrayNode ms = membersJson(row.id());
      if (!ms.isEmpty()) {
        attrs.set("members", ms);
      }
    }
    if (load.groups()) {
      ArrayNode gs = groups == null ? groupsJson(row.id()) : groups.get(row.id());
      if (gs == null) {
        gs = Docs.MAPPER.createArrayNode();
      }
      if (!gs.isEmpty()) {
        attrs.set("groups", gs);
      }
    }
    Meta meta =
        new Meta(rt.name(), Docs.instant(row.created()), Docs.instant(row.lastModified()), row.version());
    return new StoredResource(row.id(), meta, attrs);
  }

  boolean isGroup(ResourceType rt) {
    return rt.name().equals(registry.group().name());
  }

  /** {@code members} as RFC 7643 §4.2 shows it, less {@code $ref} (the service knows the base URL). */
  private ArrayNode membersJson(String groupId) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "SELECT m.member_id, m.member_type, COALESCE(m.display, r.display) FROM members m"
                + " LEFT JOIN resources r"
                + " ON r.tenant = m.tenant AND r.type = m.member_type AND r.id = m.member_id"
                + " WHERE m.tenant = ? AND m.group_id = ? ORDER BY m.seq");
    ps.setString(1, tenant);
    ps.setString(2, groupId);
    ArrayNode out = Docs.MAPPER.createArrayNode();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ObjectNode m = out.addObject();
        m.put("value", rs.getString(1));
        String display = rs.getString(3);
        if (display != null) {
          m.put("display", display);
        }
        m.put("type", rs.getString(2));
      }
    }
    return out;
  }

  /**
   * A resource's {@code groups} (RFC 7643 §4.1.2): direct memberships, then the groups reached
   * through nested groups ({@code indirect}), each once.
   */
  private ArrayNode groupsJson(String memberId) throws SQLException {
    // CROSS JOIN (with the conditions in WHERE, so that PostgreSQL reads it too) fixes the join
    // order: SQLite otherwise walks every membership row of the tenant, or every group, and
    // probes "up" (a user render cost O(memberships) instead of O(its groups)).
    PreparedStatement ps =
        c.ps(
            "WITH RECURSIVE up(id, depth) AS ("
                + " SELECT group_id, 0 FROM members WHERE tenant = ? AND member_id = ?"
                + " UNION"
                + " SELECT m.group_id, 1 FROM up CROSS JOIN members m WHERE m.tenant = ? AND m.member_id = up.id)"
                + " SELECT up.id, MIN(up.depth), r.display FROM up"
                + " CROSS JOIN resources r WHERE r.tenant = ? AND r.type = ? AND r.id = up.id"
                + " GROUP BY up.id, r.display, r.seq ORDER BY MIN(up.depth), r.seq");
    ps.setString(1, tenant);
    ps.setString(2, memberId);
    ps.setString(3, tenant);
    ps.setString(4, tenant);
    ps.setString(5, registry.group().name());
    ArrayNode out = Docs.MAPPER.createArrayNode();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ObjectNode g = out.addObject();
        g.put("value", rs.getString(1));
        String display = rs.getString(3);
        if (display != null) {
          g.put("display", display);
        }
        g.put("type", rs.getInt(2) == 0 ? "direct" : "indirect");
      }
    }
    return out;
  }

  /** Members per statement of {@link #groupsJson(List)}: the list is padded, so one statement text serves every page. */
  static final int GROUPS_BATCH = 100;

  /**
   * The {@code groups} of many resources (a page of a list), as {@link #groupsJson(String)} gives
   * each, in one statement per {@value #GROUPS_BATCH} resources instead of one per resource: on
   * PostgreSQL every statement is a round trip, which made a page of 1,000 users 1,000 of them
   * (docs/benchmarks.md). Resources in no group have no entry.
   */
  Map<String, ArrayNode> groupsJson(List<String> memberIds) throws SQLException {
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < GROUPS_BATCH; i++) {
      in.append(i == 0 ? "?" : ", ?");
    }
    // As groupsJson(String), with the member each row belongs to carried through the recursion.
    PreparedStatement ps =
        c.ps(
            "WITH RECURSIVE up(member, id, depth) AS ("
                + " SELECT member_id, group_id, 0 FROM members WHERE tenant = ? AND member_id IN (" + in + ")"
                + " UNION"
                + " SELECT up.member, m.group_id, 1 FROM up CROSS JOIN members m WHERE m.tenant = ? AND m.member_id = up.id)"
                + " SELECT up.member, up.id, MIN(up.depth), r.display FROM up"
                + " CROSS JOIN resources r WHERE r.tenant = ? AND r.type = ? AND r.id = up.id"
                + " GROUP BY up.member, up.id, r.display, r.seq ORDER BY up.member, MIN(up.depth), r.seq");
    Map<String, ArrayNode> out = new HashMap<>();
    for (int from = 0; from < memberIds.size(); from += GROUPS_BATCH) {
      List<String> chunk = memberIds.subList(from, Math.min(memberIds.size(), from + GROUPS_BATCH));
      ps.setString(1, tenant);
      for (int i = 0; i < GROUPS_BATCH; i++) {
        if (i < chunk.size()) {
          ps.setString(2 + i, chunk.get(i));
        } else {
          ps.setNull(2 + i, java.sql.Types.VARCHAR); // IN (..., NULL) matches nothing more
        }
      }
      ps.setString(2 + GROUPS_BATCH, tenant);
      ps.setString(3 + GROUPS_BATCH, tenant);
      ps.setString(4 + GROUPS_BATCH, registry.group().name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ObjectNode g = out.computeIfAbsent(rs.getString(1), k -> Docs.MAPPER.createArrayNode()).addObject();
          g.put("value", rs.getString(2));
          String display = rs.getString(4);
          if (display != null) {
            g.put("display", display);
          }
          g.put("type", rs.getInt(3) == 0 ? "direct" : "indirect");
        }
      }
    }
    return out;
  }

  /** The groups that contain {@code groupId}, directly or through nesting (join order as in {@link #groupsJson}). */
  private Set<String> ancestors(String groupId) {
    return sql(
        () -> {
          PreparedStatement ps =
              c.ps(
                  "WITH RECURSIVE up(id) AS ("
                      + " SELECT group_id FROM members WHERE tenant = ? AND member_id = ?"
                      + " UNION"
                      + " SELECT m.group_id FROM up CROSS JOIN members m WHERE m.tenant = ? AND m.member_id = up.id)"
                      + " SELECT id FROM up");
          ps.setString(1, tenant);
          ps.setString(2, groupId);
          ps.setString(3, tenant);
          Set<String> out = new HashSet<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(rs.getString(1));
            }
          }
          return out;
        });
  }

  /** id to resource type for the ids that are Users or Groups: one indexed probe per id, batched. */
  private Map<String, String> resolveTypes(Collection<String> ids) {
    List<String> all = new ArrayList<>(ids);
    Map<String, String> out = new HashMap<>();
    String user = registry.user().name();
    String group = registry.group().name();
    sql(
        () -> {
          for (int from = 0; from < all.size(); from += BATCH) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + BATCH));
            String in = "?" + ", ?".repeat(chunk.size() - 1);
            PreparedStatement ps =
                c.ps(
                    "SELECT id, type FROM resources WHERE tenant = ? AND type IN (?, ?) AND id IN ("
                        + in
                        + ")"
                        + dialect.forKeyShare());
            ps.setString(1, tenant);
            ps.setString(2, user);
            ps.setString(3, group);
            for (int i = 0; i < chunk.size(); i++) {
              ps.setString(4 + i, chunk.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
              }
            }
          }
          return null;
        });
    return out;
  }

  private boolean exists(String type, String id, String lock) {
    return sql(
        () -> {
          PreparedStatement ps =
              c.ps("SELECT 1 FROM resources WHERE tenant = ? AND type = ? AND id = ?" + lock);
          ps.setString(1, tenant);
          ps.setString(2, type);
          ps.setString(3, id);
          try (ResultSet rs = ps.executeQuery()) {
            return rs.next();
          }
        });
  }

  /** The columns derived from the document, bound from {@code at}: five parameters. */
  private void bindDerived(PreparedStatement ps, int at, ResourceType rt, ObjectNode doc)
      throws SQLException {
    Schema core = rt.schema();
    String userName = core.attribute("userName").isPresent() ? Docs.text(doc, "userName") : null;
    String displayName =
        core.attribute("displayName").isPresent() ? Docs.text(doc, "displayName") : null;
    ps.setString(at, Docs.text(doc, "externalId"));
    ps.setString(at + 1, userName == null ? null : Docs.fold(userName));
    ps.setString(at + 2, displayName == null ? null : Docs.fold(displayName));
    // members' and groups' display: a User's displayName, else its userName.
    ps.setString(at + 3, displayName != null ? displayName : userName);
    ps.setString(at + 4, Docs.write(doc));
  }

  /** One value of a {@code uniqueness: server|global} attribute, as the database compares it. */
  private record UniqueValue(String attribute, String label, String value, String folded) {}

  private List<UniqueValue> uniqueValues(ResourceType rt, ObjectNode doc) {
    List<UniqueValue> out = new ArrayList<>();
    for (Schema s : rt.allSchemas()) {
      boolean core = s == rt.schema();
      JsonNode holder = core ? doc : Docs.field(doc, s.id());
      if (holder == null || !holder.isObject()) {
        continue;
      }
      for (Attribute a : s.attributes()) {
        if (a.uniqueness() == Uniqueness.NONE || a.isComplex()) {
          continue;
        }
        JsonNode v = Docs.field(holder, a.name());
        if (v == null || v.isNull()) {
          continue;
        }
        String key = core ? a.key() : Docs.fold(s.id()) + ":" + a.key();
        Set<String> seen = new HashSet<>();
        for (JsonNode one : v.isArray() ? v : List.of(v)) {
          if (one.isNull() || one.isContainerNode()) {
            continue;
          }
          String text = one.asText();
          boolean foldIt =
              !a.caseExact()
                  && (a.type() == AttributeType.STRING || a.type() == AttributeType.REFERENCE);
          String folded = foldIt ? Docs.fold(text) : text;
          if (seen.add(folded)) {
            out.add(new UniqueValue(key, a.name(), text, folded));
          }
        }
      }
    }
    return out;
  }

  private void writeUnique(ResourceType rt, String id, ObjectNode doc) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "INSERT INTO unique_values (tenant, type, attribute, value_folded, id)"
                + " VALUES (?, ?, ?, ?, ?)");
    for (UniqueValue u : uniqueValues(rt, doc)) {
      ps.setString(1, tenant);
      ps.setString(2, rt.name());
      ps.setString(3, u.attribute());
      ps.setString(4, u.folded());
      ps.setString(5, id);
      try {
        ps.executeUpdate();
      } catch (SQLException e) {
        if (dialect.isUniqueViolation(e)) {
          // RFC 7644 §3.3: 409 uniqueness.
          throw ScimException.uniqueness(
              u.label()
                  + " \""
                  + u.value()
                  + "\" is already taken by another "
                  + rt.name()
                  + (u.value().equals(u.folded()) ? "" : " (compared case-insensitively)")
                  + ": choose another value or update the existing resource");
        }
        throw e;
      }
    }
  }

  private void deleteUnique(ResourceType rt, String id) throws SQLException {
    PreparedStatement ps =
        c.ps("DELETE FROM unique_values WHERE tenant = ? AND type = ? AND id = ?");
    ps.setString(1, tenant);
    ps.setString(2, rt.name());
    ps.setString(3, id);
    ps.executeUpdate();
  }

  /** A fresh copy of the attributes without what the store keeps elsewhere (id, meta, members, groups). */
  private static ObjectNode clean(ObjectNode attributes) {
    ObjectNode doc = attributes.deepCopy();
    Iterator<String> names = doc.fieldNames();
    List<String> drop = new ArrayList<>();
    while (names.hasNext()) {
      String n = names.next();
      if (n.equalsIgnoreCase("id")
          || n.equalsIgnoreCase("meta")
          || n.equalsIgnoreCase("members")
          || n.equalsIgnoreCase("groups")) {
        drop.add(n);
      }
    }
    doc.remove(drop);
    return doc;
  }

  private ResourceType type(String type) {
    if (!open) {
      throw new IllegalStateException("the store transaction has ended");
    }
    return registry
        .resourceType(type)
        .orElseThrow(() -> new IllegalArgumentException("unknown resource type: " + type));
  }

  private WriteClock writable() {
    if (!open) {
      throw new IllegalStateException("the store transaction has ended");
    }
    if (clock == null) {
      throw new IllegalStateException("a read transaction cannot write: use Store.write");
    }
    return clock;
  }

  private static ScimException notFound(ResourceType rt, String id) {
    return ScimException.notFound(rt.name() + " '" + id + "' not found");
  }

  interface SqlCall<T extends @Nullable Object> {
    T run() throws SQLException;
  }

  /** Runs {@code body} in a savepoint: a failure undoes what it wrote, then goes on to the caller. */
  private <T> T savepoint(SqlCall<T> body) {
    String name = "scimd_sp" + (savepoints + 1);
    return sql(
        () -> {
          c.exec("SAVEPOINT " + name);
          savepoints++;
          try {
            T result = body.run();
            c.exec("RELEASE SAVEPOINT " + name);
            return result;
          } catch (RuntimeException | SQLException e) {
            try {
              c.exec("ROLLBACK TO SAVEPOINT " + name);
              c.exec("RELEASE SAVEPOINT " + name);
            } catch (SQLException undo) {
              // The database ended the transaction itself (SQLite after an I/O error): the store's
              // rollback follows, and the first failure is the one to report.
              e.addSuppressed(undo);
            }
            throw e;
          } finally {
            savepoints--;
          }
        });
  }

  static <T extends @Nullable Object> T sql(SqlCall<T> call) {
    try {
      return call.run();
    } catch (SQLException e) {
      throw JdbcFailures.of(e);
    }
  }
}
