package io.scimd.core.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.path.AttrPath;
import io.scimd.core.schema.Attribute;
import io.scimd.core.schema.AttributeType;
import io.scimd.core.schema.CaseInsensitive;
import io.scimd.core.schema.ResolvedPath;
import io.scimd.core.schema.ResourceType;
import io.scimd.core.schema.Values;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Decides whether a resource matches a filter, exactly as RFC 7644 §3.4.2.2 and RFC 7643 §2.4 say:
 * string comparison by the attribute's {@code caseExact}, dateTimes chronologically, a multi-valued
 * attribute matching when any value matches, a complex multi-valued attribute without a
 * sub-attribute meaning its {@code value}.
 *
 * <p>A filter is first compiled against the resource type: every path is resolved once, every
 * operator checked against its attribute's type and every comparison value converted (folded text,
 * number, instant). Compilation is where all {@code invalidFilter} errors arise, so a bad filter is
 * rejected even when no resource would reach the comparison; testing a resource afterwards never
 * throws. {@link #compile} keeps the result for many resources.
 *
 * <p>The rules, each where RFC 7644 §3.4.2.2 leaves a choice:
 *
 * <ul>
 *   <li>{@code pr}: the attribute has a value that is not null, not the empty string, not an empty
 *       array and not an object without such a value ("a non-empty value, or ... a non-empty node
 *       for complex attributes").
 *   <li>{@code eq null} is true exactly when the attribute is not present in the sense of {@code
 *       pr}, and {@code ne null} when it is: RFC 7643 §2.5 makes an unassigned attribute and a null
 *       value the same thing. Other operators with {@code null} are {@code invalidFilter}.
 *   <li>{@code ne} is the complement of {@code eq}: true when the attribute is absent, and for a
 *       multi-valued attribute true when no value equals the operand ({@code members ne "u"}: the
 *       groups u is not in), so that {@code ne} and {@code not (... eq ...)} always agree.
 *   <li>A multi-valued attribute matches when any value matches; {@code emails.value eq "x"} tests
 *       the {@code value} of each element; a complex attribute compared without a sub-attribute
 *       ({@code emails co "x"}, {@code members eq "id"}, {@code manager eq "id"}) compares its
 *       {@code value} sub-attribute, and is {@code invalidFilter} when it has none.
 *   <li>Strings compare by the attribute's {@code caseExact} (RFC 7643 §2.2), folded with {@link
 *       Locale#ROOT} when not case-exact, identifiers ({@code userName}) by their PRECIS key
 *       ({@link io.scimd.core.schema.Precis}, so {@code userName eq "ＡＤＭＩＮ"} finds {@code admin}),
 *       and order lexicographically by UTF-16 code unit; {@code co}, {@code sw}, {@code ew} apply
 *       to string and reference attributes only.
 *   <li>dateTimes compare chronologically ({@link Values#dateTime}); integers and decimals
 *       numerically; booleans and binaries only with {@code eq}/{@code ne} (ordering them is {@code
 *       invalidFilter}, Table 3).
 *   <li>Forgiving operands: {@code "true"}/{@code "false"} (any case) compare with booleans and a
 *       numeric string with numbers ({@code active eq "true"}, sent by real clients); any other
 *       mismatch between operand and attribute type is {@code invalidFilter}.
 *   <li>{@code schemas} is filterable like a multi-valued, case-insensitive reference ({@code
 *       schemas eq "urn:...:enterprise:2.0:User"}, RFC 7644 §3.4.2.2 examples).
 * </ul>
 *
 * <p>Attribute names in the resource JSON are looked up with their canonical spelling first, then
 * case-insensitively; extension attributes are read under the extension's URN key.
 */
public final class FilterEvaluator {
  private static final Attribute SCHEMAS =
      Attribute.builder("schemas")
          .type(AttributeType.REFERENCE)
          .multiValued(true)
          .caseExact(false)
          .build();

  private FilterEvaluator() {}

  /**
   * @param resource the resource in canonical JSON form (as the store returns it, with {@code id},
   *     {@code meta} and, where loaded, {@code members}/{@code groups})
   * @throws ScimException {@code invalidFilter} when the filter names an unknown attribute or
   *     orders a boolean or binary
   */
  public static boolean matches(Filter filter, ObjectNode resource, ResourceType type) {
    return compileNode(filter, type, null).test(resource);
  }

  /**
   * Checks the filter against the resource type up front, so that a query that matches no resource
   * still rejects a bad filter.
   *
   * @throws ScimException {@code invalidFilter} naming the path and what is wrong with it: an
   *     unknown attribute or sub-attribute, an ordering operator on a boolean or binary, {@code
   *     co}/{@code sw}/{@code ew} on a non-string, a complex attribute without a {@code value}
   *     compared as a whole, an operand of the wrong type, an invalid dateTime
   */
  public static void validate(Filter filter, ResourceType type) {
    compileNode(filter, type, null);
  }

  /**
   * The filter as a predicate over resources of {@code type}, validated once; testing never throws.
   *
   * @throws ScimException {@code invalidFilter} as {@link #validate} does
   */
  public static Predicate<ObjectNode> compile(Filter filter, ResourceType type) {
    Node node = compileNode(filter, type, null);
    return node::test;
  }

  /**
   * The value filter of {@code attr[filter]} as a predicate over one value of {@code attr}: true
   * when that element matches {@code filter}. Validated like {@link #compile}; testing never
   * throws. For code that picks elements out ({@code emails[type eq "work"].value} as a mapping's
   * source) rather than asking whether any element matches.
   *
   * @throws ScimException {@code invalidFilter} as {@link #validate} does
   */
  public static Predicate<JsonNode> compileValueFilter(Filter.ValuePath filter, ResourceType type) {
    Node inner = ((ValuePathNode) valuePath(filter, type, null)).inner();
    return inner::test;
  }

  // ---------------------------------------------------------------- compilation

  /** A path resolved for evaluation: where its values are and what their definition is. */
  private record Target(
      String text, @Nullable String extKey, Attribute attribute, @Nullable Attribute sub) {}

  /**
   * @param element the complex attribute whose elements the filter tests (inside a value path), or
   *     null at the resource's top level
   */
  private static Node compileNode(Filter f, ResourceType type, @Nullable Attribute element) {
    return switch (f) {
      case Filter.And a ->
          new AndNode(compileNode(a.left(), type, element), compileNode(a.right(), type, element));
      case Filter.Or o ->
          new OrNode(compileNode(o.left(), type, element), compileNode(o.right(), type, element));
      case Filter.Not n -> new NotNode(compileNode(n.inner(), type, element));
      case Filter.Present p -> new PresentNode(accessor(target(p.path(), type, element), false));
      case Filter.Compare c -> compare(c, target(c.path(), type, element));
      case Filter.ValuePath v -> valuePath(v, type, element);
    };
  }

  private static Target target(AttrPath path, ResourceType type, @Nullable Attribute element) {
    if (element != null) {
      String text = element.name() + "[" + path + "]";
      if (path.schema() != null || path.subAttribute() != null) {
        throw invalid(
            "inside "
                + element.name()
                + "[...] a path names one sub-attribute of "
                + element.name()
                + ", e.g. \"type\"; found \""
                + path
                + "\"");
      }
      Attribute sub =
          element
              .sub(path.attribute())
              .orElseThrow(
                  () ->
                      invalid(
                          element.name()
                              + " has no sub-attribute \""
                              + path.attribute()
                              + "\" ("
                              + text
                              + ")"));
      return new Target(element.name() + "." + sub.name(), null, sub, null);
    }
    if (path.schema() == null && path.attribute().equals("schemas")) {
      if (path.subAttribute() != null) {
        throw invalid("\"schemas\" has no sub-attributes (" + path + ")");
      }
      return new Target("schemas", null, SCHEMAS, null);
    }
    Optional<ResolvedPath> resolved = type.resolve(path);
    if (resolved.isEmpty()) {
      if (path.subAttribute() != null && type.resolve(path.withSubAttribute(null)).isPresent()) {
        throw invalid(
            "\""
                + type.spell(path)
                + "\": "
                + type.spell(path.withSubAttribute(null))
                + " has no sub-attribute \""
                + path.subAttribute()
                + "\"");
      }
      throw invalid(
          "unknown attribute \"" + type.spell(path) + "\" for resource type " + type.name());
    }
    ResolvedPath r = resolved.get();
    Attribute attr = r.attribute();
    if (attr == null) {
      throw invalid(
          "\""
              + r.schema().id()
              + "\" names the whole extension schema: filter on one of its"
              + " attributes");
    }
    String extKey = r.inExtension(type) ? r.schema().id() : null;
    String text = attr.name() + (r.sub() == null ? "" : "." + r.sub().name());
    return new Target(extKey == null ? text : extKey + ":" + text, extKey, attr, r.sub());
  }

  private static Accessor accessor(Target t, boolean implicitValue) {
    String sub = t.sub() != null ? t.sub().name() : implicitValue ? "value" : null;
    return new Accessor(t.extKey(), t.attribute().name(), sub);
  }

  private static Node valuePath(
      Filter.ValuePath v, ResourceType type, @Nullable Attribute element) {
    if (element != null) {
      throw invalid("value filters cannot be nested: " + v);
    }
    if (v.path().subAttribute() != null) {
      throw invalid(
          "a value filter applies to a complex attribute as a whole: write "
              + v.path().withSubAttribute(null)
              + "[...], found "
              + v.path()
              + "[...]");
    }
    Target t = target(v.path(), type, null);
    if (!t.attribute().isComplex()) {
      throw invalid(
          "\""
              + t.text()
              + "\" is not a complex attribute: a value filter [...] tests sub-attributes");
    }
    return new ValuePathNode(accessor(t, false), compileNode(v.filter(), type, t.attribute()));
  }

  /**
   * The comparison as error details quote it: the path in the schema's spelling, not lower-cased.
   * Printed only when a detail needs it: printing the operand for every valid filter was a tenth of
   * a {@code userName eq} lookup's time.
   */
  private record Term(String path, CompareOp op, JsonNode operand) {
    @Override
    public String toString() {
      return path + " " + op.token() + " " + operand;
    }
  }

  private static Node compare(Filter.Compare c, Target t) {
    CompareOp op = c.op();
    JsonNode operand = c.value();
    Term term = new Term(t.text(), op, operand);
    if (operand.isNull()) {
      // RFC 7643 §2.5: unassigned and null are the same, so eq null is "not present".
      Node present = new PresentNode(accessor(t, false));
      return switch (op) {
        case EQ -> new NotNode(present);
        case NE -> present;
        case CO, SW, EW, GT, GE, LT, LE ->
            throw invalid(
                "\"" + term + "\": only eq and ne compare with null (use \"" + t.text() + " pr\")");
      };
    }
    Attribute leaf;
    boolean implicitValue = false;
    if (t.sub() != null) {
      leaf = t.sub();
    } else if (t.attribute().isComplex()) {
      // RFC 7644 §3.4.2.2: a complex attribute named without a sub-attribute means its "value".
      Optional<Attribute> value = t.attribute().sub("value");
      if (value.isEmpty()) {
        throw invalid(
            "\""
                + t.text()
                + "\" is complex and has no \"value\" sub-attribute: compare one of"
                + " its sub-attributes"
                + (t.attribute().subAttributes().isEmpty()
                    ? ""
                    : ", e.g. " + t.text() + "." + t.attribute().subAttributes().get(0).name()));
      }
      leaf = value.get();
      implicitValue = true;
    } else {
      leaf = t.attribute();
    }
    ValueTest test =
        valueTest(leaf, op == CompareOp.NE ? CompareOp.EQ : op, operand, term, t.text());
    Node eq = new CompareNode(accessor(t, implicitValue), test);
    return op == CompareOp.NE ? new NotNode(eq) : eq;
  }

  private static ValueTest valueTest(
      Attribute leaf, CompareOp op, JsonNode operand, Term c, String path) {
    AttributeType type = leaf.type();
    boolean substring = op == CompareOp.CO || op == CompareOp.SW || op == CompareOp.EW;
    return switch (type) {
      case STRING, REFERENCE -> {
        if (!operand.isTextual()) {
          throw invalid(
              "\""
                  + c
                  + "\": "
                  + path
                  + " is a "
                  + type.wire()
                  + ", compare it with a string in double quotes");
        }
        String s =
            substring
                ? Values.comparableFragment(leaf, operand.textValue())
                : Values.comparable(leaf, operand.textValue());
        yield new StringTest(op, s, leaf);
      }
      case BINARY -> {
        if (op != CompareOp.EQ) {
          throw invalid(
              "\""
                  + c
                  + "\": "
                  + path
                  + " is binary, which only eq and ne compare (RFC 7644"
                  + " §3.4.2.2)");
        }
        if (!operand.isTextual()) {
          throw invalid("\"" + c + "\": " + path + " is binary, compare it with a base64 string");
        }
        yield new StringTest(op, operand.textValue(), leaf); // binary: compared as it is
      }
      case BOOLEAN -> {
        if (op != CompareOp.EQ) {
          throw invalid(
              "\""
                  + c
                  + "\": "
                  + path
                  + " is a boolean, which only eq and ne compare (RFC 7644"
                  + " §3.4.2.2)");
        }
        Boolean b = Values.booleanOf(operand);
        if (b == null) {
          throw invalid("\"" + c + "\": " + path + " is a boolean, compare it with true or false");
        }
        yield new BooleanTest(b);
      }
      case INTEGER, DECIMAL -> {
        if (substring) {
          throw invalid(
              "\""
                  + c
                  + "\": "
                  + op.token()
                  + " applies to strings, and "
                  + path
                  + " is a "
                  + type.wire());
        }
        BigDecimal d = decimalOf(operand);
        if (d == null) {
          throw invalid(
              "\"" + c + "\": " + path + " is a " + type.wire() + ", compare it with a number");
        }
        yield new NumberTest(op, d);
      }
      case DATE_TIME -> {
        if (substring) {
          throw invalid(
              "\""
                  + c
                  + "\": "
                  + op.token()
                  + " applies to strings, and "
                  + path
                  + " is a dateTime");
        }
        Instant stamp = operand.isTextual() ? Values.dateTime(operand.textValue()) : null;
        if (stamp == null) {
          throw invalid(
              "\""
                  + c
                  + "\": "
                  + path
                  + " is a dateTime, compare it with a string such as"
                  + " \"2011-05-13T04:42:34Z\"");
        }
        yield new DateTest(op, stamp);
      }
      case COMPLEX ->
          throw invalid("\"" + c + "\": " + path + " is complex and cannot be compared");
    };
  }

  private static @Nullable BigDecimal decimalOf(JsonNode n) {
    if (n.isNumber()) {
      if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
        return null;
      }
      return n.decimalValue();
    }
    if (n.isTextual()) {
      String s = n.textValue().trim();
      if (!isJsonNumber(s)) {
        return null;
      }
      return new BigDecimal(s);
    }
    return null;
  }

  /** True when {@code s} is a JSON number (RFC 8259 §6) short enough to convert cheaply. */
  private static boolean isJsonNumber(String s) {
    int n = s.length();
    if (n == 0 || n > 256) {
      return false;
    }
    int i = s.charAt(0) == '-' ? 1 : 0;
    int intStart = i;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
    }
    if (i == intStart || (s.charAt(intStart) == '0' && i - intStart > 1)) {
      return false;
    }
    if (i < n && s.charAt(i) == '.') {
      int fracStart = ++i;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
      }
      if (i == fracStart) {
        return false;
      }
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int expStart = i;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
      }
      if (i == expStart || i - expStart > 9) {
        return false;
      }
    }
    return i == n;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static ScimException invalid(String detail) {
    return ScimException.invalidFilter("invalid filter: " + detail);
  }

  // ---------------------------------------------------------------- evaluation

  /**
   * A compiled filter node; {@code test}'s argument is the resource, or one element inside a value
   * path (so that a node is directly the element test of its value path).
   */
  private interface Node extends ValueTest {}

  /** A test of one attribute value; false for a value of the wrong JSON type. */
  private interface ValueTest {
    boolean test(JsonNode value);
  }

  private record AndNode(Node left, Node right) implements Node {
    @Override
    public boolean test(JsonNode base) {
      return left.test(base) && right.test(base);
    }
  }

  private record OrNode(Node left, Node right) implements Node {
    @Override
    public boolean test(JsonNode base) {
      return left.test(base) || right.test(base);
    }
  }

  private record NotNode(Node inner) implements Node {
    @Override
    public boolean test(JsonNode base) {
      return !inner.test(base);
    }
  }

  private record PresentNode(Accessor accessor) implements Node {
    @Override
    public boolean test(JsonNode base) {
      return accessor.any(base, FilterEvaluator::isPresent);
    }
  }

  private record CompareNode(Accessor accessor, ValueTest test) implements Node {
    @Override
    public boolean test(JsonNode base) {
      return accessor.any(base, test);
    }
  }

  private record ValuePathNode(Accessor accessor, Node inner) implements Node {
    @Override
    public boolean test(JsonNode base) {
      return accessor.any(base, inner);
    }
  }

  /**
   * Where a path's values are: under {@code extKey} (an extension URN) if set, then {@code
   * attrKey}, then in each element (or the one object) {@code subKey} if set. Tolerant of shape: a
   * multi-valued attribute stored as a single value, or the reverse, is still read.
   */
  private record Accessor(@Nullable String extKey, String attrKey, @Nullable String subKey) {
    boolean any(JsonNode base, ValueTest test) {
      JsonNode n = base;
      if (extKey != null) {
        n = field(n, extKey);
        if (n == null) {
          return false;
        }
      }
      n = field(n, attrKey);
      if (n == null) {
        return false;
      }
      if (n.isArray()) {
        for (JsonNode e : n) {
          JsonNode v = subKey == null ? e : field(e, subKey);
          if (v != null && test.test(v)) {
            return true;
          }
        }
        return false;
      }
      if (subKey != null) {
        n = field(n, subKey);
        if (n == null) {
          return false;
        }
      }
      return test.test(n);
    }
  }

  /** The member {@code key} of an object, canonical spelling first, then in any case. */
  private static @Nullable JsonNode field(JsonNode n, String key) {
    return n instanceof ObjectNode ? CaseInsensitive.get(n, key) : null;
  }

  /** RFC 7644 §3.4.2.2 {@code pr}: not null, not "", not an empty array or object. */
  private static boolean isPresent(JsonNode v) {
    if (v.isNull() || v.isMissingNode()) {
      return false;
    }
    if (v.isTextual()) {
      return !v.textValue().isEmpty();
    }
    if (v.isContainerNode()) {
      for (JsonNode e : v) {
        if (isPresent(e)) {
          return true;
        }
      }
      return false;
    }
    return true;
  }

  private static boolean holds(CompareOp op, int c) {
    return switch (op) {
      case EQ -> c == 0;
      case NE -> c != 0;
      case GT -> c > 0;
      case GE -> c >= 0;
      case LT -> c < 0;
      case LE -> c <= 0;
      case CO, SW, EW -> false; // never compiled for ordered types
    };
  }

  /** A string comparison: both sides as {@code leaf} compares them ({@link Values#comparable}). */
  private record StringTest(CompareOp op, String operand, Attribute leaf) implements ValueTest {
    @Override
    public boolean test(JsonNode value) {
      if (!value.isTextual()) {
        return false;
      }
      String v = Values.comparable(leaf, value.textValue());
      return switch (op) {
        case EQ -> v.equals(operand);
        case NE -> !v.equals(operand);
        case CO -> v.contains(operand);
        case SW -> v.startsWith(operand);
        case EW -> v.endsWith(operand);
        case GT, GE, LT, LE -> holds(op, v.compareTo(operand));
      };
    }
  }

  private record BooleanTest(boolean operand) implements ValueTest {
    @Override
    public boolean test(JsonNode value) {
      Boolean b = Values.booleanOf(value);
      return b != null && b == operand;
    }
  }

  private static final class NumberTest implements ValueTest {
    private final CompareOp op;
    private final BigDecimal operand;
    private final boolean integral; // operand is a whole number within long range
    private final long longOperand;

    NumberTest(CompareOp op, BigDecimal operand) {
      this.op = op;
      this.operand = operand;
      BigDecimal stripped = operand.stripTrailingZeros();
      // At most 18 integer digits always fits a long.
      this.integral = stripped.scale() <= 0 && stripped.precision() - stripped.scale() <= 18;
      this.longOperand = integral ? stripped.longValue() : 0;
    }

    @Override
    public boolean test(JsonNode value) {
      if (!value.isNumber()) {
        return false;
      }
      if (integral && value.canConvertToExactIntegral() && value.canConvertToLong()) {
        return holds(op, Long.compare(value.longValue(), longOperand));
      }
      if ((value.isDouble() || value.isFloat()) && !Double.isFinite(value.doubleValue())) {
        return false;
      }
      return holds(op, value.decimalValue().compareTo(operand));
    }
  }

  private record DateTest(CompareOp op, Instant operand) implements ValueTest {
    @Override
    public boolean test(JsonNode value) {
      if (!value.isTextual()) {
        return false;
      }
      Instant s = Values.dateTime(value.textValue());
      return s != null && holds(op, s.compareTo(operand));
    }
  }
}
