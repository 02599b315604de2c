package io.scimd.store.jdbc;

import java.sql.SQLException;

/** Work on one borrowed connection. */
@FunctionalInterface
interface SqlWork<T> {
  T run(Conn c) throws SQLException;
}
