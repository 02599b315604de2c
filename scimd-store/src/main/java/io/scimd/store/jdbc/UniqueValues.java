package io.scimd.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.Precis;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Schema;
import io.scimd.core.schema.Uniqueness;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code unique_values} rows of one transaction's resources: one row per value of a {@code
 * uniqueness: server|global} attribute, as the database compares it ({@link Docs#columnKey}: an
 * identifier's PRECIS key, else folded unless the attribute is caseExact), whose primary key
 * refuses a second resource of the type with the same value.
 *
 * <p>A value stored before identifiers were keyed (docs/decisions/0013-identifier-keys.md) whose
 * key another resource already held kept its old, lower-cased key ({@link IdentifierKeys}). Such a
 * resource stays writable: when a write keeps that very value and its key is taken, the old key is
 * claimed again instead. Any other value whose key is taken is a 409.
 */
final class UniqueValues {
  private final Conn c;
  private final String tenant;

  UniqueValues(Conn c, String tenant) {
    this.c = c;
    this.tenant = tenant;
  }

  /** One value of a {@code uniqueness: server|global} attribute, as the database compares it. */
  record UniqueValue(Attribute attribute, String column, String value, String key) {
    /** The key this value had before identifiers were keyed (0013): lower case. */
    String legacyKey() {
      return key.equals(value) || !Precis.appliesTo(attribute) ? key : Docs.fold(value);
    }
  }

  /** The unique values of {@code doc}, each value once. */
  static List<UniqueValue> uniqueValues(ResourceType rt, ObjectNode doc) {
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
        String column = core ? a.key() : Docs.fold(s.id()) + ":" + a.key();
        Set<String> seen = new HashSet<>();
        for (JsonNode one : v.isArray() ? v : List.of(v)) {
          if (one.isNull() || one.isContainerNode()) {
            continue;
          }
          String text = one.asText();
          boolean folded =
              !a.caseExact()
                  && (a.type() == AttributeType.STRING || a.type() == AttributeType.REFERENCE);
          String key = folded ? Docs.columnKey(a, text) : text;
          if (seen.add(key)) {
            out.add(new UniqueValue(a, column, text, key));
          }
        }
      }
    }
    return out;
  }

  /**
   * Claims the unique values of resource {@code id}'s document; {@code before} is its document
   * before this write (null for a new resource).
   *
   * @throws ScimException 409 {@code uniqueness} when another resource of the type holds one
   */
  void write(ResourceType rt, String id, ObjectNode doc, @Nullable ObjectNode before)
      throws SQLException {
    for (UniqueValue u : uniqueValues(rt, doc)) {
      if (claim(rt, id, u.column(), u.key())) {
        continue;
      }
      String legacy = u.legacyKey();
      if (!legacy.equals(u.key())
          && before != null
          && held(rt, before, u)
          && claim(rt, id, u.column(), legacy)) {
        continue; // a look-alike stored before 0013 keeps its old key while its value stays
      }
      // RFC 7644 §3.3: 409 uniqueness.
      String label = u.attribute().name();
      throw ScimException.uniqueness(
          label
              + " "
              + ScimException.quote(u.value())
              + " is already taken by another "
              + rt.name()
              + compared(u)
              + ": choose another value or update the existing resource");
    }
  }

  private static String compared(UniqueValue u) {
    if (Precis.appliesTo(u.attribute())) {
      return " (identifiers compare ignoring case, character width, Unicode normalisation,"
          + " invisible characters and surrounding spaces"
          + (u.key().equals(u.value())
              ? ""
              : "; this one compares as " + ScimException.quote(u.key()))
          + ")";
    }
    return u.value().equals(u.key()) ? "" : " (compared case-insensitively)";
  }

  /** Inserts one row; false when another resource holds that key already. */
  private boolean claim(ResourceType rt, String id, String column, String key) throws SQLException {
    PreparedStatement ps =
        c.ps(
            "INSERT INTO unique_values (tenant, type, attribute, value_folded, id)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    ps.setString(1, tenant);
    ps.setString(2, rt.name());
    ps.setString(3, column);
    ps.setString(4, key);
    ps.setString(5, id);
    return ps.executeUpdate() == 1;
  }

  /** Whether {@code before} held exactly {@code u}'s value. */
  private static boolean held(ResourceType rt, ObjectNode before, UniqueValue u) {
    for (UniqueValue b : uniqueValues(rt, before)) {
      if (b.attribute() == u.attribute() && b.value().equals(u.value())) {
        return true;
      }
    }
    return false;
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
