package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.store.AccessRecords;
import io.scimd.store.Change;
import io.scimd.store.Scope;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@link AccessRecords} in the {@code applications} table (sqlite/V16__access.sql,
 * postgresql/V14__access.sql), written through the owning store's write transactions so that each
 * change is journaled with the scope's principal.
 */
final class JdbcAccessRecords implements AccessRecords {
  private static final String COLUMNS = "tenant, name, definition, created, updated, version";

  private final ConnRunner db;
  private final JdbcTenants.TxWriter writer;

  JdbcAccessRecords(ConnRunner db, JdbcTenants.TxWriter writer) {
    this.db = db;
    this.writer = writer;
  }

  @Override
  public Optional<Application> create(Scope scope, String name, String definition) {
    ObjectNode parsed = object(definition);
    return writer.write(
        scope,
        tx ->
            JdbcTx.sql(
                () -> {
                  Conn c = tx.conn();
                  long now = tx.tick();
                  if (find(c, scope.tenant(), name).isPresent()) {
                    return Optional.<Application>empty();
                  }
                  PreparedStatement ps =
                      c.ps("INSERT INTO applications (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, 1)");
                  ps.setString(1, scope.tenant());
                  ps.setString(2, name);
                  ps.setString(3, definition);
                  ps.setLong(4, now);
                  ps.setLong(5, now);
                  ps.executeUpdate();
                  tx.journal(new Change.Created(APPLICATION, name, parsed, List.of()), now);
                  return find(c, scope.tenant(), name);
                }));
  }

  @Override
  public Optional<Application> update(Scope scope, String name, long version, String definition) {
    ObjectNode after = object(definition);
    return onApplication(
        scope,
        name,
        Optional.<Application>empty(),
        (tx, now, held) -> {
          if (held.version() != version) {
            throw new IllegalStateException(
                "the application '"
                    + name
                    + "' was changed meanwhile (version "
                    + held.version()
                    + ", not "
                    + version
                    + "): read it again");
          }
          List<Change.AttributeChange> changes = changes(object(held.definition()), after);
          if (changes.isEmpty()) {
            return Optional.of(held);
          }
          PreparedStatement ps =
              tx.conn()
                  .ps(
                      "UPDATE applications SET definition = ?, updated = ?,"
                          + " version = version + 1 WHERE tenant = ? AND name = ?"
                          + " AND version = ?");
          ps.setString(1, definition);
          ps.setLong(2, now);
          ps.setString(3, scope.tenant());
          ps.setString(4, name);
          ps.setLong(5, version);
          if (ps.executeUpdate() == 0) {
            throw new IllegalStateException(
                "the application '" + name + "' was changed meanwhile: read it again");
          }
          tx.journal(new Change.Replaced(APPLICATION, name, version + 1, changes), now);
          return find(tx.conn(), scope.tenant(), name);
        });
  }

  @Override
  public boolean delete(Scope scope, String name) {
    return onApplication(
        scope,
        name,
        false,
        (tx, now, held) -> {
          PreparedStatement ps =
              tx.conn().ps("DELETE FROM applications WHERE tenant = ? AND name = ?");
          ps.setString(1, scope.tenant());
          ps.setString(2, name);
          ps.executeUpdate();
          tx.journal(
              new Change.Deleted(
                  APPLICATION, name, held.version(), object(held.definition()), List.of()),
              now);
          return true;
        });
  }

  /** A journaled change to one held application: its transaction, the write's time, the row. */
  private interface ApplicationWork<T> {
    T apply(JdbcTx tx, long now, Application held) throws SQLException;
  }

  /**
   * Runs {@code work} on the scope's tenant's application {@code name} in one write transaction (so
   * its journal entry commits with it); {@code missing} when there is none.
   */
  private <T> T onApplication(Scope scope, String name, T missing, ApplicationWork<T> work) {
    return writer.write(
        scope,
        tx ->
            JdbcTx.sql(
                () -> {
                  long now = tx.tick();
                  Optional<Application> held = find(tx.conn(), scope.tenant(), name);
                  return held.isEmpty() ? missing : work.apply(tx, now, held.get());
                }));
  }

  @Override
  public Optional<Application> application(String tenant, String name) {
    return db.inRead(c -> find(c, tenant, name));
  }

  @Override
  public List<Application> applications(String tenant) {
    return db.inRead(
        c -> {
          PreparedStatement ps =
              c.ps("SELECT " + COLUMNS + " FROM applications WHERE tenant = ? ORDER BY name");
          ps.setString(1, tenant);
          return read(ps);
        });
  }

  /** Each top-level field that differs, before and after (null where absent). */
  private static List<Change.AttributeChange> changes(ObjectNode before, ObjectNode after) {
    Set<String> names = new LinkedHashSet<>();
    before.fieldNames().forEachRemaining(names::add);
    after.fieldNames().forEachRemaining(names::add);
    List<Change.AttributeChange> out = new ArrayList<>();
    for (String n : names) {
      JsonNode b = before.get(n);
      JsonNode a = after.get(n);
      if (!Objects.equals(b, a)) {
        out.add(new Change.AttributeChange(n, b, a, false));
      }
    }
    return out;
  }

  private static ObjectNode object(String definition) {
    if (!(Docs.parse(definition) instanceof ObjectNode o)) {
      throw new IllegalArgumentException("an application's definition is a JSON object");
    }
    return o;
  }

  private static Optional<Application> find(Conn c, String tenant, String name)
      throws SQLException {
    PreparedStatement ps =
        c.ps("SELECT " + COLUMNS + " FROM applications WHERE tenant = ? AND name = ?");
    ps.setString(1, tenant);
    ps.setString(2, name);
    List<Application> found = read(ps);
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  private static List<Application> read(PreparedStatement ps) throws SQLException {
    List<Application> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(
            new Application(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                Docs.instant(rs.getLong(4)),
                Docs.instant(rs.getLong(5)),
                rs.getLong(6)));
      }
    }
    return out;
  }
}
