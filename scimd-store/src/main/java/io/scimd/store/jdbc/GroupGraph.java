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
 * (which a nesting must not make its members, or it would close a cycle).
 */
final class GroupGraph {
  /** Members per statement of {@link #groupsJson(List)}: the list is padded, so one statement text serves every page. */
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
   * A resource's {@code groups} (RFC 7643 §4.1.2): direct memberships, then the groups reached
   * through nested groups ({@code indirect}), each once.
   */
  ArrayNode groupsJson(String memberId) throws SQLException {
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
  Set<String> ancestors(String groupId) throws SQLException {
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
  }
}
