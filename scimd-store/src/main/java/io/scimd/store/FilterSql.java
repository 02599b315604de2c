package io.scimd.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.CommonAttributes;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Values;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Translates a filter to a SQL condition over {@code resources r}, as far as it can.
 *
 * <p>A translation is <em>exact</em> when the condition selects precisely the resources the
 * evaluator would match; otherwise it is a <em>narrowing</em>: a superset the evaluator then
 * filters. An {@code and} with one untranslatable side narrows by the other; an {@code or} or a
 * {@code not} translates only when its parts do (a superset negated is no superset). SQL's third
 * truth value is harmless under {@code and}/{@code or} in a WHERE clause (unknown acts as false on
 * both sides) but not under {@code not}, hence {@code NOT COALESCE(x, FALSE)}.
 *
 * <p>Translated atoms: {@code id eq}, {@code externalId eq|pr}, {@code userName eq|pr} and {@code
 * displayName eq} on the folded columns, {@code meta.created}/{@code meta.lastModified}
 * eq/gt/ge/lt/le, and for groups {@code members eq}, {@code members.value eq}, {@code
 * members[value eq]} and {@code members pr} as EXISTS on the membership table. Member ids compare
 * case-insensitively ({@code members.value} is not caseExact) against the lower-case UUIDs this
 * store assigns, so folding the filter value keeps them exact.
 */
final class FilterSql {
  /** A SQL fragment and its parameters, in order. */
  record Sql(String text, List<Object> params) {}

  /** A translation: {@code sql} null when nothing translated. */
  record Tr(@Nullable Sql sql, boolean exact) {
    static final Tr NONE = new Tr(null, false);
  }

  private final ResourceType type;
  private final boolean isGroup;
  private final String tenantColumn;

  FilterSql(ResourceType type, boolean isGroup) {
    this.type = type;
    this.isGroup = isGroup;
    this.tenantColumn = "r.tenant";
  }

  Tr translate(Filter f) {
    return switch (f) {
      case Filter.Compare c -> compare(c);
      case Filter.Present p -> present(p);
      case Filter.And a -> {
        Tr l = translate(a.left());
        Tr r = translate(a.right());
        if (l.sql() != null && r.sql() != null) {
          yield new Tr(join(l.sql(), " AND ", r.sql()), l.exact() && r.exact());
        }
        if (l.sql() != null) {
          yield new Tr(l.sql(), false);
        }
        yield r.sql() != null ? new Tr(r.sql(), false) : Tr.NONE;
      }
      case Filter.Or o -> {
        Tr l = translate(o.left());
        Tr r = translate(o.right());
        if (l.sql() != null && r.sql() != null) {
          yield new Tr(join(l.sql(), " OR ", r.sql()), l.exact() && r.exact());
        }
        yield Tr.NONE;
      }
      case Filter.Not n -> {
        Tr inner = translate(n.inner());
        if (inner.sql() != null && inner.exact()) {
          yield new Tr(
              new Sql("NOT COALESCE((" + inner.sql().text() + "), FALSE)", inner.sql().params()),
              true);
        }
        yield Tr.NONE;
      }
      case Filter.ValuePath v -> valuePath(v);
    };
  }

  private Tr compare(Filter.Compare c) {
    Optional<ResolvedPath> resolved = type.resolve(c.path());
    Attribute a = resolved.map(ResolvedPath::attribute).orElse(null);
    if (a == null) {
      return Tr.NONE;
    }
    ResolvedPath p = resolved.get();
    Attribute sub = p.sub();
    JsonNode v = c.value();
    boolean core = !p.inExtension(type);
    if (a == CommonAttributes.META && sub != null && v.isTextual()) {
      String col =
          switch (sub.name()) {
            case "created" -> "r.created";
            case "lastModified" -> "r.last_modified";
            default -> null;
          };
      Long micros = exactMicros(v.asText());
      String op = sqlOp(c.op());
      if (col == null || micros == null || op == null) {
        return Tr.NONE;
      }
      return exact(col + " " + op + " ?", micros);
    }
    if (c.op() != CompareOp.EQ || !v.isTextual()) {
      return Tr.NONE;
    }
    String text = v.asText();
    if (a == CommonAttributes.ID && sub == null) {
      return exact("r.id = ?", text);
    }
    if (a == CommonAttributes.EXTERNAL_ID && sub == null) {
      return exact("r.external_id = ?", text);
    }
    if (!core || a.multiValued()) {
      if (isMembers(p) && (sub == null || sub.name().equals("value"))) {
        return membership(text);
      }
      return Tr.NONE;
    }
    if (sub == null && a.name().equalsIgnoreCase("userName")) {
      // A caseExact userName (a custom schema) still narrows by the folded column.
      return new Tr(new Sql("r.user_name_folded = ?", List.of(Docs.fold(text))), !a.caseExact());
    }
    if (sub == null && a.name().equalsIgnoreCase("displayName")) {
      return new Tr(new Sql("r.display_name_folded = ?", List.of(Docs.fold(text))), !a.caseExact());
    }
    return Tr.NONE;
  }

