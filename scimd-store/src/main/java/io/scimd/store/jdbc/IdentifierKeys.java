package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.Precis;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.SchemaRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migration that keys identifiers by PRECIS (docs/decisions/0013-identifier-keys.md): a store
 * written before it holds {@code userName} and the other identifiers ({@link Precis#appliesTo})
 * lower-cased in {@code resources.user_name_folded} and {@code unique_values.value_folded}; this
 * recomputes both with {@link Docs#columnKey}, in Java because SQL has no PRECIS. It runs once,
 * like the SQL migrations, in their transaction, and reads every resource of the types that have
 * identifiers, in pages; it writes only the rows whose key changes.
 *
 * <p>Two values stored before that now compare as one (a user {@code straße} and a user {@code
 * STRASSE}) cannot both hold the key: the first in the store's order takes it, the later keeps its
 * old key and is logged as a warning naming both. Nothing is deleted; it stays writable ({@link
 * UniqueValues}) until one of them is renamed or deleted.
 */
final class IdentifierKeys implements JavaMigration {
  private static final Logger LOG = LoggerFactory.getLogger(IdentifierKeys.class);
  private static final int PAGE = 500;

  private final MigrationVersion version;
  private final SchemaRegistry registry;

  /**
   * @param version this migration's place among the dialect's SQL migrations
   */
  IdentifierKeys(String version, SchemaRegistry registry) {
    this.version = MigrationVersion.fromVersion(version);
    this.registry = registry;
  }

  @Override
  public MigrationVersion getVersion() {
    return version;
  }

  @Override
  public String getDescription() {
    return "identifier keys";
  }

  @Override
  public Integer getChecksum() {
    return 13; // the ADR; the migration depends on no file
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws SQLException {
    rekey(context.getConnection());
  }

  /** Recomputes every identifier key of the store on {@code c}: the migration's work. */
  void rekey(Connection c) throws SQLException {
    for (ResourceType rt : registry.resourceTypes()) {
      Attribute userName = Docs.identifier(rt);
      if (!hasIdentifiers(rt)) {
        continue;
      }
      int changed = 0;
      long after = 0;
      while (true) {
        List<Row> rows = page(c, rt, after);
        for (Row r : rows) {
          changed += rekey(c, rt, userName, r);
          after = r.seq();
        }
        if (rows.size() < PAGE) {
          break;
        }
      }
      if (changed > 0) {
        LOG.info("identifier keys: {} keys of {} resources recomputed", changed, rt.name());
      }
    }
  }

  private static boolean hasIdentifiers(ResourceType rt) {
    return rt.allSchemas().stream()
        .flatMap(s -> s.attributes().stream())
        .anyMatch(Precis::appliesTo);
  }

  private record Row(
      long seq, String tenant, String id, @Nullable String userNameColumn, String doc) {}

  private static List<Row> page(Connection c, ResourceType rt, long after) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT seq, tenant, id, user_name_folded, doc FROM resources"
                + " WHERE type = ? AND seq > ? ORDER BY seq LIMIT "
                + PAGE)) {
      ps.setString(1, rt.name());
      ps.setLong(2, after);
      List<Row> rows = new ArrayList<>(PAGE);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              new Row(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5)));
        }
      }
      return rows;
    }
  }

  /** Recomputes one resource's keys; the number of keys changed. */
  private static int rekey(Connection c, ResourceType rt, @Nullable Attribute userName, Row r)
      throws SQLException {
    int changed = 0;
    ObjectNode doc = Docs.parse(r.doc());
    String name = userName == null ? null : Docs.text(doc, userName.name());
    if (userName != null && name != null && r.userNameColumn() != null) {
      String key = Docs.columnKey(userName, name);
      if (!key.equals(r.userNameColumn())) {
        try (PreparedStatement ps =
            c.prepareStatement("UPDATE resources SET user_name_folded = ? WHERE seq = ?")) {
          ps.setString(1, key);
          ps.setLong(2, r.seq());
          ps.executeUpdate();
        }
        changed++;
      }
    }
    for (UniqueValues.UniqueValue u : UniqueValues.uniqueValues(rt, doc)) {
      String legacy = u.legacyKey();
      if (legacy.equals(u.key())) {
        continue;
      }
      if (!update(c, rt, r, u.column(), legacy, u.key())) {
        String holder = holder(c, rt, r.tenant(), u.column(), u.key());
        LOG.warn(
            "identifier keys: tenant {}, {} {}: {} {} compares as {}, the same as {} {}'s {};"
                + " it keeps its old key until one of them is renamed or deleted"
                + " (docs/decisions/0013-identifier-keys.md)",
            r.tenant(),
            rt.name(),
            r.id(),
            u.attribute().name(),
            quote(u.value()),
            quote(u.key()),
            rt.name(),
            holder,
            u.attribute().name());
        continue;
      }
      changed++;
    }
    return changed;
  }

  /**
   * Moves the row of {@code r}'s value from {@code legacy} to {@code key}; false, changing nothing,
   * when another resource holds {@code key}.
   */
  private static boolean update(
      Connection c, ResourceType rt, Row r, String column, String legacy, String key)
      throws SQLException {
    try (PreparedStatement ins =
        c.prepareStatement(
            "INSERT INTO unique_values (tenant, type, attribute, value_folded, id)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      ins.setString(1, r.tenant());
      ins.setString(2, rt.name());
      ins.setString(3, column);
      ins.setString(4, key);
      ins.setString(5, r.id());
      if (ins.executeUpdate() == 0 && !r.id().equals(holder(c, rt, r.tenant(), column, key))) {
        return false;
      }
    }
    try (PreparedStatement del =
        c.prepareStatement(
            "DELETE FROM unique_values WHERE tenant = ? AND type = ? AND attribute = ?"
                + " AND value_folded = ? AND id = ?")) {
      del.setString(1, r.tenant());
      del.setString(2, rt.name());
      del.setString(3, column);
      del.setString(4, legacy);
      del.setString(5, r.id());
      del.executeUpdate();
    }
    return true;
  }

  private static String holder(
      Connection c, ResourceType rt, String tenant, String column, String key) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT id FROM unique_values WHERE tenant = ? AND type = ? AND attribute = ?"
                + " AND value_folded = ?")) {
      ps.setString(1, tenant);
      ps.setString(2, rt.name());
      ps.setString(3, column);
      ps.setString(4, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : "?";
      }
    }
  }

  private static String quote(String s) {
    return io.scimd.core.error.ScimException.quote(s);
  }
}
