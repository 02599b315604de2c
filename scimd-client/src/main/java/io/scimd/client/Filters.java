package io.scimd.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.filter.CompareOp;
import io.scimd.core.filter.Filter;
import io.scimd.core.path.AttrPath;
import java.time.Instant;

/**
 * Builds SCIM filters (RFC 7644 §3.4.2.2) as scimd-core's {@link Filter} tree, never by pasting
 * text: a value is a JSON string when printed, with {@code "} and {@code \} escaped, so {@code
 * eq("userName", "x\" or userName pr or \"")} matches that one odd userName and cannot widen the
 * query. Attribute paths are checked here, so a bad one fails before anything is sent. {@code
 * filter.toString()} is the text to send; the client does that itself.
 *
 * <p>Names are case-insensitive (RFC 7643 §2.1) and the core holds them lower-cased; the client
 * sends them as the RFC schemas spell them ({@code userName}), for servers that compare exactly.
 */
public final class Filters {
  private Filters() {}

  public static Filter eq(String path, String value) {
    return compare(path, CompareOp.EQ, TextNode.valueOf(value));
  }

  public static Filter eq(String path, boolean value) {
    return compare(path, CompareOp.EQ, BooleanNode.valueOf(value));
  }

  public static Filter eq(String path, long value) {
    return compare(path, CompareOp.EQ, LongNode.valueOf(value));
  }

  public static Filter ne(String path, String value) {
    return compare(path, CompareOp.NE, TextNode.valueOf(value));
  }

  public static Filter co(String path, String value) {
    return compare(path, CompareOp.CO, TextNode.valueOf(value));
  }

  public static Filter sw(String path, String value) {
    return compare(path, CompareOp.SW, TextNode.valueOf(value));
  }

  public static Filter ew(String path, String value) {
    return compare(path, CompareOp.EW, TextNode.valueOf(value));
  }

  public static Filter gt(String path, String value) {
    return compare(path, CompareOp.GT, TextNode.valueOf(value));
  }

  public static Filter ge(String path, String value) {
    return compare(path, CompareOp.GE, TextNode.valueOf(value));
  }

  public static Filter lt(String path, String value) {
    return compare(path, CompareOp.LT, TextNode.valueOf(value));
  }

  public static Filter le(String path, String value) {
    return compare(path, CompareOp.LE, TextNode.valueOf(value));
  }

  public static Filter gt(String path, long value) {
    return compare(path, CompareOp.GT, LongNode.valueOf(value));
  }

  public static Filter lt(String path, long value) {
    return compare(path, CompareOp.LT, LongNode.valueOf(value));
  }

  /**
   * {@code path gt "instant"}, the instant in ISO-8601 UTC: how a client fetches what changed since
   * ({@code meta.lastModified gt ...}).
   */
  public static Filter gt(String path, Instant value) {
    return compare(path, CompareOp.GT, TextNode.valueOf(value.toString()));
  }

  public static Filter ge(String path, Instant value) {
    return compare(path, CompareOp.GE, TextNode.valueOf(value.toString()));
  }

  public static Filter lt(String path, Instant value) {
    return compare(path, CompareOp.LT, TextNode.valueOf(value.toString()));
  }

  /** {@code path op value} for any JSON scalar {@code value}. */
  public static Filter compare(String path, CompareOp op, JsonNode value) {
    if (!value.isValueNode()) {
      throw new IllegalArgumentException("a filter value must be a JSON scalar, not " + value);
    }
    return new Filter.Compare(path(path), op, value);
  }

  /** {@code path pr}: the attribute has a value. */
  public static Filter pr(String path) {
    return new Filter.Present(path(path));
  }

  /** All of {@code filters}, joined by {@code and}. */
  public static Filter and(Filter first, Filter... more) {
    Filter f = first;
    for (Filter m : more) {
      f = new Filter.And(f, m);
    }
    return f;
  }

  /** Any of {@code filters}, joined by {@code or}. */
  public static Filter or(Filter first, Filter... more) {
    Filter f = first;
    for (Filter m : more) {
      f = new Filter.Or(f, m);
    }
    return f;
  }

  public static Filter not(Filter inner) {
    return new Filter.Not(inner);
  }

  /**
   * {@code path[inner]}: some value of the multi-valued attribute {@code path} matches {@code
   * inner}, whose paths name its sub-attributes ({@code has("emails", and(eq("type", "work"),
   * co("value", "@example.com")))}).
   */
  public static Filter has(String path, Filter inner) {
    return new Filter.ValuePath(path(path), inner);
  }

  private static AttrPath path(String path) {
    try {
      return AttrPath.parse(path);
    } catch (ScimException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
