package io.scimd.store.jdbc;

/**
 * Lends connections: a reader's inside a read transaction, the writer's inside a write transaction.
 * What the JDBC store's parts ({@link JdbcCredentials}) share with the store that owns the
 * connections.
 */
interface ConnRunner {
  <T> T inRead(SqlWork<T> work);

  <T> T inWrite(SqlWork<T> work);
}
