package io.scimd.store;

import java.time.Duration;

/**
 * How the PostgreSQL store uses its database: the connection pool, the timeouts, the retries of
 * aborted transactions, and whether opening migrates the schema.
 *
 * @param maxPoolSize connections per node; all nodes together must stay below the server's {@code
 *     max_connections}
 * @param connectionTimeout how long a request waits for a connection (and opening for the first
 *     one) before it fails: 503 for a request, {@link IllegalStateException} on open
 * @param statementTimeout the longest one statement may run (PostgreSQL's {@code
 *     statement_timeout}); zero for no limit
 * @param maxAttempts how often a write transaction is run in all when the database aborts it with a
 *     serialization failure or a deadlock (at least 1)
 * @param migrate true to apply pending migrations on open; false to refuse to open a database that
 *     has any (they are then applied by a separate {@code scimd migrate})
 */
public record PoolSettings(
    int maxPoolSize,
    Duration connectionTimeout,
    Duration statementTimeout,
    int maxAttempts,
    boolean migrate) {

  public PoolSettings {
    if (maxPoolSize < 1) {
      throw new IllegalArgumentException("maxPoolSize must be at least 1, got " + maxPoolSize);
    }
    if (connectionTimeout.toMillis() < 250) {
      throw new IllegalArgumentException(
          "connectionTimeout must be at least 250ms (the pool's minimum), got "
              + connectionTimeout);
    }
    if (statementTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "statementTimeout must not be negative, got " + statementTimeout);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
  }

  /** 10 connections, 5s to get one, 30s per statement, 5 attempts, migrate on open. */
  public static PoolSettings defaults() {
    return new PoolSettings(10, Duration.ofSeconds(5), Duration.ofSeconds(30), 5, true);
  }

  public PoolSettings withMaxPoolSize(int n) {
    return new PoolSettings(n, connectionTimeout, statementTimeout, maxAttempts, migrate);
  }

  public PoolSettings withConnectionTimeout(Duration d) {
    return new PoolSettings(maxPoolSize, d, statementTimeout, maxAttempts, migrate);
  }

  public PoolSettings withStatementTimeout(Duration d) {
    return new PoolSettings(maxPoolSize, connectionTimeout, d, maxAttempts, migrate);
  }

  public PoolSettings withMaxAttempts(int n) {
    return new PoolSettings(maxPoolSize, connectionTimeout, statementTimeout, n, migrate);
  }

  public PoolSettings withMigrate(boolean m) {
    return new PoolSettings(maxPoolSize, connectionTimeout, statementTimeout, maxAttempts, m);
  }
}
