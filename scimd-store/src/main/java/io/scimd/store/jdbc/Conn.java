package io.scimd.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JDBC connection with its prepared statements, each prepared once and reused (SQLite compiles
 * a statement on prepare; the hot lookups must not pay that per call). Not thread-safe: a
 * connection belongs to one borrower at a time.
 */
final class Conn implements AutoCloseable {
  private static final int MAX_CACHED = 128;

  final Connection jdbc;
  private final Map<String, PreparedStatement> cache =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
          if (size() > MAX_CACHED) {
            closeQuietly(eldest.getValue());
            return true;
          }
          return false;
        }
      };

  /** Test seam: sees the SQL of every statement used (for EXPLAIN QUERY PLAN checks). */
  volatile java.util.function.@org.jspecify.annotations.Nullable Consumer<String> observer;

  Conn(Connection jdbc) {
    this.jdbc = jdbc;
  }

  /** The prepared statement for {@code sql}, its parameters cleared. */
  PreparedStatement ps(String sql) throws SQLException {
    var o = observer;
    if (o != null) {
      o.accept(sql);
    }
    PreparedStatement ps = cache.get(sql);
    if (ps == null || ps.isClosed()) {
      ps = jdbc.prepareStatement(sql);
      cache.put(sql, ps);
    } else {
      ps.clearParameters();
    }
    return ps;
  }

  /**
   * Runs a statement without parameters or results, prepared once like {@link #ps}: BEGIN and
   * ROLLBACK run twice per request, and preparing them each time was most of their cost.
   */
  void exec(String sql) throws SQLException {
    ps(sql).execute();
  }

  /** Binds {@code params} (Long, Integer or String, in order) to {@code ps}. */
  static void bind(PreparedStatement ps, List<Object> params) throws SQLException {
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

  @Override
  public void close() {
    cache.values().forEach(Conn::closeQuietly);
    cache.clear();
    try {
      jdbc.close();
    } catch (SQLException e) {
      // closing: nothing left to protect
    }
  }

  private static void closeQuietly(PreparedStatement ps) {
    try {
      ps.close();
    } catch (SQLException e) {
      // an evicted statement: nothing to do
    }
  }
}
