package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.Filter;
import io.scimd.core.filter.FilterEvaluator;
import io.scimd.core.schema.ResourceType;
import io.scimd.store.Load;
import io.scimd.store.Page;
import io.scimd.store.Query;
import io.scimd.store.ScanLimits;
import io.scimd.store.StoredResource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Answers one {@link Query}. Two paths, chosen per query:
 *
 * <ul>
 *   <li><b>SQL</b>, when the whole filter translates exactly ({@link FilterSql}) and the sort is on
 *       a column: the database counts, orders and pages (OFFSET/LIMIT, or keyset for cursors); only
 *       the page's rows are read.
 *   <li><b>Evaluated</b>, otherwise: the translatable conjuncts narrow the candidates by index, and
 *       the database counts them first: beyond {@link ScanLimits#maxCandidates} the query is
 *       refused ({@code tooMany}) before any is read, and beyond {@link ScanLimits#FREE_CANDIDATES}
 *       it needs one of the node's few evaluation permits. The candidates are then streamed ({@link
 *       Dialect#scan}), never held: the core evaluator decides each one, and only the sort keys and
 *       {@code seq} of the best matches stay, in a heap of at most {@code startIndex - 1 + count}
 *       (index paging) or {@code count + 1} (cursor paging). The page's rows are read again by
 *       {@code seq} at the end. Memory is so bounded by the page, not the directory; time by the
 *       candidate limit. Members and groups are loaded for the evaluation only when the filter
 *       names them.
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
  private record Keyed(Row row, @Nullable JsonNode key) {}

  Page run(Query q) throws SQLException {
    Filter filter = q.filter();
    // Compiling validates: a bad filter fails even when no resource would be evaluated.
    Predicate<ObjectNode> predicate = filter == null ? null : FilterEvaluator.compile(filter, type);
    SortKeys.Resolved sort = q.sort() == null ? null : SortKeys.resolve(q.sort(), type);
    FilterSql.Tr tr =
        filter == null
            ? new FilterSql.Tr(null, true)
            : new FilterSql(type, isGroup).translate(filter);
    // Only cursor paging needs it, and it prints the whole filter: not for every userName lookup.
    // The tenant is part of it: a cursor of one tenant is refused by every other.
    int fingerprint =
        q.cursor() == null
            ? 0
            : Objects.hash(
                tx.tenant(), type.name(), String.valueOf(filter), String.valueOf(q.sort()));
    Cursor cursor =
        q.cursor() == null || q.cursor().isEmpty() ? null : Cursor.decode(q.cursor(), fingerprint);
    if (cursor != null && sort != null && sort.column() != null) {
      cursor.checkKey(sort.numericColumn());
    }
    boolean sqlPath = tr.exact() && (sort == null || sort.column() != null);
    return sqlPath
        ? new SqlPath(tr.sql(), sort, fingerprint).page(q, cursor)
        // An exact translation selects the matches itself: the evaluator has nothing to decide.
        : evaluated(q, filter, tr.exact() ? null : predicate, tr.sql(), sort, fingerprint, cursor);
  }

  /** How many rows of the type {@code where} selects (all of them when null). */
  private long count(FilterSql.@Nullable Sql where) throws SQLException {
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
    Conn.bind(ps, params);
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
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
        hasPrev =
            cursor != null
                && !rows.isEmpty()
                && !select(edge(rows.get(0), false), false, 1, 0).isEmpty();
      } else {
        Collections.reverse(rows);
        hasPrev = more;
        hasNext =
            !rows.isEmpty() && !select(edge(rows.get(rows.size() - 1), true), true, 1, 0).isEmpty();
      }
      return cursorPage(total, rows, hasNext, hasPrev, q.load(), fingerprint);
    }

    private Cursor edge(Keyed k, boolean forward) {
      return new Cursor(forward, k.key(), k.row().seq(), fingerprint);
    }

    private long count() throws SQLException {
      return QueryRunner.this.count(where);
    }

    /**
     * Rows in display order after {@code from} ({@code forward}) or in reverse display order before
     * it, at most {@code limit}, skipping {@code offset}.
     */
    private List<Keyed> select(@Nullable Cursor from, boolean forward, int limit, long offset)
        throws SQLException {
      StringBuilder sql = new StringBuilder("SELECT " + Row.COLUMNS);
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
      sql.append(where != null && column == null ? "(r.seq + 0)" : "r.seq")
          .append(dir)
          .append(" LIMIT ? OFFSET ?");
      params.add(limit);
      params.add(offset);
      PreparedStatement ps = c.ps(sql.toString());
      Conn.bind(ps, params);
      List<Keyed> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          JsonNode key = null;
          if (column != null) {
            Object v = rs.getObject(7);
            key =
                v == null
                    ? null
                    : v instanceof Number n
                        ? LongNode.valueOf(n.longValue())
                        : TextNode.valueOf(v.toString());
          }
          out.add(new Keyed(Row.of(rs), key));
        }
      }
      return out;
    }

    /**
     * Rows strictly after (ascending) or before (descending) the cursor's (key, seq) in ascending
     * order.
     */
    private String keyset(Cursor from, boolean after, List<Object> params) {
      if (column == null) {
        params.add(from.seq());
        return after ? "r.seq > ?" : "r.seq < ?";
      }
      Object k =
          from.key() == null
              ? null
              : from.key().isNumber() ? (Object) from.key().asLong() : from.key().asText();
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

  /** A match as the evaluated path keeps it: its sort key and {@code seq}, not its row. */
  private record Ranked(@Nullable JsonNode key, long seq) {}

  /**
   * @param predicate null when the narrowing selects exactly the matches (only the sort is in
   *     memory)
   */
  private Page evaluated(
      Query q,
      @Nullable Filter filter,
      @Nullable Predicate<ObjectNode> predicate,
      FilterSql.@Nullable Sql narrowing,
      SortKeys.@Nullable Resolved sort,
      int fingerprint,
      @Nullable Cursor cursor)
      throws SQLException {
    long candidates = count(narrowing);
    if (q.count() == 0 && predicate == null) {
      return new Page(candidates, List.of(), null, null);
    }
    Comparator<Ranked> order =
        Comparator.comparing(Ranked::key, SortKeys.KEY_ORDER).thenComparingLong(Ranked::seq);
    if (sort != null && sort.descending()) {
      order = order.reversed();
    }
    Load evalLoad =
        predicate == null || filter == null
            ? Load.NONE
            : new Load(mentions(filter, "members"), mentions(filter, "groups"));
    Scan scan;
    try (ScanLimits.Permit permit = q.limits().admit(candidates)) {
      scan = new Scan(q, predicate, evalLoad, sort, order, cursor, candidates);
      StringBuilder sql =
          new StringBuilder(
              "SELECT " + Row.COLUMNS + " FROM resources r WHERE r.tenant = ? AND r.type = ?");
      List<Object> params = new ArrayList<>(List.of(tx.tenant(), type.name()));
      if (narrowing != null) {
        sql.append(" AND ").append(narrowing.text());
        params.addAll(narrowing.params());
      }
      // No ORDER BY: the heap orders, so the database may read the candidates as it likes.
      tx.dialect().scan(c, sql.toString(), params, scan);
    }
    if (q.count() == 0) {
      return new Page(scan.total, List.of(), null, null);
    }
    boolean backward = cursor != null && !cursor.forward();
    List<Ranked> kept = scan.least.inOrder();
    if (backward) {
      kept = kept.reversed(); // the greatest before the position, back in display order
    }
    if (q.cursor() == null) {
      int from = (int) Math.min(kept.size(), q.startIndex() - 1L);
      return new Page(
          scan.total, resources(rows(kept.subList(from, kept.size())), q.load()), null, null);
    }
    boolean more = kept.size() > q.count();
    List<Ranked> page =
        !more ? kept : backward ? kept.subList(1, kept.size()) : kept.subList(0, q.count());
    boolean hasNext = backward ? scan.after : more;
    boolean hasPrev = backward ? more : scan.before;
    return cursorPage(scan.total, rows(page), hasNext, hasPrev, q.load(), fingerprint);
  }

  /**
   * Decides each candidate as it is read and keeps what the page needs: the matches a page is taken
   * from are all of them (index paging, the first {@code startIndex - 1 + count} kept), or those
   * after the cursor's position (the first {@code count + 1}, one more telling whether a next page
   * exists), or those before it (the last {@code count + 1}).
   */
  private final class Scan implements Dialect.RowSink {
    private final @Nullable Predicate<ObjectNode> predicate;
    private final Load evalLoad;
    private final SortKeys.@Nullable Resolved sort;
    private final Comparator<Ranked> order;
    private final @Nullable Ranked probe;
    private final boolean backward;
    final Least least;
    long total;
    boolean before; // a match lies before the cursor's position (or at it, going forward)
    boolean after; // a match lies after it (or at it, going backward)

    Scan(
        Query q,
        @Nullable Predicate<ObjectNode> predicate,
        Load evalLoad,
        SortKeys.@Nullable Resolved sort,
        Comparator<Ranked> order,
        @Nullable Cursor cursor,
        long candidates) {
      this.predicate = predicate;
      this.evalLoad = evalLoad;
      this.sort = sort;
      this.order = order;
      this.probe = cursor == null ? null : new Ranked(cursor.key(), cursor.seq());
      this.backward = cursor != null && !cursor.forward();
      long keep =
          q.cursor() == null
              ? Math.min(candidates, q.startIndex() - 1L + q.count())
              : q.count() + 1L;
      this.least = new Least(q.count() == 0 ? 0 : (int) keep, backward ? order.reversed() : order);
    }

    @Override
    public void accept(ResultSet rs) throws SQLException {
      Row row = Row.of(rs);
      ObjectNode full = null;
      if (predicate != null || sort != null) {
        StoredResource r = tx.resource(type, row, evalLoad);
        full = Docs.withIdAndMeta(r.attributes(), r.id(), r.meta()); // ours: no copy needed
      }
      if (predicate != null && !predicate.test(full)) {
        return;
      }
      total++;
      Ranked m =
          new Ranked(
              sort == null || full == null ? null : SortKeys.key(sort.path(), type, full),
              row.seq());
      if (probe != null) {
        int side = order.compare(m, probe);
        boolean afterProbe = backward ? side >= 0 : side > 0;
        after |= afterProbe;
        before |= !afterProbe;
        if (afterProbe == backward) {
          return; // on the other side of the position from the page
        }
      }
      least.offer(m);
    }
  }

  /**
   * Most bytes the kept sort keys of one query may take (about 64 bytes a match plus two a
   * character of its key): a deep page ({@code startIndex} 100,000) of short keys takes a few MB,
   * and keys of many kilobytes (a 1 MiB {@code title}) are refused rather than fill the heap.
   */
  private static final long MAX_KEPT_BYTES = 32L << 20;

  /** The {@code n} least of the elements offered, under {@code order}, in a heap of at most n. */
  private static final class Least {
    private final int n;
    private final Comparator<Ranked> order;
    private final PriorityQueue<Ranked> heap; // the greatest kept on top, to be replaced first
    private long bytes;

    Least(int n, Comparator<Ranked> order) {
      this.n = n;
      this.order = order;
      this.heap = new PriorityQueue<>(Math.min(Math.max(n, 1), 1024), order.reversed());
    }

    void offer(Ranked m) {
      if (n == 0) {
        return;
      }
      if (heap.size() < n) {
        heap.add(m);
        bytes += bytes(m);
      } else if (order.compare(m, heap.peek()) < 0) {
        bytes -= bytes(heap.poll());
        heap.add(m);
        bytes += bytes(m);
      }
      if (bytes > MAX_KEPT_BYTES) {
        throw ScimException.tooMany(
            "the sort keys this page needs take more than "
                + (MAX_KEPT_BYTES >> 20)
                + " MB in a sort no index answers: ask for an earlier page (a smaller startIndex,"
                + " or cursor paging, RFC 9865) or a smaller count, or narrow the filter");
      }
    }

    List<Ranked> inOrder() {
      List<Ranked> out = new ArrayList<>(heap);
      out.sort(order);
      return out;
    }

    private static long bytes(Ranked m) {
      JsonNode k = m.key();
      return 64L + (k != null && k.isTextual() ? 2L * k.textValue().length() : 0);
    }
  }

  /** Rows read by seq per statement of {@link #rows}: padded, so one statement text serves all. */
  private static final int ROWS_BATCH = 100;

  /**
   * The rows of {@code ranked}, in its order. A read sees one snapshot, so all are there; a write
   * on PostgreSQL reads at READ COMMITTED, where another node may have deleted one since the scan:
   * it is then left out, as a later query would.
   */
  private List<Keyed> rows(List<Ranked> ranked) throws SQLException {
    StringBuilder in = new StringBuilder();
    for (int i = 0; i < ROWS_BATCH; i++) {
      in.append(i == 0 ? "?" : ", ?");
    }
    PreparedStatement ps =
        c.ps(
            "SELECT "
                + Row.COLUMNS
                + " FROM resources r WHERE r.tenant = ? AND r.type = ? AND r.seq IN ("
                + in
                + ")");
    Map<Long, Row> bySeq = new HashMap<>();
    for (int from = 0; from < ranked.size(); from += ROWS_BATCH) {
      List<Ranked> chunk = ranked.subList(from, Math.min(ranked.size(), from + ROWS_BATCH));
      ps.setString(1, tx.tenant());
      ps.setString(2, type.name());
      for (int i = 0; i < ROWS_BATCH; i++) {
        if (i < chunk.size()) {
          ps.setLong(3 + i, chunk.get(i).seq());
        } else {
          ps.setNull(3 + i, Types.BIGINT); // IN (..., NULL) matches nothing more
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Row row = Row.of(rs);
          bySeq.put(row.seq(), row);
        }
      }
    }
    List<Keyed> out = new ArrayList<>(ranked.size());
    for (Ranked m : ranked) {
      Row row = bySeq.get(m.seq());
      if (row != null) {
        out.add(new Keyed(row, m.key()));
      }
    }
    return out;
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
      prev =
          hasPrev ? new Cursor(false, first.key(), first.row().seq(), fingerprint).encode() : null;
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
}
