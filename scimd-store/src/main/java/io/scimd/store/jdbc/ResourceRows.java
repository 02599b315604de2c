package io.scimd.store.jdbc;

import static io.scimd.store.jdbc.JdbcTx.notFound;
import static io.scimd.store.jdbc.JdbcTx.sql;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.resource.Meta;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.store.Change;
import io.scimd.store.StoreTx.Updated;
import io.scimd.store.StoredResource;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code resources} rows of one transaction: finds one, inserts and updates them with their
 * unique values ({@link UniqueValues}), bumps a version ({@link #touch}), deletes them, and
 * journals each change. Each insert and update of a document runs inside a savepoint, so a
 * uniqueness conflict the caller catches leaves the transaction as it was before the call
 * (PostgreSQL would otherwise abort the whole transaction; SQLite would keep the half-done
 * statement's neighbours).
 */
final class ResourceRows {
  private final Conn c;
  private final Dialect dialect;
  private final String tenant;
  private final Journal journal;
  private final Savepoints savepoints;
  private final UniqueValues unique;

  ResourceRows(
      Conn c,
      Dialect dialect,
      String tenant,
      Journal journal,
      Savepoints savepoints,
      UniqueValues unique) {
    this.c = c;
    this.dialect = dialect;
    this.tenant = tenant;
    this.journal = journal;
    this.savepoints = savepoints;
    this.unique = unique;
  }

  /**
   * The row of resource {@code id}, read with {@code lock} appended ("" or {@link
   * Dialect#forUpdate}).
   */
  Optional<Row> find(ResourceType rt, String id, String lock) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "SELECT "
                + Row.COLUMNS
                + " FROM resources r WHERE r.tenant = ? AND r.type = ? AND r.id = ?"
                + lock);
    ps.setString(1, tenant);
    ps.setString(2, rt.name());
    ps.setString(3, id);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(Row.of(rs)) : Optional.empty();
    }
  }

  /**
   * The meta of resource {@code id}, read with {@code lock} appended ("" or {@link
   * Dialect#forUpdate}).
   */
  Optional<Meta> meta(ResourceType rt, String id, String lock) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "SELECT version, created, last_modified FROM resources WHERE tenant = ? AND type = ? AND id = ?"
                + lock);
    ps.setString(1, tenant);
    ps.setString(2, rt.name());
    ps.setString(3, id);
    try (ResultSet rs = ps.executeQuery()) {
      return rs.next()
          ? Optional.of(
              new Meta(
                  rt.name(),
                  Docs.instant(rs.getLong(2)),
                  Docs.instant(rs.getLong(3)),
                  rs.getLong(1)))
          : Optional.empty();
    }
  }

  /**
   * As {@link io.scimd.store.StoreTx#touch}, at {@code clock}'s next tick: one statement, which
   * neither reads nor writes the document, its derived columns or its unique values, so it needs no
   * savepoint (it meets no uniqueness conflict). The service locked the row before the tick ({@link
   * io.scimd.store.StoreTx#metaForUpdate}), as every write of one resource does.
   */
  Meta touch(ResourceType rt, String id, WriteClock clock) {
    long now = clock.next();
    Meta meta =
        sql(
            () -> {
              PreparedStatement ps =
                  c.ps(
                      "UPDATE resources SET version = version + 1, last_modified = ?"
                          + " WHERE tenant = ? AND type = ? AND id = ? RETURNING version, created");
              ps.setLong(1, now);
              ps.setString(2, tenant);
              ps.setString(3, rt.name());
              ps.setString(4, id);
              try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                    ? new Meta(
                        rt.name(), Docs.instant(rs.getLong(2)), Docs.instant(now), rs.getLong(1))
                    : null;
              }
            });
    if (meta == null) {
      throw notFound(rt, id);
    }
    return meta;
  }

  /** As {@link io.scimd.store.StoreTx#insert}, at {@code clock}'s next tick. */
  StoredResource insert(ResourceType rt, ObjectNode attributes, WriteClock clock) {
    return insert(rt, UUID.randomUUID().toString(), attributes, clock);
  }

  /** As {@link io.scimd.store.StoreTx#insert(String, String, ObjectNode)}. */
  StoredResource insert(ResourceType rt, String id, ObjectNode attributes, WriteClock clock) {
    ObjectNode doc = clean(attributes);
    long now = clock.next();
    savepoints.run(
        () -> {
          unique.write(rt, id, doc, null);
          PreparedStatement ps =
              c.ps(
                  "INSERT INTO resources (tenant, type, id, version, created, last_modified,"
                      + " external_id, user_name_folded, display_name_folded, display, doc)"
                      + " VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, "
                      + dialect.docParam()
                      + ")");
          ps.setString(1, tenant);
          ps.setString(2, rt.name());
          ps.setString(3, id);
          ps.setLong(4, now);
          ps.setLong(5, now);
          bindDerived(ps, 6, rt, doc);
          return ps.executeUpdate();
        });
    sql(
        () -> {
          journal.append(Journal.created(rt, id, doc), now);
          return null;
        });
    Meta meta = new Meta(rt.name(), Docs.instant(now), Docs.instant(now), 1);
    return new StoredResource(id, meta, doc);
  }

  /** The row a write replaces: its version, created time and document. */
  private record Current(long version, long created, ObjectNode doc) {}

  /**
   * As {@link io.scimd.store.StoreTx#replace} ({@code patch} false) and {@link
   * io.scimd.store.StoreTx#patch}: locks the row, then ticks {@code clock}.
   */
  Updated update(
      ResourceType rt, String id, ObjectNode attributes, boolean patch, WriteClock clock) {
    ObjectNode doc = clean(attributes);
    Current old =
        sql(
            () -> {
              PreparedStatement ps =
                  c.ps(
                      "SELECT version, created, doc FROM resources WHERE tenant = ? AND type = ? AND id = ?"
                          + dialect.forUpdate());
              ps.setString(1, tenant);
              ps.setString(2, rt.name());
              ps.setString(3, id);
              try (ResultSet rs = ps.executeQuery()) {
                return rs.next()
                    ? new Current(rs.getLong(1), rs.getLong(2), Docs.parse(rs.getString(3)))
                    : null;
              }
            });
    if (old == null) {
      throw notFound(rt, id);
    }
    long now = clock.next();
    savepoints.run(
        () -> {
          unique.delete(rt, id);
          unique.write(rt, id, doc, old.doc());
          PreparedStatement ps =
              c.ps(
                  "UPDATE resources SET version = version + 1, last_modified = ?, external_id = ?,"
                      + " user_name_folded = ?, display_name_folded = ?, display = ?, doc = "
                      + dialect.docParam()
                      + " WHERE tenant = ? AND type = ? AND id = ?");
          ps.setLong(1, now);
          bindDerived(ps, 2, rt, doc);
          ps.setString(7, tenant);
          ps.setString(8, rt.name());
          ps.setString(9, id);
          return ps.executeUpdate();
        });
    long version = old.version() + 1;
    List<Change.AttributeChange> changes = Journal.diff(rt, old.doc(), doc);
    if (!changes.isEmpty()) {
      sql(
          () -> {
            journal.append(
                patch
                    ? new Change.Patched(rt.name(), id, version, changes)
                    : new Change.Replaced(rt.name(), id, version, changes),
                now);
            return null;
          });
    }
    Meta meta = new Meta(rt.name(), Docs.instant(old.created()), Docs.instant(now), version);
    return new Updated(new StoredResource(id, meta, doc), changes);
  }

  /**
   * Deletes the row of resource {@code id} and journals its deletion at {@code now}; its
   * memberships and unique values are the caller's to delete.
   *
   * @return the deletion, or empty when there was no such row
   */
  Optional<Change.Deleted> delete(ResourceType rt, String id, long now) throws SQLException {
    PreparedStatement del =
        c.ps(
            "DELETE FROM resources WHERE tenant = ? AND type = ? AND id = ? RETURNING version, doc");
    del.setString(1, tenant);
    del.setString(2, rt.name());
    del.setString(3, id);
    Change.Deleted deleted;
    try (ResultSet rs = del.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      deleted = Journal.deleted(rt, id, rs.getLong(1), Docs.parse(rs.getString(2)));
    }
    journal.append(deleted, now);
    return Optional.of(deleted);
  }

  /** The columns derived from the document, bound from {@code at}: five parameters. */
  private static void bindDerived(PreparedStatement ps, int at, ResourceType rt, ObjectNode doc)
      throws SQLException {
    Schema core = rt.schema();
    Attribute userNameAttribute = Docs.identifier(rt);
    Attribute displayNameAttribute = core.attribute("displayName").orElse(null);
    String userName = userNameAttribute != null ? Docs.text(doc, userNameAttribute.name()) : null;
    String displayName = displayNameAttribute != null ? Docs.text(doc, "displayName") : null;
    ps.setString(at, Docs.text(doc, "externalId"));
    ps.setString(
        at + 1,
        userName == null || userNameAttribute == null
            ? null
            : Docs.columnKey(userNameAttribute, userName));
    ps.setString(
        at + 2,
        displayName == null || displayNameAttribute == null
            ? null
            : Docs.columnKey(displayNameAttribute, displayName));
    // members' and groups' display: a User's displayName, else its userName (an Agent's likewise).
    ps.setString(at + 3, displayName != null ? displayName : userName);
    ps.setString(at + 4, Docs.write(doc));
  }

  /**
   * A fresh copy of the attributes without what the store keeps elsewhere (id, meta, members,
   * groups).
   */
  private static ObjectNode clean(ObjectNode attributes) {
    ObjectNode doc = attributes.deepCopy();
    Iterator<String> names = doc.fieldNames();
    List<String> drop = new ArrayList<>();
    while (names.hasNext()) {
      String n = names.next();
      if (n.equalsIgnoreCase("id")
          || n.equalsIgnoreCase("meta")
          || n.equalsIgnoreCase("members")
          || n.equalsIgnoreCase("groups")) {
        drop.add(n);
      }
    }
    doc.remove(drop);
    return doc;
  }
}
