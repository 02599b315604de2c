package io.scimd.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * One row of {@code resources} as queries read it ({@code seq, id, version, created, last_modified,
 * doc}).
 */
record Row(long seq, String id, long version, long created, long lastModified, String doc) {
  /** The columns {@link #of} reads, in its order, of {@code resources} as {@code r}. */
  static final String COLUMNS = "r.seq, r.id, r.version, r.created, r.last_modified, r.doc";

  static Row of(ResultSet rs) throws SQLException {
    return new Row(
        rs.getLong(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getLong(4),
        rs.getLong(5),
        rs.getString(6));
  }
}
