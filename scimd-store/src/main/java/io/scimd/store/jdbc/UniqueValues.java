package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.Uniqueness;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code unique_values} rows of one transaction's resources: one row per value of a {@code
 * uniqueness: server|global} attribute, as the database compares it (folded unless the attribute is
 * caseExact), whose primary key refuses a second resource of the type with the same value.
 */
final class UniqueValues {
  private final Conn c;
  private final Dialect dialect;
  private final String tenant;

  UniqueValues(Conn c, Dialect dialect, String tenant) {
    this.c = c;
    this.dialect = dialect;
    this.tenant = tenant;
  }

  /** One value of a {@code uniqueness: server|global} attribute, as the database compares it. */
  private record UniqueValue(String attribute, String label, String value, String folded) {}

  private static List<UniqueValue> uniqueValues(ResourceType rt, ObjectNode doc) {
    List<UniqueValue> out = new ArrayList<>();
    for (Schema s : rt.allSchemas()) {
      boolean core = s == rt.schema();
      JsonNode holder = core ? doc : Docs.field(doc, s.id());
      if (holder == null || !holder.isObject()) {
        continue;
      }
      for (Attribute a : s.attributes()) {
        if (a.uniqueness() == Uniqueness.NONE || a.isComplex()) {
          continue;
        }
        JsonNode v = Docs.field(holder, a.name());
        if (v == null || v.isNull()) {
          continue;
        }
        String key = core ? a.key() : Docs.fold(s.id()) + ":" + a.key();
        Set<String> seen = new HashSet<>();
        for (JsonNode one : v.isArray() ? v : List.of(v)) {
          if (one.isNull() || one.isContainerNode()) {
            continue;
          }
          String text = one.asText();
          boolean foldIt =
              !a.caseExact()
                  && (a.type() == AttributeType.STRING || a.type() == AttributeType.REFERENCE);
          String folded = foldIt ? Docs.fold(text) : text;
          if (seen.add(folded)) {
            out.add(new UniqueValue(key, a.name(), text, folded));
          }
        }
      }
    }
    return out;
  }

  /**
   * Claims the unique values of resource {@code id}'s document.
   *
   * @throws ScimException 409 {@code uniqueness} when another resource of the type holds one
   */
  void write(ResourceType rt, String id, ObjectNode doc) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "INSERT INTO unique_values (tenant, type, attribute, value_folded, id)"
                + " VALUES (?, ?, ?, ?, ?)");
    for (UniqueValue u : uniqueValues(rt, doc)) {
      ps.setString(1, tenant);
      ps.setString(2, rt.name());
      ps.setString(3, u.attribute());
      ps.setString(4, u.folded());
      ps.setString(5, id);
      try {
        ps.executeUpdate();
      } catch (SQLException e) {
        if (dialect.isUniqueViolation(e)) {
          // RFC 7644 §3.3: 409 uniqueness.
          throw ScimException.uniqueness(
              u.label()
                  + " \""
                  + u.value()
                  + "\" is already taken by another "
                  + rt.name()
                  + (u.value().equals(u.folded()) ? "" : " (compared case-insensitively)")
                  + ": choose another value or update the existing resource");
        }
        throw e;
      }
    }
  }

  /** Gives up every unique value of resource {@code id}. */
  void delete(ResourceType rt, String id) throws SQLException {
    PreparedStatement ps =
        c.ps("DELETE FROM unique_values WHERE tenant = ? AND type = ? AND id = ?");
    ps.setString(1, tenant);
    ps.setString(2, rt.name());
    ps.setString(3, id);
    ps.executeUpdate();
  }
}
