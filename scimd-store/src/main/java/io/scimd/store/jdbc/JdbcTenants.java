package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import io.scimd.store.Change;
import io.scimd.store.Query;
import io.scimd.store.Scope;
import io.scimd.store.StoredResource;
import io.scimd.store.Tenants;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The tenants in the {@code tenants} table, with what each holds read from the tables that hold it
 * ({@code resource_counts}, {@code credentials}).
 *
 * <p>Deleting a tenant and every write to it exclude each other: on SQLite through the single
 * writer, which also checks that the tenant exists on its first tick ({@link SqliteStore}); on
 * PostgreSQL through the tenant's {@code clocks} row, which every write locks on its first tick and
 * which the deletion locks first and deletes last, so a write that waited for it finds no clock and
 * fails. Creating a credential holds the tenant row ({@code FOR KEY SHARE}), which the deletion
 * locks against everyone ({@link Dialect#forDelete}).
 */
final class JdbcTenants implements Tenants {
  /** The principal that a forced deletion's journal entries name. */
  static final String DELETER = "tenant-delete";

  /** The principal of a tenant's creation in its journal. */
  static final String CREATOR = "tenant-create";

  /** The journal's resource type for a tenant's creation and deletion. */
  static final String TENANT = "Tenant";

  private static final int PAGE = 500;
  private static final String SELECT =
      "SELECT t.name, t.created,"
          + " COALESCE((SELECT SUM(n) FROM resource_counts k WHERE k.tenant = t.name), 0),"
          + " (SELECT COUNT(*) FROM credentials c WHERE c.tenant = t.name AND c.revoked IS NULL"
          + " AND (c.expires IS NULL OR c.expires > ?))"
          + " FROM tenants t";

  /** Runs a write transaction of the owning store with its {@link JdbcTx}. */
  interface TxWriter {
    <T> T write(Scope scope, Function<JdbcTx, T> work);
  }

  private final ConnRunner db;
  private final TxWriter writer;
  private final Dialect dialect;
  private final SchemaRegistry registry;
  private final InstantSource clock;

  JdbcTenants(
      ConnRunner db,
      TxWriter writer,
      Dialect dialect,
      SchemaRegistry registry,
      InstantSource clock) {
    this.db = db;
    this.writer = writer;
    this.dialect = dialect;
    this.registry = registry;
    this.clock = clock;
  }

  @Override
  public Optional<Tenant> create(String name) {
    Tenants.checkName(name);
    long created = Docs.micros(clock.instant());
    return writer.write(
        Scope.system(name, CREATOR),
        tx ->
            JdbcTx.sql(
                () -> {
                  Conn c = tx.conn();
                  PreparedStatement ps =
                      c.ps(
                          "INSERT INTO tenants (name, created) VALUES (?, ?)"
                              + " ON CONFLICT (name) DO NOTHING");
                  ps.setString(1, name);
                  ps.setLong(2, created);
                  if (ps.executeUpdate() == 0) {
                    return Optional.<Tenant>empty();
                  }
                  String clockRow = dialect.insertTenantClock();
                  if (clockRow != null) {
                    PreparedStatement ins = c.ps(clockRow);
                    ins.setString(1, name);
                    ins.setString(2, name);
                    ins.setString(3, name);
                    ins.executeUpdate();
                  }
                  // The tenant's first entry (or, for a name used before, the next one in its
                  // chain): the audit trail says when the directory began.
                  long at = tx.tick();
                  tx.journal(
                      new Change.Created(TENANT, name, Docs.MAPPER.createObjectNode(), List.of()),
                      at);
                  return Optional.of(new Tenant(name, Docs.instant(created), 0, 0));
                }));
  }

  @Override
  public List<Tenant> list() {
    long now = Docs.micros(clock.instant());
    return db.inRead(
        c -> {
          PreparedStatement ps = c.ps(SELECT + " ORDER BY t.name");
          ps.setLong(1, now);
          List<Tenant> out = new ArrayList<>();
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(tenant(rs));
            }
          }
          return out;
        });
  }

  @Override
  public Optional<Tenant> find(String name) {
    long now = Docs.micros(clock.instant());
    return db.inRead(c -> find(c, name, now));
  }

  private Optional<Tenant> find(Conn c, String name, long now) throws SQLException {
    PreparedStatement ps = c.ps(SELECT + " WHERE t.name = ?");
    ps.setLong(1, now);
    ps.setString(2, name);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(tenant(rs)) : Optional.empty();
    }
  }

  @Override
  public Deletion delete(String name, boolean force) {
    Tenants.checkName(name);
    if (name.equals(Scope.DEFAULT_TENANT)) {
      throw new IllegalArgumentException(
          "the tenant '" + Scope.DEFAULT_TENANT + "' cannot be deleted");
    }
    return writer.write(
        Scope.system(name, DELETER), tx -> JdbcTx.sql(() -> delete(tx, name, force)));
  }

  private Deletion delete(JdbcTx tx, String name, boolean force) throws SQLException {
    Conn c = tx.conn();
    long now = Docs.micros(clock.instant());
    PreparedStatement lock = c.ps("SELECT 1 FROM tenants WHERE name = ?" + dialect.forDelete());
    lock.setString(1, name);
    try (ResultSet rs = lock.executeQuery()) {
      if (!rs.next()) {
        return new Deletion.NotFound();
      }
    }
    String clockRow = dialect.lockTenantClock();
    if (clockRow != null) {
      // Every writer of the tenant that ticked has committed; the next ones wait for this one.
      PreparedStatement ps = c.ps(clockRow);
      ps.setString(1, name);
      ps.executeQuery().close();
    }
    Tenant held = find(c, name, now).orElseThrow();
    if (!force && (held.resources() > 0 || held.credentials() > 0)) {
      return new Deletion.NotEmpty(held.resources(), held.credentials());
    }
    deleteResources(tx);
    List<String> left = new ArrayList<>();
    PreparedStatement remaining =
        c.ps("SELECT type, n FROM resource_counts WHERE tenant = ? AND n > 0 ORDER BY type");
    remaining.setString(1, name);
    try (ResultSet rs = remaining.executeQuery()) {
      while (rs.next()) {
        left.add(rs.getLong(2) + " " + rs.getString(1));
      }
    }
    if (!left.isEmpty()) {
      throw new IllegalStateException(
          "the tenant '"
              + name
              + "' holds resources of types this scimd was not given ("
              + String.join(", ", left)
              + "): nothing was deleted; give the same --schemas as the server uses");
    }
    JdbcCredentials.journalTenantDeleted(tx, name, now);
    PreparedStatement revoke =
        c.ps("UPDATE credentials SET revoked = ? WHERE tenant = ? AND revoked IS NULL");
    revoke.setLong(1, now);
    revoke.setString(2, name);
    revoke.executeUpdate();
    PreparedStatement clients =
        c.ps("UPDATE clients SET deleted = ? WHERE tenant = ? AND deleted IS NULL");
    clients.setLong(1, now);
    clients.setString(2, name);
    clients.executeUpdate();
    // A new tenant of the same name starts without the old one's applications (their history stays
    // in the journal, which is kept).
    PreparedStatement applications = c.ps("DELETE FROM applications WHERE tenant = ?");
    applications.setString(1, name);
    applications.executeUpdate();
    ObjectNode gone = Docs.MAPPER.createObjectNode();
    gone.put("resources", held.resources());
    gone.put("credentials", held.credentials());
    long at = tx.tick();
    tx.journal(new Change.Deleted(TENANT, name, 0, gone, List.of()), at);
    PreparedStatement counts = c.ps("DELETE FROM resource_counts WHERE tenant = ?");
    counts.setString(1, name);
    counts.executeUpdate();
    String deleteClock = dialect.deleteTenantClock();
    if (deleteClock != null) {
      PreparedStatement ps = c.ps(deleteClock);
      ps.setString(1, name);
      ps.executeUpdate();
    }
    PreparedStatement row = c.ps("DELETE FROM tenants WHERE name = ?");
    row.setString(1, name);
    row.executeUpdate();
    return new Deletion.Deleted(held.resources(), held.credentials());
  }

  /**
   * Deletes every resource of the transaction's tenant through the store's own delete, so that each
   * is journaled and its memberships and unique values go with it. Groups first: a deleted group
   * takes its member rows along unjournaled (its deletion says it all), where each deleted member
   * would journal its removal from every group.
   */
  private void deleteResources(JdbcTx tx) {
    List<ResourceType> types = new ArrayList<>(registry.resourceTypes());
    types.sort((a, b) -> Boolean.compare(!tx.isGroup(a), !tx.isGroup(b)));
    for (ResourceType type : types) {
      while (true) {
        List<StoredResource> page = tx.query(type.name(), Query.all(PAGE)).resources();
        if (page.isEmpty()) {
          break;
        }
        for (StoredResource r : page) {
          tx.delete(type.name(), r.id());
        }
      }
    }
  }

  private static Tenant tenant(ResultSet rs) throws SQLException {
    return new Tenant(rs.getString(1), Docs.instant(rs.getLong(2)), rs.getLong(3), rs.getLong(4));
  }

  /**
   * What a write to a tenant that does not exist fails with: a request whose credential was
   * verified just before its tenant was deleted (404, as the tenant's resources now are).
   */
  static ScimException noSuchTenant(String tenant) {
    return ScimException.notFound("the tenant '" + tenant + "' does not exist");
  }
}
