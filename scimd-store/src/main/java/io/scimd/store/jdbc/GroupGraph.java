package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.SchemaRegistry;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The nesting of groups, walked upwards from a member: the groups a resource is in, directly or
 * through nested groups (its {@code groups}, RFC 7643 §4.1.2), and the groups that contain a group
 * (none of which may become its member: that would close a cycle). One recursive query ({@link
 * #up}) answers both.
 */
final class GroupGraph {
  /**
   * Members per statement of {@link #groupsJson(List)}: the list is padded, so one statement text
   * serves every page.
   */
  private static final int GROUPS_BATCH = 100;

  private final Conn c;
  private final SchemaRegistry registry;
  private final String tenant;

  GroupGraph(Conn c, SchemaRegistry registry, String tenant) {
    this.c = c;
    this.registry = registry;
    this.tenant = tenant;
  }

  /**
   * The {@code groups} (RFC 7643 §4.1.2) of each of {@code memberIds}: its direct memberships, then
   * the groups reached through nested groups ({@code indirect}), each once. A page of a list asks
   * for all its resources at once, in one statement per {@value #GROUPS_BATCH} of them instead of
   * one per resource: on PostgreSQL every statement is a round trip, which made a page of 1,000
   * users 1,000 of them (docs/benchmarks.md). Resources in no group have no entry.
   */
  Map<String, ArrayNode> groupsJson(List<String> memberIds) throws SQLException {
    // One id (a read of one resource) gets a statement of its own rather than 99 padding NULLs.
    int batch = memberIds.size() == 1 ? 1 : GROUPS_BATCH;
    PreparedStatement ps =
        c.ps(
            up(batch)
                + " SELECT up.member, up.id, MIN(up.depth), r.display FROM up"
                + " CROSS JOIN resources r WHERE r.tenant = ? AND r.type = ? AND r.id = up.id"
                + " GROUP BY up.member, up.id, r.display, r.seq ORDER BY up.member, MIN(up.depth), r.seq");
    Map<String, ArrayNode> out = new HashMap<>();
    for (int from = 0; from < memberIds.size(); from += batch) {
      List<String> chunk = memberIds.subList(from, Math.min(memberIds.size(), from + batch));
      int next = bindUp(ps, chunk, batch);
      ps.setString(next, tenant);
      ps.setString(next + 1, registry.group().name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ObjectNode g =
              out.computeIfAbsent(rs.getString(1), k -> Docs.MAPPER.createArrayNode()).addObject();
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

  /** The groups that contain {@code groupId}, directly or through nesting. */
  Set<String> ancestors(String groupId) throws SQLException {
    PreparedStatement ps = c.ps(up(1) + " SELECT id FROM up");
    bindUp(ps, List.of(groupId), 1);
    Set<String> out = new HashSet<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(rs.getString(1)); // a group reached both directly and through nesting comes twice
      }
    }
    return out;
  }

  /**
   * The walk up the nesting, the one recursive query of the store: {@code up(member, id, depth)}
   * holds, for each of {@code starts} start ids ({@code member}), every group that contains it,
   * directly ({@code depth} 0) or through nested groups (1). Its parameters ({@link #bindUp}) are
   * the tenant, the start ids, the tenant again.
   *
   * <p>CROSS JOIN (with the conditions in WHERE, so that PostgreSQL reads it too) fixes the join
   * order, here and in the queries that join {@code up} to {@code resources}: SQLite otherwise
   * walks every membership row of the tenant, or every group, and probes {@code up} (a user render
   * cost O(memberships) instead of O(its groups)).
   */
  private static String up(int starts) {
    String in = starts == 1 ? "= ?" : "IN (?" + ", ?".repeat(starts - 1) + ")";
    return "WITH RECURSIVE up(member, id, depth) AS ("
        + " SELECT member_id, group_id, 0 FROM members WHERE tenant = ? AND member_id "
        + in
        + " UNION"
        + " SELECT up.member, m.group_id, 1 FROM up CROSS JOIN members m WHERE m.tenant = ? AND m.member_id = up.id)";
  }

  /**
   * Binds the parameters of {@link #up}{@code (starts)} to {@code ids}, padded with NULL ({@code IN
   * (..., NULL)} matches nothing more, so one statement text serves every chunk).
   *
   * @return the index of the next parameter
   */
  private int bindUp(PreparedStatement ps, List<String> ids, int starts) throws SQLException {
    ps.setString(1, tenant);
    for (int i = 0; i < starts; i++) {
      if (i < ids.size()) {
        ps.setString(2 + i, ids.get(i));
      } else {
        ps.setNull(2 + i, java.sql.Types.VARCHAR);
      }
    }
    ps.setString(2 + starts, tenant);
    return 3 + starts;
  }
}
