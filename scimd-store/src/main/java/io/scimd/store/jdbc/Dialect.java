package io.scimd.store.jdbc;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The SQL that differs between the databases the store runs on. Everything else the JDBC store
 * writes is SQL both SQLite (3.35+) and PostgreSQL accept: {@code RETURNING}, {@code ON CONFLICT DO
 * NOTHING}, recursive CTEs, {@code NULLS LAST}, savepoints.
 */
interface Dialect {

  /** The Flyway location of this database's migrations. */
  String migrations();

  /**
   * Starts a write transaction, taking the write lock at once (SQLite: {@code BEGIN IMMEDIATE}).
   */
  String beginWrite();

  /** Starts a read transaction: one consistent snapshot for the whole read. */
  String beginRead();

  /** Appended to a {@code SELECT} of one resource row to lock it until the transaction ends. */
  String forUpdate();

  /**
   * Appended to a {@code SELECT} of resource rows the transaction refers to (a group and the
   * members added to it): they cannot be deleted until it ends, but others may still update them or
   * refer to them too.
   */
  String forKeyShare();

  /**
   * Appended to a {@code SELECT} of a row the transaction will delete: it excludes every other lock
   * of the row until the transaction ends, {@link #forKeyShare} included.
   */
  String forDelete();

  /**
   * The statements on a tenant's own write clock, when the database keeps one (PostgreSQL's {@code
   * clocks} row; SQLite's one writer keeps its clock in memory): null each otherwise. {@code
   * insert} creates it for a new tenant (the tenant three times as parameters: the row, then the
   * journal it continues), {@code lock} locks it as a writer's first tick does (the tenant), and
   * {@code delete} removes it with the tenant (the tenant).
   */
  @Nullable String insertTenantClock();

  /** See {@link #insertTenantClock}. */
  @Nullable String lockTenantClock();

  /** See {@link #insertTenantClock}. */
  @Nullable String deleteTenantClock();

  /**
   * A statement (the tenant as its one parameter) that serialises, until the transaction ends, the
   * transactions that nest groups, so that two of them cannot each close half of a cycle; null when
   * transactions are serialised anyway.
   */
  @Nullable String lockNesting();

  /**
   * The parameter placeholder of the {@code doc} column ({@code ?}, or with a cast to its type).
   */
  String docParam();

  /**
   * Inserts one member row ({@code tenant, group_id, member_id, member_type, display} as
   * parameters), assigning its insertion-order {@code seq} and ignoring a row already there.
   */
  String insertMember();

  /**
   * A query of the number of resources of one type ({@code tenant, type} as parameters) that reads
   * a maintained count instead of every row; null when the database keeps none ({@code COUNT(*)}).
   */
  default @org.jspecify.annotations.Nullable String countOfType() {
    return null;
  }

  /**
   * A query (the tenant as its one parameter) of one row: the next change journal number of the
   * tenant, taken inside the writing transaction, and the hash of the entry numbered one less (null
   * when there is none or it has no hash yet), which the new entry chains to. The number stays
   * taken until the transaction ends, and comes back when it rolls back (to a savepoint too), so
   * the journal has no gaps ({@link Journal}). The entry is then inserted with a second statement:
   * {@link Journal} takes this path only when it does not know the chain's end ({@link
   * #appendJournal}).
   */
  String nextJournalEntry();

  /**
   * Appends one change journal entry after the chain end the caller expects, numbering it in the
   * same statement inside the writing transaction, as {@link #nextJournalEntry} does: one round
   * trip per entry. Its parameters are the tenant, the expected end's {@code seq} and {@code hash},
   * then the columns {@code at, principal, principal_name, source, request_id, resource_type,
   * resource_id, kind, change, hash} of the new entry, numbered one more and chained to that hash.
   * It inserts nothing, and takes no number, unless the tenant's journal ends at exactly that entry
   * (or when the tenant has no counter): the caller then falls back to {@link #nextJournalEntry}.
   */
  String appendJournal();

  /**
   * A statement (the tenant as its one parameter) that keeps the tenant's writers from appending to
   * the journal until the transaction ends, for work that rewrites the chain's end ({@link
   * JdbcAuditTrail#hashUnhashed}); null when transactions are serialised anyway.
   */
  @Nullable String lockJournal();

  /**
   * A query (the tenant as its one parameter) of the number the tenant's journal counter last gave,
   * where the database keeps one apart from the entries; null where the entries are the count.
   */
  default @Nullable String journalCounter() {
    return null;
  }

  /**
   * The journal aliased {@code j}, for a query that one of its indexes ({@code
   * journal_by_resource}, {@code journal_by_type}, {@code journal_by_principal}, {@code
   * journal_records}) answers: named where the database's planner would not pick that index by
   * itself.
   */
  default String journal(String index) {
    return "journal j";
  }

  /**
   * Runs {@code select} with {@code params} and hands its rows to {@code each} in order, holding a
   * bounded number of them in memory however many there are: how an in-memory evaluation reads its
   * candidates ({@link QueryRunner}). {@code each} may run other statements on {@code c}.
   */
  void scan(Conn c, String select, List<Object> params, RowSink each) throws SQLException;

  /** Receives one row of a {@link #scan}: the result set is positioned on it. */
  interface RowSink {
    void accept(ResultSet rs) throws SQLException;
  }

  /** True when the exception is a violated primary key or unique constraint. */
  boolean isUniqueViolation(SQLException e);
}
