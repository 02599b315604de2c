package io.scimd.core.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.path.AttrPath;

/**
 * A SCIM filter (RFC 7644 §3.4.2.2) as a closed tree. Every consumer (evaluator, SQL translator,
 * printer) is one exhaustive {@code switch}, so a new node type breaks the build wherever it
 * matters. {@link #toString()} prints the canonical form, which {@link FilterParser#parse} reads
 * back to an equal filter.
 */
public sealed interface Filter
    permits Filter.Compare, Filter.Present, Filter.And, Filter.Or, Filter.Not, Filter.ValuePath {

  /**
   * {@code attrPath op value}. {@code value} is a JSON scalar: text, number, boolean or null.
   * Inside a {@link ValuePath} the path is relative to the multi-valued attribute.
   */
  record Compare(AttrPath path, CompareOp op, JsonNode value) implements Filter {
    public Compare {
      if (!value.isValueNode()) {
        throw new IllegalArgumentException("comparison value must be a JSON scalar: " + value);
      }
    }

    @Override
    public String toString() {
      return FilterPrinter.print(this, AttrPath::toString);
    }
  }

  /** {@code attrPath pr}. */
  record Present(AttrPath path) implements Filter {
    @Override
    public String toString() {
      return FilterPrinter.print(this, AttrPath::toString);
    }
  }

  /**
   * {@code left and right}. Printed with the fewest parentheses that re-parse to the same tree
   * ({@code and} binds tighter than {@code or}, both group to the left), so that a long flat chain
   * prints flat and stays within {@link FilterParser#MAX_DEPTH} when read back.
   */
  record And(Filter left, Filter right) implements Filter {
    @Override
    public String toString() {
      return FilterPrinter.print(this, AttrPath::toString);
    }
  }

  /** {@code left or right}, printed like {@link And}. */
  record Or(Filter left, Filter right) implements Filter {
    @Override
    public String toString() {
      return FilterPrinter.print(this, AttrPath::toString);
    }
  }

  record Not(Filter inner) implements Filter {
    @Override
    public String toString() {
      return FilterPrinter.print(this, AttrPath::toString);
    }
  }

  /**
   * {@code attrPath[valFilter]}: true when some value of the multi-valued {@code path} matches
   * {@code filter}, whose paths name sub-attributes.
   */
  record ValuePath(AttrPath path, Filter filter) implements Filter {
    @Override
    public String toString() {
      return FilterPrinter.print(this, AttrPath::toString);
    }
  }

  static Filter eq(String path, String value) {
    return new Compare(AttrPath.parse(path), CompareOp.EQ, TextNode.valueOf(value));
  }

  static Filter eq(String path, boolean value) {
    return new Compare(AttrPath.parse(path), CompareOp.EQ, BooleanNode.valueOf(value));
  }

  static Filter compare(String path, CompareOp op, JsonNode value) {
    return new Compare(AttrPath.parse(path), op, value);
  }

  static Filter isNull(String path) {
    return new Compare(AttrPath.parse(path), CompareOp.EQ, NullNode.getInstance());
  }

  static Filter pr(String path) {
    return new Present(AttrPath.parse(path));
  }

  static Filter and(Filter left, Filter right) {
    return new And(left, right);
  }

  static Filter or(Filter left, Filter right) {
    return new Or(left, right);
  }

  static Filter not(Filter inner) {
    return new Not(inner);
  }

  static Filter valuePath(String path, Filter inner) {
    return new ValuePath(AttrPath.parse(path), inner);
  }
}
