package io.scimd.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.scimd.core.error.ScimException;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The value rules of RFC 7643 §2.3: which JSON value a simple attribute of each type accepts, in
 * which canonical form, and how a dateTime reads. The one place that decides them: the resource
 * validator (POST, PUT and the result of a PATCH), the PATCH engine (each operation's value), the
 * filter evaluator and the store's SQL (dateTimes) all ask here, so that the same value gets the
 * same answer whichever way it arrives.
 *
 * <p>Forgiving where the meaning is clear, strict where it is not:
 *
 * <ul>
 *   <li>string, reference: a JSON string.
 *   <li>boolean: {@code true}/{@code false}, or the strings {@code "true"}/{@code "false"} in any
 *       case and with spaces around (Entra sends {@code "False"}); no other string, no number.
 *   <li>integer (§2.3.4): a number without a fraction, so {@code 3.0} is the integer 3, in the
 *       signed 64-bit range that every client language and both stores' integer columns hold (the
 *       RFC leaves the range open).
 *   <li>decimal (§2.3.3): any finite number.
 *   <li>dateTime (§2.3.5): an xsd:dateTime with seconds, as {@link #dateTime} reads it.
 *   <li>binary (§2.3.6): base64 of RFC 4648 §4.
 * </ul>
 */
public final class Values {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private Values() {}

  /**
   * The canonical form of {@code v} as a value of the simple attribute {@code a}, or null when it
   * does not fit ({@link #mismatch} then says why). Canonical values ({@link
   * Attribute#canonicalValues()}) are not checked here.
   *
   * @throws IllegalArgumentException when {@code a} is complex
   */
  public static @Nullable JsonNode simple(Attribute a, JsonNode v) {
    return switch (a.type()) {
      case STRING, REFERENCE -> v.isTextual() ? v : null;
      case BOOLEAN -> bool(v);
      case INTEGER -> integer(v);
      case DECIMAL -> v.isNumber() && finite(v) ? v : null;
      case DATE_TIME -> v.isTextual() && dateTime(v.textValue()) != null ? v : null;
      case BINARY -> v.isTextual() && isBase64(v.textValue()) ? v : null;
      case COMPLEX -> throw new IllegalArgumentException(a.name() + " is complex, not simple");
    };
  }

  /**
   * Text as attribute {@code a} compares it (RFC 7643 §2.2): itself when caseExact; an identifier's
   * key ({@link Precis#key}) when {@code a} holds identifiers; else lower case ({@link
   * Locale#ROOT}). Equality, ordering, uniqueness and the store's columns all compare this.
   */
  public static String comparable(Attribute a, String s) {
    if (a.caseExact() || a.type() == AttributeType.BINARY) {
      return s;
    }
    return Precis.appliesTo(a) ? Precis.key(s) : s.toLowerCase(Locale.ROOT);
  }

  /**
   * A {@code co}/{@code sw}/{@code ew} operand as attribute {@code a} compares it: as {@link
   * #comparable}, but an identifier's operand keeps the spaces at its ends ({@link
   * Precis#fragment}).
   */
  public static String comparableFragment(Attribute a, String s) {
    return Precis.appliesTo(a) ? Precis.fragment(s) : comparable(a, s);
  }

  /**
   * The instant an RFC 7643 §2.3.5 dateTime denotes, or null when {@code s} is none: a date, {@code
   * T}, hh:mm:ss (seconds required), an optional fraction and an optional zone ({@code Z} or {@code
   * ±hh:mm}; without one, UTC). Details in {@link DateTimes}.
   */
  public static @Nullable Instant dateTime(String s) {
    return DateTimes.parse(s);
  }

  /** Why {@code v} is no value of {@code a} (at {@code path}): "'path' must be ..., got ...". */
  public static String mismatch(Attribute a, JsonNode v, String path) {
    if (a.type() == AttributeType.INTEGER && v.isIntegralNumber() && !v.canConvertToLong()) {
      return "'"
          + path
          + "' must be an integer from "
          + Long.MIN_VALUE
          + " to "
          + Long.MAX_VALUE
          + ", got "
          + describe(v);
    }
    if (v.isArray() && !a.multiValued()) {
      return "'" + path + "' is single-valued: expected " + expected(a) + ", got an array";
    }
    return "'" + path + "' must be " + expected(a) + ", got " + describe(v);
  }

  /**
   * What a value of {@code a}'s type looks like, for error details: "a boolean (true or false)".
   */
  public static String expected(Attribute a) {
    return switch (a.type()) {
      case STRING -> "a string";
      case BOOLEAN -> "a boolean (true or false)";
      case DECIMAL -> "a number (decimal)";
      case INTEGER -> "an integer";
      case DATE_TIME -> "a dateTime string such as 2011-05-13T04:42:34Z";
      case BINARY -> "a base64-encoded string (binary)";
      case REFERENCE -> "a string (reference)";
      case COMPLEX -> "a JSON object (complex)";
    };
  }

  /** {@code v} for an error detail, long strings clipped: {@code the string "abc"}. */
  public static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "the string " + ScimException.quote(v.textValue());
    }
    if (v.isNumber() || v.isBoolean()) {
      return "the " + (v.isNumber() ? "number " : "boolean ") + v.asText();
    }
    if (v.isObject()) {
      return "an object";
    }
    if (v.isArray()) {
      return "an array";
    }
    return v.getNodeType().toString();
  }

  /**
   * The boolean {@code v} is: a JSON boolean, or the text {@code true}/{@code false} in any case
   * and padding (Entra sends {@code "False"}); null for anything else.
   */
  public static @Nullable Boolean booleanOf(JsonNode v) {
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual()) {
      String s = v.textValue().strip();
      if (s.equalsIgnoreCase("true")) {
        return Boolean.TRUE;
      }
      if (s.equalsIgnoreCase("false")) {
        return Boolean.FALSE;
      }
    }
    return null;
  }

  private static @Nullable JsonNode bool(JsonNode v) {
    Boolean b = booleanOf(v);
    return b == null ? null : v.isBoolean() ? v : BooleanNode.valueOf(b);
  }

  private static @Nullable JsonNode integer(JsonNode v) {
    if (v.isIntegralNumber()) {
      return v.canConvertToLong() ? v : null;
    }
    if (!v.isFloatingPointNumber() || !finite(v)) {
      return null;
    }
    try {
      // 3.0 is the integer 3. longValueExact answers 1e999999999 from precision and scale alone.
      long n = v.decimalValue().longValueExact();
      // As Jackson reads "3": an int node when it fits, so that equal values compare equal.
      return n == (int) n ? F.numberNode((int) n) : F.numberNode(n);
    } catch (ArithmeticException e) {
      return null; // a fraction, or beyond 64 bits
    }
  }

  /** False for a double that overflowed to infinity (Jackson reads 1e400 so) or is NaN. */
  private static boolean finite(JsonNode v) {
    return !(v.isDouble() || v.isFloat()) || Double.isFinite(v.doubleValue());
  }

  private static boolean isBase64(String s) {
    try {
      Base64.getDecoder().decode(s);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
