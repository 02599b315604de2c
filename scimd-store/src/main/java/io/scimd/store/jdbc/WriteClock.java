package io.scimd.store.jdbc;

/**
 * Where a write transaction takes its {@code meta.created}/{@code meta.lastModified} from: epoch
 * microseconds, strictly increasing across every write the database sees (SQLite: {@link
 * MicroClock}, one process; PostgreSQL: the {@code clocks} row, every node).
 */
interface WriteClock {
  long next();
}
