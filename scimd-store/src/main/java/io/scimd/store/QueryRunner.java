package io.scimd.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.schema.ResourceType;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Answers one {@link Query}. Two paths, chosen per query:
 *
 * <ul>
 *   <li><b>SQL</b>, when the whole filter translates exactly ({@link FilterSql}) and the sort is on
 *       a column: the database counts, orders and pages (OFFSET/LIMIT, or keyset for cursors); only
 *       the page's rows are read.
 *   <li><b>Evaluated</b>, otherwise: the translatable conjuncts narrow the candidates by index, the
 *       core evaluator decides each candidate, and the matches are sorted (stable, ties by {@code
 *       seq}) and paged in memory. Members and groups are loaded for the evaluation only when the
 *       filter names them.
 * </ul>
 *
 * Both paths order by (key, seq) with missing keys last in ascending order, so a cursor (the key
 * and seq of a page's edge row) finds its place again after any insert or delete (RFC 9865 §2).
 */
final class QueryRunner {
  private final JdbcTx tx;
  private final Conn c;
  private final ResourceType type;
  private final boolean isGroup;

  QueryRunner(JdbcTx tx, ResourceType type, boolean isGroup) {
    this.tx = tx;
    this.c = tx.conn();
    this.type = type;
    this.isGroup = isGroup;
  }

  /** A row with its sort key. */
  private record Keyed(Row row, @Nullable JsonNode key, @Nullable ObjectNode full) {}

  Page run(Query q) throws SQLException {
    Filter filter = q.filter();
    // Compiling validates: a bad filter fails even when no resource would be evaluated.
    Predicate<ObjectNode> predicate = filter == null ? null : FilterEvaluator.compile(filter, type);
    SortKeys.Resolved sort = q.sort() == null ? null : SortKeys.resolve(q.sort(), type);
    FilterSql.Tr tr = filter == null ? new FilterSql.Tr(null, true) : new FilterSql(type, isGroup).translate(filter);
    int fingerprint = Objects.hash(type.name(), String.valueOf(filter), String.valueOf(q.sort()));
    Cursor cursor =
        q.cursor() == null || q.cursor().isEmpty() ? null : Cursor.decode(q.cursor(), fingerprint);
    boolean sqlPath = tr.exact() && (sort == null || sort.column() != null);
    return sqlPath
        ? new SqlPath(tr.sql(), sort, fingerprint).page(q, cursor)
        : evaluated(q, filter, predicate, tr.sql(), sort, fingerprint, cursor);
  }

  // ---------------------------------------------------------------- SQL path

  private final class SqlPath {
    private final FilterSql.@Nullable Sql where;
    private final @Nullable String column;
    private final boolean descending;
    private final int fingerprint;

    SqlPath(FilterSql.@Nullable Sql where, SortKeys.@Nullable Resolved sort, int fingerprint) {
      this.where = where;
      this.column = sort == null ? null : sort.column();
      this.descending = sort != null && sort.descending();
      this.fingerprint = fingerprint;
    }

    Page page(Query q, @Nullable Cursor cursor) throws SQLException {
      if (q.count() == 0) {
        return new Page(count(), List.of(), null, null);
      }
      if (q.cursor() == null) {
        long offset = q.startIndex() - 1L;
        List<Keyed> rows = select(null, true, q.count(), offset);
        // A short page that reaches into the results ends them: its rows tell the total (same
        // snapshot), so a userName eq lookup is one statement, not a lookup and a COUNT.
        boolean tellsTotal = rows.size() < q.count() && (!rows.isEmpty() || offset == 0);
        long total = tellsTotal ? offset + rows.size() : count();
        return new Page(total, resources(rows, q.load()), null, null);
      }
      long total = count();
      boolean forward = cursor == null || cursor.forward();
      List<Keyed> rows = select(cursor, forward, q.count() + 1, 0);
      boolean more = rows.size() > q.count();
      if (more) {
        rows = new ArrayList<>(rows.subList(0, q.count()));
      }
      boolean hasNext;
      boolean hasPrev;
      if (forward) {
        hasNext = more;
        hasPrev = cursor != null && !rows.isEmpty() && !select(edge(rows.get(0), false), false, 1, 0).isEmpty();
      } else {
        Collections.reverse(rows);
        hasPrev = more;
        hasNext = !rows.isEmpty() && !select(edge(rows.get(rows.size() - 1), true), true, 1, 0).isEmpty();
      }
      return cursorPage(total, rows, hasNext, hasPrev, q.load(), fingerprint);
    }

    private Cursor edge(Keyed k, boolean forward) {
      return new Cursor(forward, k.key(), k.row().seq(), fingerprint);
    }

    private long count() throws SQLException {
      String maintained = tx.dialect().countOfType();
      StringBuilder sql =
          new StringBuilder(
              where == null && maintained != null
                  ? maintained
                  : "SELECT COUNT(*) FROM resources r WHERE r.tenant = ? AND r.type = ?");
      List<Object> params = new ArrayList<>(List.of(tx.tenant(), type.name()));
      if (where != null) {
        sql.append(" AND ").append(where.text());
        params.addAll(where.params());
      }
      PreparedStatement ps = c.ps(sql.toString());
      bind(ps, params);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }

    /**
     * Rows in display order after {@code from} ({@code forward}) or in reverse display order before
     * it, at most {@code limit}, skipping {@code offset}.
     */
    private List<Keyed> select(@Nullable Cursor from, boolean forward, int limit, long offset)
        throws SQLException {
      StringBuilder sql = new StringBuilder("SELECT r.seq, r.id, r.version, r.created, r.last_modified, r.doc");
      if (column != null) {
        sql.append(", ").append(column);
      }
      sql.append(" FROM resources r WHERE r.tenant = ? AND r.type = ?");
      List<Object> params = new ArrayList<>(List.of(tx.tenant(), type.name()));
      if (where != null) {
        sql.append(" AND ").append(where.text());
        params.addAll(where.params());
      }
      // "after in display order" is "after in ascending order" unless the sort is descending.
      boolean ascending = forward != descending;
      if (from != null) {
        sql.append(" AND ").append(keyset(from, ascending, params));
      }
      String dir = ascending ? " ASC" : " DESC";
      sql.append(" ORDER BY ");
      if (column != null) {
        sql.append(column).append(dir).append(ascending ? " NULLS LAST, " : " NULLS FIRST, ");
      }
      // A filtered page in the default order sorts its matches ("r.seq + 0" hides the seq order
      // of resources_in_order and of the primary key): PostgreSQL would otherwise walk every
      // resource in seq order, expecting to meet the matches evenly spread, and a delta sync's
      // matches (meta.lastModified gt a recent watermark) are the last rows: 1.6 s a request at
      // 1,000,000 users, not 1 ms (docs/benchmarks.md). A page then costs O(matches), as its
      // count already does, never O(resources).
      sql.append(where != null && column == null ? "(r.seq + 0)" : "r.seq").append(dir).append(" LIMIT ? OFFSET ?");
      params.add(limit);
      params.add(offset);
      PreparedStatement ps = c.ps(sql.toString());
      bind(ps, params);
      List<Keyed> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          JsonNode key = null;
          if (column != null) {
            Object v = rs.getObject(7);
            key = v == null ? null : v instanceof Number n ? LongNode.valueOf(n.longValue()) : TextNode.valueOf(v.toString());
          }
          out.add(new Keyed(Row.of(rs), key, null));
        }
      }
      return out;
    }

    /** Rows strictly after (ascending) or before (descending) the cursor's (key, seq) in ascending order. */
    private String keyset(Cursor from, boolean after, List<Object> params) {
      if (column == null) {
        params.add(from.seq());
        return after ? "r.seq > ?" : "r.seq < ?";
      }
      Object k = from.key() == null ? null : from.key().isNumber() ? (Object) from.key().asLong() : from.key().asText();
      if (k == null) {
        params.add(from.seq());
        return after
            ? "(" + column + " IS NULL AND r.seq > ?)"
            : "(" + column + " IS NOT NULL OR r.seq < ?)";
      }
      params.add(k);
      params.add(k);
      params.add(from.seq());
      String cmp = after ? " > " : " < ";
      String inner = "(" + column + cmp + "? OR (" + column + " = ? AND r.seq" + cmp + "?))";
      return after
          ? "(" + column + " IS NULL OR " + inner + ")"
          : "(" + column + " IS NOT NULL AND " + inner + ")";
    }
  }

  // ---------------------------------------------------------------- evaluated path

  private Page evaluated(
      Query q,
      @Nullable Filter filter,
      @Nullable Predicate<ObjectNode> predicate,
      FilterSql.@Nullable Sql narrowing,
      SortKeys.@Nullable Resolved sort,
      int fingerprint,
      @Nullable Cursor cursor)
      throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT r.seq, r.id, r.version, r.created, r.last_modified, r.doc FROM resources r WHERE r.tenant = ? AND r.type = ?");
    List<Object> params = new ArrayList<>(List.of(tx.tenant(), type.name()));
    if (narrowing != null) {
      sql.append(" AND ").append(narrowing.text());
      params.addAll(narrowing.params());
    }
    sql.append(" ORDER BY r.seq");
    PreparedStatement ps = c.ps(sql.toString());
    bind(ps, params);
    List<Row> candidates = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        candidates.add(Row.of(rs));
      }
    }
    Load evalLoad = filter == null ? Load.NONE : new Load(mentions(filter, "members"), mentions(filter, "groups"));
    List<Keyed> matches = new ArrayList<>();
    for (Row row : candidates) {
      ObjectNode full = null;
      if (filter != null || sort != null) {
        StoredResource r = tx.resource(type, row, evalLoad);
        full = Docs.full(r.id(), r.meta(), r.attributes());
      }
      if (predicate != null && !predicate.test(full)) {
        continue;
      }
      JsonNode key = sort == null || full == null ? null : SortKeys.key(sort.path(), type, full);
      matches.add(new Keyed(row, key, full));
    }
    Comparator<Keyed> order =
        Comparator.comparing(Keyed::key, SortKeys.KEY_ORDER).thenComparingLong(k -> k.row().seq());
    if (sort != null && sort.descending()) {
      order = order.reversed();
    }
    matches.sort(order);
    long total = matches.size();
    if (q.count() == 0) {
      return new Page(total, List.of(), null, null);
    }
    if (q.cursor() == null) {
      int from = (int) Math.min(total, q.startIndex() - 1L);
      int to = (int) Math.min(total, (long) from + q.count());
      return new Page(total, resources(matches.subList(from, to), q.load()), null, null);
    }
    int from;
    int to;
    if (cursor == null) {
      from = 0;
      to = Math.min(matches.size(), q.count());
    } else {
      Keyed probe = new Keyed(new Row(cursor.seq(), "", 0, 0, 0, ""), cursor.key(), null);
      int firstAfter = 0;
      while (firstAfter < matches.size() && order.compare(matches.get(firstAfter), probe) <= 0) {
        firstAfter++;
      }
      if (cursor.forward()) {
        from = firstAfter;
        to = Math.min(matches.size(), from + q.count());
      } else {
        int lastBefore = firstAfter; // exclusive end of the rows strictly before the probe
        while (lastBefore > 0 && order.compare(matches.get(lastBefore - 1), probe) >= 0) {
          lastBefore--;
        }
        to = lastBefore;
        from = Math.max(0, to - q.count());
      }
    }
    List<Keyed> rows = matches.subList(from, to);
    return cursorPage(total, rows, to < matches.size(), from > 0 && !rows.isEmpty(), q.load(), fingerprint);
  }

  private static boolean mentions(Filter f, String attribute) {
    return switch (f) {
      case Filter.Compare c -> c.path().attribute().equals(attribute);
      case Filter.Present p -> p.path().attribute().equals(attribute);
      case Filter.And a -> mentions(a.left(), attribute) || mentions(a.right(), attribute);
      case Filter.Or o -> mentions(o.left(), attribute) || mentions(o.right(), attribute);
      case Filter.Not n -> mentions(n.inner(), attribute);
      case Filter.ValuePath v -> v.path().attribute().equals(attribute);
    };
  }

  // ---------------------------------------------------------------- shared

  private Page cursorPage(
      long total, List<Keyed> rows, boolean hasNext, boolean hasPrev, Load load, int fingerprint)
      throws SQLException {
    String next = null;
    String prev = null;
    if (!rows.isEmpty()) {
      Keyed last = rows.get(rows.size() - 1);
      Keyed first = rows.get(0);
      next = hasNext ? new Cursor(true, last.key(), last.row().seq(), fingerprint).encode() : null;
      prev = hasPrev ? new Cursor(false, first.key(), first.row().seq(), fingerprint).encode() : null;
    }
    return new Page(total, resources(rows, load), next, prev);
  }

  private List<StoredResource> resources(List<Keyed> rows, Load load) throws SQLException {
    List<StoredResource> out = new ArrayList<>(rows.size());
    Map<String, ArrayNode> groups = null;
    if (load.groups() && rows.size() > 1) {
      List<String> ids = new ArrayList<>(rows.size());
      for (Keyed k : rows) {
        ids.add(k.row().id());
      }
      groups = tx.groupsJson(ids);
    }
    for (Keyed k : rows) {
      out.add(tx.resource(type, k.row(), load, groups));
    }
    return out;
  }

  private static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      Object p = params.get(i);
      if (p instanceof Long l) {
        ps.setLong(i + 1, l);
      } else if (p instanceof Integer n) {
        ps.setInt(i + 1, n);
      } else {
        ps.setString(i + 1, (String) p);
      }
    }
  }
}
