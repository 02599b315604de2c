package io.scimd.store;

import io.scimd.core.error.ScimException;
import java.sql.SQLException;

/** Maps a database failure that is no constraint violation to what the caller can act on. */
final class JdbcFailures {
  private JdbcFailures() {}

  static RuntimeException of(SQLException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("SQLITE_BUSY") || m.contains("database is locked")) {
      return ScimException.unavailable("the database is busy: retry the request");
    }
    return new IllegalStateException("database failure: " + m, e);
  }
}
