package io.scimd.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
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
  public String forDelete() {
    return " FOR UPDATE";
  }

  @Override
  public String insertTenantClock() {
    // A name created again continues its journal (the entries stay) and its clock after them. The
    // last entry by seq has the latest time too (both follow the clock row's order): two primary
    // key probes, however long the journal.
    return "INSERT INTO clocks (tenant, micros, journal_seq) VALUES (?,"
        + " COALESCE((SELECT at FROM journal WHERE tenant = ? ORDER BY seq DESC LIMIT 1), 0),"
        + " COALESCE((SELECT MAX(seq) FROM journal WHERE tenant = ?), 0))"
        + " ON CONFLICT (tenant) DO NOTHING";
  }

  @Override
  public String lockTenantClock() {
    return "SELECT micros FROM clocks WHERE tenant = ? FOR UPDATE";
  }

  @Override
  public String deleteTenantClock() {
    return "DELETE FROM clocks WHERE tenant = ?";
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

  /** Rows per FETCH: 64 rows of documents up to 1 MiB (maxPayloadSize) stay far below the heap. */
  private static final int FETCH_ROWS = 64;

  @Override
  public void scan(Conn c, String select, List<Object> params, RowSink each) throws SQLException {
    // pgjdbc reads a whole result into memory unless the connection is in its own autocommit-off
    // mode, and the store drives transactions with explicit BEGIN instead: a server-side cursor,
    // fetched a few rows at a time, keeps the memory bounded. It lives until CLOSE or the end of
    // the transaction; only one scan runs at a time on a connection, so one name serves.
    PreparedStatement declare = c.ps("DECLARE scimd_scan NO SCROLL CURSOR FOR " + select);
    Conn.bind(declare, params);
    declare.execute();
    try {
      PreparedStatement fetch = c.ps("FETCH FORWARD " + FETCH_ROWS + " FROM scimd_scan");
      int fetched;
      do {
        fetched = 0;
        try (ResultSet rs = fetch.executeQuery()) {
          while (rs.next()) {
            fetched++;
            each.accept(rs);
          }
        }
      } while (fetched == FETCH_ROWS);
    } catch (SQLException e) {
      throw e; // the transaction is aborted: CLOSE would fail too, and the rollback ends the cursor
    } catch (RuntimeException | Error e) {
      // A refusal (400 tooMany) ends today's callers' read transactions anyway; close the cursor so
      // that a caller that goes on in the same transaction can scan again.
      c.exec("CLOSE scimd_scan");
      throw e;
    }
    c.exec("CLOSE scimd_scan");
  }

  @Override
  public String nextJournalEntry() {
    // The tenant's clocks row, which the write holds until commit: numbers in commit order (V3).
    // The write took that lock with its first clock tick, before this statement, so at READ
    // COMMITTED the statement's snapshot already holds every entry committed before it, the one
    // numbered one less among them.
    return "UPDATE clocks SET journal_seq = journal_seq + 1 WHERE tenant = ? RETURNING journal_seq,"
        + " (SELECT j.hash FROM journal j WHERE j.tenant = clocks.tenant AND j.seq = clocks.journal_seq - 1)";
  }

  @Override
  public String appendJournal() {
    // As nextJournalEntry, with the INSERT in a CTE: one round trip per entry. The counter moves
    // only when the entry it last gave is the expected end, so a miss takes no number; the join
    // finds that same entry again (one snapshot) for prev_hash.
    return "WITH next AS (UPDATE clocks SET journal_seq = journal_seq + 1 WHERE tenant = ? AND journal_seq = ?"
        + " AND EXISTS (SELECT 1 FROM journal j WHERE j.tenant = clocks.tenant AND j.seq = clocks.journal_seq"
        + " AND j.hash = ?) RETURNING tenant, journal_seq)"
        + " INSERT INTO journal (tenant, seq, at, principal, principal_name, source, request_id, resource_type,"
        + " resource_id, kind, change, prev_hash, hash) SELECT n.tenant, n.journal_seq, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        + " j.hash, ? FROM next n JOIN journal j ON j.tenant = n.tenant AND j.seq = n.journal_seq - 1";
  }

  @Override
  public String journalCounter() {
    return "SELECT journal_seq FROM clocks WHERE tenant = ?";
  }

  @Override
  public String lockJournal() {
    return "SELECT journal_seq FROM clocks WHERE tenant = ? FOR UPDATE";
  }

  @Override
  public boolean isUniqueViolation(SQLException e) {
    return "23505".equals(e.getSQLState()); // unique_violation
  }
}
