package io.scimd.store;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The store contract: SCIM resources, their group memberships, the change journal (hash-chained:
 * the audit trail), the server's credentials, its tenants and the client rate totals its nodes
 * share, in a relational database. One {@link #write} is one database transaction: it commits when
 * the work returns and rolls back, leaving nothing behind, when it throws. Every change a write
 * makes is appended to the change journal in that same transaction ({@link JournalEntry}), so the
 * journal holds exactly the committed changes.
 *
 * <p>Reads and writes run in a {@link Scope}: every statement is confined to its tenant, and the
 * journal records its principal and request. A write to a tenant that does not exist ({@link
 * #tenants}) fails with 404 before it changes anything; a read of one finds nothing.
 *
 * <p>Implementations are thread-safe. A write that returned is durable.
 */
public interface Store extends AutoCloseable {

  <T> T read(Scope scope, Function<StoreReader, T> work);

  /**
   * A {@link #read} whose work sends what it reads on instead of returning it: a response written
   * to the client as the rows come, all from the one snapshot of this read.
   */
  default void reading(Scope scope, Consumer<StoreReader> work) {
    read(
        scope,
        r -> {
          work.accept(r);
          return Boolean.TRUE;
        });
  }

  <T> T write(Scope scope, Function<StoreTx, T> work);

  /**
   * The seq of the last committed entry of {@code tenant}'s journal, 0 when it has none: one
   * statement outside any transaction (an index probe), so that a node holding a copy of the tenant
   * ({@code io.scimd.access}'s index) can ask before every use whether any node has changed it. A
   * write that returned on any node is counted; entries are numbered in commit order, so every
   * entry up to this one can be read ({@link StoreReader#journal}).
   */
  default long journalHead(String tenant) {
    return read(Scope.system(tenant, "journal-head"), StoreReader::journalHead);
  }

  Credentials credentials();

  /** The audit trail: the hash-chained journal as stored, its signed checkpoints, pruning. */
  AuditTrail audit();

  /** The OAuth authorization server's shared state: signing keys, used client assertions. */
  OAuthRecords oauth();

  /** The store's tenants: the directories a {@link Scope} may name. */
  Tenants tenants();

  /** The provisioning hub's targets, delivery cursors, dead letters and remote ids. */
  HubRecords hub();

  /** The access model's applications: their roles, rules and claim names. */
  AccessRecords access();

  /** The client rate limit totals that the nodes on this store exchange. */
  RateUsage rateUsage();

  /**
   * Whether the database answers a trivial query within about {@link #HEALTH_TIMEOUT_MS}
   * milliseconds: what {@code GET /health} reports. Never throws; false once closed. Cheap: one
   * round trip on a pooled connection, nothing cached.
   */
  boolean healthy();

  /**
   * The database schema's migrations as applied, for the startup summary: how many and the newest
   * version, e.g. {@code 14 migrations, schema version 14}; {@code unknown} when the store cannot
   * tell. Never throws.
   */
  default String migrations() {
    return "unknown";
  }

  /**
   * Lets the store's connection pool report its figures (connections active, idle, pending, and how
   * long a connection took) to {@code meterRegistry}, a Micrometer {@code MeterRegistry}: typed as
   * Object so that the store needs no metrics library to compile. A store without a pool (SQLite)
   * ignores it.
   */
  default void reportPoolTo(Object meterRegistry) {}

  /** The longest {@link #healthy} waits for a connection and its answer. */
  long HEALTH_TIMEOUT_MS = 2_000;

  @Override
  void close();
}
