package io.scimd.store.jdbc;

import io.scimd.core.error.ScimException;
import io.scimd.store.StoreFailure;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.jspecify.annotations.Nullable;

/** Maps a database failure that is no constraint violation to what the caller can act on. */
final class JdbcFailures {
  private JdbcFailures() {}

  /**
   * A transaction the database aborted so that another could go on (PostgreSQL: a serialization
   * failure or a deadlock); the whole transaction may be run again.
   */
  static final class Transient extends IllegalStateException {
    Transient(SQLException e) {
      super("transaction aborted by the database (" + e.getSQLState() + "): " + e.getMessage(), e);
    }
  }

  static RuntimeException of(SQLException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("SQLITE_BUSY") || m.contains("database is locked")) {
      return ScimException.unavailable("the database is busy: retry the request");
    }
    String state = e.getSQLState();
    if ("22021".equals(state) || "22P05".equals(state)) {
      // PostgreSQL: character_not_in_repertoire, untranslatable_character. Text and jsonb cannot
      // hold U+0000; it comes from the client, so it is the client's to fix (RFC 7644 §3.12).
      return ScimException.invalidValue(
          "a value contains the character U+0000 (NUL), which cannot be stored or searched for:"
              + " remove it");
    }
    if (isTransient(state)) {
      return new Transient(e);
    }
    if (e instanceof SQLTransientConnectionException
        || (state != null
            && (state.startsWith("08") || state.startsWith("57") || state.equals("55P03")))) {
      // No connection in time, a lost connection, a statement or lock timeout, a session the
      // server or its administrator ended (PostgreSQL's class 57: 57P01 admin_shutdown and the
      // like): the request may succeed later; nothing of it was committed.
      return ScimException.unavailable("the database is unavailable or busy: retry the request");
    }
    // Not an IllegalStateException: the admin API reads those as conflicts (409) and shows their
    // message, which here would be the database's.
    return new StoreFailure("database failure: " + m, e);
  }

  /** 40001 serialization_failure, 40P01 deadlock_detected (PostgreSQL's class 40). */
  static boolean isTransient(@Nullable String sqlState) {
    return "40001".equals(sqlState) || "40P01".equals(sqlState);
  }

  /** Whether {@code t} or one of its causes says the transaction may simply be run again. */
  static boolean isTransient(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof Transient
          || (c instanceof SQLException se && isTransient(se.getSQLState()))) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }
}