  private Tr present(Filter.Present pr) {
    Optional<ResolvedPath> resolved = type.resolve(pr.path());
    Attribute a = resolved.map(ResolvedPath::attribute).orElse(null);
    if (a == null) {
      return Tr.NONE;
    }
    ResolvedPath p = resolved.get();
    if (p.sub() != null) {
      return Tr.NONE;
    }
    // RFC 7644 §3.4.2.2: pr is "has a non-empty value".
    if (a == CommonAttributes.EXTERNAL_ID) {
      return exact("(r.external_id IS NOT NULL AND r.external_id <> '')");
    }
    if (!p.inExtension(type) && a.name().equalsIgnoreCase("userName")) {
      return exact("(r.user_name_folded IS NOT NULL AND r.user_name_folded <> '')");
    }
    if (isMembers(p)) {
      return exact(
          "EXISTS (SELECT 1 FROM members m WHERE m.tenant = "
              + tenantColumn
              + " AND m.group_id = r.id)");
    }
    return Tr.NONE;
  }

  private Tr valuePath(Filter.ValuePath v) {
    Optional<ResolvedPath> resolved = type.resolve(v.path());
    if (resolved.isEmpty() || !isMembers(resolved.get()) || resolved.get().sub() != null) {
      return Tr.NONE;
    }
    if (v.filter() instanceof Filter.Compare c
        && c.path().schema() == null
        && c.path().attribute().equals("value")
        && c.path().subAttribute() == null
        && c.op() == CompareOp.EQ
        && c.value().isTextual()) {
      return membership(c.value().asText());
    }
    return Tr.NONE;
  }

  private Tr membership(String memberId) {
    return exact(
        "EXISTS (SELECT 1 FROM members m WHERE m.tenant = "
            + tenantColumn
            + " AND m.group_id = r.id AND m.member_id = ?)",
        Docs.fold(memberId));
  }

  private boolean isMembers(ResolvedPath p) {
    return isGroup
        && p.attribute() != null
        && !p.inExtension(type)
        && p.attribute().name().equalsIgnoreCase("members");
  }

  private static Tr exact(String sql, Object... params) {
    return new Tr(new Sql(sql, List.of(params)), true);
  }

  private static Sql join(Sql l, String op, Sql r) {
    List<Object> params = new ArrayList<>(l.params());
    params.addAll(r.params());
    return new Sql("(" + l.text() + op + r.text() + ")", params);
  }

  private static @Nullable String sqlOp(CompareOp op) {
    return switch (op) {
      case EQ -> "=";
      case GT -> ">";
      case GE -> ">=";
      case LT -> "<";
      case LE -> "<=";
      case NE, CO, SW, EW -> null;
    };
  }

  /**
   * The instant in whole microseconds, or null when the text is no dateTime ({@link
   * Values#dateTime}, the evaluator's reader) or has a sub-microsecond part (the evaluator then
   * decides: the stored precision is 1µs).
   */
  static @Nullable Long exactMicros(String text) {
    Instant t = Values.dateTime(text);
    if (t == null || t.getNano() % 1_000 != 0) {
      return null;
    }
    try {
      return Docs.micros(t);
    } catch (ArithmeticException e) {
      return null;
    }
  }
}
