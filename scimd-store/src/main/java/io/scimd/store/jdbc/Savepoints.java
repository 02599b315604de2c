package io.scimd.store.jdbc;

import static io.scimd.store.jdbc.JdbcTx.sql;

import io.scimd.store.jdbc.JdbcTx.SqlCall;
import java.sql.SQLException;

/**
 * The savepoints of one transaction: a body run in one either stays part of the transaction or,
 * when it fails, is undone while the transaction goes on (on PostgreSQL too, where a failed
 * statement aborts the transaction). Savepoints nest; each open one is named by its depth, so the
 * names are unique among the open ones and their few statements stay prepared.
 */
final class Savepoints {
  private final Conn c;
  private int open; // how many are open

  Savepoints(Conn c) {
    this.c = c;
  }

  /**
   * Runs {@code body} in a savepoint: a failure undoes what it wrote, then goes on to the caller.
   */
  <T> T run(SqlCall<T> body) {
    String name = "scimd_sp" + (open + 1);
    return sql(
        () -> {
          c.exec("SAVEPOINT " + name);
          open++;
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
            open--;
          }
        });
  }
}
