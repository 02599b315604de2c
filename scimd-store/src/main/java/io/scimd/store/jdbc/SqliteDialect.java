package io.scimd.store.jdbc;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/** SQLite's side of {@link Dialect}. */
final class SqliteDialect implements Dialect {
  /**
   * Without statistics SQLite prefers scanning the tenant's entries by number, which yields them in
   * the order asked for, to any index whose rows each need a lookup of the entry (every query that
   * reads the change does): one resource's history then read the tenant's whole journal, about a
   * second over a million entries, where the index takes well under a millisecond
   * (docs/benchmarks.md, access history).
   */
  @Override
  public String journal(String index) {
    return "journal j INDEXED BY " + index;
  }

  @Override
  public String migrations() {
    return "classpath:db/migration/sqlite";
  }

  @Override
  public String beginWrite() {
    // IMMEDIATE takes the single write lock up front, so a transaction never fails half-way with
    // SQLITE_BUSY on upgrading a read lock; other processes wait on busy_timeout.
    return "BEGIN IMMEDIATE";
  }

  @Override
  public String beginRead() {
    return "BEGIN DEFERRED";
  }

  @Override
  public String forUpdate() {
    return ""; // the single writer already excludes every other writer
  }

  @Override
  public String forKeyShare() {
    return "";
  }

  @Override
  public String forDelete() {
    return "";
  }

  @Override
  public @Nullable String insertTenantClock() {
    return null;
  }

  @Override
  public @Nullable String lockTenantClock() {
    return null;
  }

  @Override
  public @Nullable String deleteTenantClock() {
    return null;
  }

  @Override
  public @Nullable String lockNesting() {
    return null; // one writer: nesting checks cannot interleave
  }

  @Override
  public String docParam() {
    return "?";
  }

  @Override
  public String insertMember() {
    // Only one writer exists, so MAX(seq)+1 within the group (an index probe on members_in_order)
    // cannot race.
    return "INSERT INTO members (tenant, group_id, member_id, member_type, display, seq) VALUES (?1, ?2, ?3, ?4, ?5,"
        + " COALESCE((SELECT MAX(seq) FROM members WHERE tenant = ?1 AND group_id = ?2), 0) + 1)"
        + " ON CONFLICT DO NOTHING";
  }

  @Override
  public String countOfType() {
    // Kept by the triggers of V4__resource_counts.sql; no row yet means none.
    return "SELECT COALESCE((SELECT n FROM resource_counts WHERE tenant = ? AND type = ?), 0)";
  }

  @Override
  public String nextJournalEntry() {
    // One writer: MAX(seq) + 1, an index probe of the primary key, cannot race. With a single
    // MAX(), SQLite takes the bare column (hash) from the row that holds the maximum: the same
    // probe, and one row (1, NULL) for an empty journal.
    return "SELECT COALESCE(MAX(seq), 0) + 1, hash FROM journal WHERE tenant = ?";
  }

  @Override
  public String appendJournal() {
    // One writer, as nextJournalEntry: the expected end must be the entry with the highest number,
    // two probes of the primary key, and the new entry takes the number after it.
    return "INSERT INTO journal (tenant, seq, at, principal, principal_name, source, request_id, resource_type,"
        + " resource_id, kind, change, prev_hash, hash)"
        + " SELECT ?1, ?2 + 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?3, ?13 FROM journal"
        + " WHERE tenant = ?1 AND seq = ?2 AND hash = ?3"
        + " AND seq = (SELECT MAX(seq) FROM journal WHERE tenant = ?1)";
  }

  @Override
  public @Nullable String lockJournal() {
    return null; // BEGIN IMMEDIATE: the one writer
  }

  @Override
  public void scan(Conn c, String select, List<Object> params, RowSink each) throws SQLException {
    // The driver steps the statement as the result set is read: one row in memory at a time.
    PreparedStatement ps = c.ps(select);
    Conn.bind(ps, params);
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        each.accept(rs);
      }
    }
  }

  @Override
  public boolean isUniqueViolation(SQLException e) {
    if (e instanceof SQLiteException se) {
      SQLiteErrorCode code = se.getResultCode();
      if (code == SQLiteErrorCode.SQLITE_CONSTRAINT_PRIMARYKEY
          || code == SQLiteErrorCode.SQLITE_CONSTRAINT_UNIQUE) {
        return true;
      }
    }
    // Without extended result codes only the message tells a unique key from a NOT NULL or CHECK.
    String m = e.getMessage();
    return m != null && (m.contains("UNIQUE constraint failed") || m.contains("PRIMARY KEY"));
  }
}
