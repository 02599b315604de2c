package io.scimd.store.jdbc;

import static io.scimd.store.jdbc.JdbcTx.notFound;
import static io.scimd.store.jdbc.JdbcTx.sql;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Change;
import io.scimd.store.Member;
import io.scimd.store.StoreReader;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The {@code members} rows of one transaction's groups: lists a group's members, adds, removes,
 * clears and replaces them, and journals each change ({@link Change.MembersAdded}, {@link
 * Change.MembersRemoved}). Every write ticks the clock before it changes a row: the lock order of
 * every writer (docs/decisions/0005-store-on-postgresql.md).
 */
final class Memberships {
  private static final int BATCH = 200;

  private final Conn c;
  private final Dialect dialect;
  private final SchemaRegistry registry;
  private final String tenant;
  private final Journal journal;
  private final GroupGraph graph;

  Memberships(
      Conn c,
      Dialect dialect,
      SchemaRegistry registry,
      String tenant,
      Journal journal,
      GroupGraph graph) {
    this.c = c;
    this.dialect = dialect;
    this.registry = registry;
    this.tenant = tenant;
    this.journal = journal;
    this.graph = graph;
  }

  /** As {@link io.scimd.store.StoreReader#members}. */
  List<Member> list(String groupId) {
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

  /** Members per statement of {@link #forEachShown}: a page of the keyset walk. */
  static final int SHOWN_PAGE = 1_000;

  /**
   * As {@link io.scimd.store.StoreReader#forEachMember}: the members page by page in {@code seq}
   * order, each page a keyset probe of {@code members_in_order}. Within one transaction every page
   * comes from the same snapshot, and no page holds more than {@value #SHOWN_PAGE} rows, on either
   * store: PostgreSQL's driver would otherwise fetch a whole result at once (its cursors need
   * auto-commit off, which the stores' explicit transactions do not use).
   */
  void forEachShown(String groupId, Consumer<Member> action) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "SELECT m.member_id, m.member_type, COALESCE(m.display, r.display), m.seq FROM members m"
                + " LEFT JOIN resources r"
                + " ON r.tenant = m.tenant AND r.type = m.member_type AND r.id = m.member_id"
                + " WHERE m.tenant = ? AND m.group_id = ? AND m.seq > ? ORDER BY m.seq LIMIT "
                + SHOWN_PAGE);
    long after = Long.MIN_VALUE;
    while (true) {
      ps.setString(1, tenant);
      ps.setString(2, groupId);
      ps.setLong(3, after);
      int rows = 0;
      List<Member> page = new ArrayList<>(SHOWN_PAGE);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          page.add(new Member(rs.getString(1), rs.getString(2), rs.getString(3)));
          after = rs.getLong(4);
          rows++;
        }
      }
      // The page is read whole before the action runs: the action may read the store itself.
      page.forEach(action);
      if (rows < SHOWN_PAGE) {
        return;
      }
    }
  }

  /** As {@link io.scimd.store.StoreReader#memberPage}. */
  StoreReader.MemberPage page(String groupId, long afterSeq, int limit) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "SELECT m.member_id, m.member_type, COALESCE(m.display, r.display), m.seq FROM members m"
                + " LEFT JOIN resources r"
                + " ON r.tenant = m.tenant AND r.type = m.member_type AND r.id = m.member_id"
                + " WHERE m.tenant = ? AND m.group_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?");
    ps.setString(1, tenant);
    ps.setString(2, groupId);
    ps.setLong(3, afterSeq);
    ps.setInt(4, limit + 1); // one more than asked says whether a next page exists
    List<Member> page = new ArrayList<>(limit);
    long last = afterSeq;
    boolean more = false;
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        if (page.size() == limit) {
          more = true;
          break;
        }
        page.add(new Member(rs.getString(1), rs.getString(2), rs.getString(3)));
        last = rs.getLong(4);
      }
    }
    return new StoreReader.MemberPage(page, last, more);
  }

  /** As {@link io.scimd.store.StoreReader#memberCount}. */
  long count(String groupId) throws SQLException {
    PreparedStatement ps = c.ps("SELECT COUNT(*) FROM members WHERE tenant = ? AND group_id = ?");
    ps.setString(1, tenant);
    ps.setString(2, groupId);
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * {@code members} as RFC 7643 §4.2 shows it, less {@code $ref} (the service knows the base URL).
   */
  ArrayNode json(String groupId) throws SQLException {
    ArrayNode out = Docs.MAPPER.createArrayNode();
    forEachShown(
        groupId,
        m -> {
          ObjectNode o = out.addObject();
          o.put("value", m.value());
          if (m.display() != null) {
            o.put("display", m.display());
          }
          o.put("type", m.type());
        });
    return out;
  }

  /** As {@link io.scimd.store.StoreTx#addMembers}. */
  List<Member> add(String groupId, Collection<Member> members, WriteClock clock) {
    long now = clock.next(); // the clock before any row: the lock order of every writer (0005)
    ResourceType groupType = registry.group();
    Map<String, Member> wanted = new LinkedHashMap<>();
    ScimException refused = null;
    for (Member m : members) {
      if (m == null || m.value() == null || m.value().isBlank()) {
        refused = ScimException.invalidValue("a member has no \"value\": give the member's id");
      } else if (m.value().equals(groupId)) {
        refused =
            ScimException.invalidValue("group '" + groupId + "' cannot be a member of itself");
      } else {
        wanted.putIfAbsent(m.value(), m);
        continue;
      }
      break;
    }
    // The group and the new members stay locked against deletion until commit, so no member row
    // can outlive either (another node's delete waits, then removes the rows this one added). One
    // statement finds and locks them all; an unknown group is refused before a bad member. A PATCH
    // has locked the group's row already, more strongly and before its first tick (metaForUpdate):
    // PostgreSQL then takes nothing more for it, so the group is locked once.
    Map<String, String> types = new HashMap<>();
    if (!lockGroupAndResolve(groupId, refused == null ? wanted.keySet() : List.of(), types)) {
      throw notFound(groupType, groupId);
    }
    if (refused != null) {
      throw refused;
    }
    if (wanted.isEmpty()) {
      return List.of();
    }
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
      Set<String> ancestors = sql(() -> graph.ancestors(groupId));
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
                    // The type found, whatever type the client gave: the store knows what the id
                    // is.
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

  /** As {@link io.scimd.store.StoreTx#removeMembers}; removing none ticks no clock. */
  List<Member> remove(String groupId, Collection<String> memberIds, WriteClock clock) {
    if (memberIds.isEmpty()) {
      return List.of();
    }
    long now = clock.next();
    List<String> ids = new ArrayList<>(new LinkedHashSet<>(memberIds));
    return sql(
        () -> {
          // One statement per BATCH ids, padded so that one statement text serves every call; the
          // rows it returns are the members really removed.
          String in = "?" + ", ?".repeat(BATCH - 1);
          PreparedStatement ps =
              c.ps(
                  "DELETE FROM members WHERE tenant = ? AND group_id = ? AND member_id IN ("
                      + in
                      + ")"
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
   * display a read showed ({@code shown}: the stored one, else the member's own) is no change, so a
   * client that replaces the list it just read changes nothing.
   */
  private static boolean displayChanges(
      @Nullable String wanted, @Nullable String stored, @Nullable String shown) {
    if (wanted == null) {
      return stored != null;
    }
    return !wanted.equals(shown);
  }

  /** As {@link io.scimd.store.StoreTx#clearMembers}. */
  long clear(String groupId, WriteClock clock) {
    long now = clock.next();
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

  /** As {@link io.scimd.store.StoreTx#replaceMembers}: {@link #remove}, then {@link #add}. */
  boolean replace(String groupId, Collection<Member> wanted, WriteClock clock) {
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
                            + " WHERE m.tenant = ? AND m.group_id = ? AND m.seq > ? ORDER BY m.seq LIMIT "
                            + BATCH);
                ps.setString(1, tenant);
                ps.setString(2, groupId);
                ps.setLong(3, from);
                int n = 0;
                try (ResultSet rs = ps.executeQuery()) {
                  while (rs.next()) {
                    n++;
                    Member w = want.get(rs.getString(1));
                    if (w == null
                        || displayChanges(w.display(), rs.getString(2), rs.getString(3))) {
                      leaving.add(rs.getString(1));
                    }
                    last[0] = rs.getLong(4);
                  }
                }
                return n;
              });
      changed |= !remove(groupId, leaving, clock).isEmpty();
      if (rows < BATCH) {
        break;
      }
      after = last[0];
    }
    if (!want.isEmpty()) {
      changed |= !add(groupId, want.values(), clock).isEmpty();
    }
    return changed;
  }

  /**
   * Takes deleted resource {@code memberId} out of every group that held it, at {@code now}: each
   * such group's version and lastModified move, so ETags and delta syncs see it, and the journal
   * records each lost membership ({@link Change.MembersRemoved#memberDeleted()}).
   */
  void removeFromAllGroups(ResourceType memberType, String memberId, long now) throws SQLException {
    // With the resource row gone (and locked until commit), no other writer can add it anywhere.
    PreparedStatement bump =
        c.ps(
            "UPDATE resources SET version = version + 1, last_modified = ?"
                + " WHERE tenant = ? AND type = ? AND id IN"
                + " (SELECT group_id FROM members WHERE tenant = ? AND member_id = ?)");
    bump.setLong(1, now);
    bump.setString(2, tenant);
    bump.setString(3, registry.group().name());
    bump.setString(4, tenant);
    bump.setString(5, memberId);
    bump.executeUpdate();
    PreparedStatement asMember =
        c.ps("DELETE FROM members WHERE tenant = ? AND member_id = ? RETURNING group_id");
    asMember.setString(1, tenant);
    asMember.setString(2, memberId);
    List<String> groups = new ArrayList<>();
    try (ResultSet rs = asMember.executeQuery()) {
      while (rs.next()) {
        groups.add(rs.getString(1));
      }
    }
    groups.sort(null); // a stable journal order, whatever order the database returned
    for (String g : groups) {
      journal.appendMembers(
          registry.group().name(),
          g,
          List.of(new Member(memberId, memberType.name())),
          false,
          true,
          now);
    }
  }

  /**
   * Deletes the member rows of deleted group {@code groupId} (none for another resource), without
   * journaling them: the group's {@link Change.Deleted} entry ends them all.
   */
  void deleteRowsOfGroup(String groupId) throws SQLException {
    PreparedStatement asGroup = c.ps("DELETE FROM members WHERE tenant = ? AND group_id = ?");
    asGroup.setString(1, tenant);
    asGroup.setString(2, groupId);
    asGroup.executeUpdate();
  }

  /**
   * Finds group {@code groupId} and, into {@code types}, the resource type of each of {@code ids}
   * that is a User or a Group, locking them all against deletion ({@link Dialect#forKeyShare}): one
   * indexed probe per id, {@link #BATCH} ids a statement, the group in the first.
   *
   * @return whether the group exists
   */
  private boolean lockGroupAndResolve(
      String groupId, Collection<String> ids, Map<String, String> types) {
    List<String> all = new ArrayList<>(ids.size() + 1);
    all.add(groupId);
    all.addAll(ids);
    String user = registry.user().name();
    String group = registry.group().name();
    return sql(
        () -> {
          boolean found = false;
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
                String id = rs.getString(1);
                String type = rs.getString(2);
                if (!id.equals(groupId)) {
                  types.put(
                      id, type); // a member is never the group itself: add refused that before
                } else if (type.equals(group)) {
                  found = true;
                }
              }
            }
          }
          return found;
        });
  }
}
