package io.scimd.store;

import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * PostgreSQL's side of {@link Dialect}. Writes run at READ COMMITTED with row locks: every
 * statement sees what other nodes committed before it, and the locks below make the few
 * read-then-write steps safe (docs/decisions/0005-store-on-postgresql.md).
 */
final class PostgresDialect implements Dialect {

  @Override
  public String migrations() {
    return "classpath:db/migration/postgresql";
  }

  @Override
  public String beginWrite() {
    return "BEGIN ISOLATION LEVEL READ COMMITTED";
  }

  @Override
  public String beginRead() {
    // One snapshot for the whole read: a count and its page agree even while other nodes write.
    return "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
  }

  @Override
  public String forUpdate() {
    // NO KEY UPDATE is the lock an UPDATE of non-key columns takes: it excludes other writers of
    // the row but not transactions that hold it FOR KEY SHARE (adding members to the group).
    return " FOR NO KEY UPDATE";
  }

  @Override
  public String forKeyShare() {
    return " FOR KEY SHARE";
  }

  @Override
  public @Nullable String lockNesting() {
    return "SELECT pg_advisory_xact_lock(hashtext('scimd.nesting:' || ?))";
  }

  @Override
  public String docParam() {
    return "CAST(? AS jsonb)";
  }

  @Override
  public String insertMember() {
    // seq is an identity column: no read of the group, no race between nodes.
    return "INSERT INTO members (tenant, group_id, member_id, member_type, display) VALUES (?, ?, ?, ?, ?)"
        + " ON CONFLICT DO NOTHING";
  }

  @Override
  public String countOfType() {
    // Kept by the statement triggers of V2__performance.sql; no row yet means none.
    return "SELECT COALESCE((SELECT n FROM resource_counts WHERE tenant = ? AND type = ?), 0)";
  }

  @Override
  public String nextJournalSeq() {
    // The tenant's clocks row, which the write holds until commit: numbers in commit order (V3).
    return "UPDATE clocks SET journal_seq = journal_seq + 1 WHERE tenant = ? RETURNING journal_seq";
  }

  @Override
  public boolean isUniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState()); // unique_violation
  }
}
