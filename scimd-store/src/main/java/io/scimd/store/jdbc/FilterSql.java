package io.scimd.store.jdbc;

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
 * <p>Translated atoms: {@code id eq}, {@code externalId eq|sw|co|ew|pr}, {@code userName
 * eq|sw|co|ew|pr} (an Agent's {@code agentUserName} likewise, {@link Docs#identifier}) and {@code
 * displayName eq|sw|co|ew} on the folded columns (see {@link #substring}; userName's holds its
 * PRECIS key, {@link Docs#columnKey}), {@code meta.created}/{@code meta.lastModified}
 * eq/gt/ge/lt/le, and for groups {@code members eq}, {@code members.value eq}, {@code members[value
 * eq]} and {@code members pr} as EXISTS on the membership table. Member ids compare
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
    boolean substring = c.op() == CompareOp.CO || c.op() == CompareOp.SW || c.op() == CompareOp.EW;
    if (!(c.op() == CompareOp.EQ || substring) || !v.isTextual()) {
      return Tr.NONE;
    }
    String text = v.asText();
    if (a == CommonAttributes.ID && sub == null) {
      return substring ? Tr.NONE : exact("r.id = ?", text);
    }
    if (a == CommonAttributes.EXTERNAL_ID && sub == null) {
      // caseExact (RFC 7643 §3.1), and the column holds the value as given.
      return substring
          ? substring("r.external_id", c.op(), text, true)
          : exact("r.external_id = ?", text);
    }
    if (!core || a.multiValued()) {
      if (!substring && isMembers(p) && (sub == null || sub.name().equals("value"))) {
        return membership(text);
      }
      return Tr.NONE;
    }
    String column =
        sub != null
            ? null
            : Docs.isIdentifier(type, a)
                ? "r.user_name_folded"
                : a.name().equalsIgnoreCase("displayName") ? "r.display_name_folded" : null;
    if (column == null) {
      return Tr.NONE;
    }
    // The folded column matches case-insensitively: exact when the attribute is not caseExact,
    // a superset that still narrows when a custom schema makes it caseExact. userName's column
    // holds its PRECIS key (Docs#columnKey), the form the evaluator compares too, so that
    // userName eq "ＡＤＭＩＮ" finds admin with one index lookup.
    Tr t =
        substring
            ? substring(column, c.op(), Docs.columnFragment(a, text), false)
            : exact(column + " = ?", Docs.columnKey(a, text));
    return t.sql() == null ? t : new Tr(t.sql(), t.exact() && !a.caseExact());
  }

  /** Longest operand pushed into a LIKE pattern: SQLite refuses patterns over 50,000 bytes. */
  private static final int MAX_PATTERN_CHARS = 10_000;

  /**
   * {@code co}, {@code sw} or {@code ew} on a text column, as the evaluator decides it on the
   * column's text ({@code contains}, {@code startsWith}, {@code endsWith}).
   *
   * <p>{@code sw} is a range, {@code col >= p AND col < successor(p)}, which the column's index
   * serves: both databases compare these columns in code point order (SQLite BINARY on UTF-8,
   * PostgreSQL COLLATE "C"), where exactly the strings starting with {@code p} lie in that range.
   * {@code co} and {@code ew} are {@code LIKE} with {@code %}, {@code _} and the escape character
   * escaped, so the operand matches only as itself; no index serves a leading {@code %}, but the
   * database reads only the column, not the document. SQLite's LIKE ignores ASCII case, so on a
   * column that keeps case ({@code caseSensitive}) it is only a narrowing; on a folded column both
   * sides are lower case already and it is exact.
   *
   * <p>An operand that is not well-formed UTF-16 (a lone surrogate from a JSON escape) would reach
   * the database as another character: the evaluator decides it alone.
   */
  private static Tr substring(String column, CompareOp op, String operand, boolean caseSensitive) {
    if (!wellFormed(operand)) {
      return Tr.NONE;
    }
    if (op == CompareOp.SW) {
      String next = successor(operand);
      return next == null
          ? exact(column + " >= ?", operand)
          : exact("(" + column + " >= ? AND " + column + " < ?)", operand, next);
    }
    if (operand.length() > MAX_PATTERN_CHARS) {
      return Tr.NONE;
    }
    String pattern = "%" + escapeLike(operand) + (op == CompareOp.CO ? "%" : "");
    return new Tr(new Sql(column + " LIKE ? ESCAPE '\\'", List.of(pattern)), !caseSensitive);
  }

  /** {@code s} as a LIKE pattern that matches only itself (escape character {@code \}). */
  static String escapeLike(String s) {
    StringBuilder b = new StringBuilder(s.length() + 8);
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '\\' || ch == '%' || ch == '_') {
        b.append('\\');
      }
      b.append(ch);
    }
    return b.toString();
  }

  /**
   * The least string greater, in code point order, than every string that starts with {@code
   * prefix}; null when there is none (an empty prefix, or one of U+10FFFF only).
   */
  static @Nullable String successor(String prefix) {
    int[] cps = prefix.codePoints().toArray();
    for (int i = cps.length - 1; i >= 0; i--) {
      int next = cps[i] + 1;
      if (next == Character.MIN_SURROGATE) {
        next = Character.MAX_SURROGATE + 1; // surrogates are no characters
      }
      if (next <= Character.MAX_CODE_POINT) {
        return new String(cps, 0, i) + Character.toString(next);
      }
    }
    return null;
  }

  private static boolean wellFormed(String s) {
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (Character.isHighSurrogate(ch)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(ch)) {
        return false;
      }
    }
    return true;
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
    if (!p.inExtension(type) && Docs.isIdentifier(type, a)) {
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
